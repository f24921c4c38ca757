#pragma once
// Secrets a data dir keeps in its store's settings: made at first use, the same across restarts.

#include <string>

#include "store/store.h"

namespace stratus::store {

// The data dir's secret named `name`: 64 hex digits (32 random bytes), made and stored the
// first time it is asked for.
std::string data_dir_secret(Store& store, const std::string& name);

}  // namespace stratus::store
