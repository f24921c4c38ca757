#pragma once
// Which process acts on a volume's disk when a region spans hosts (docs/design/multi-host.md):
// the host of the instance it is attached to, whose VM has it open, else the region's own server
// (host ""), which also runs the region-wide block store chores. On one machine every disk is
// the server's.

#include <string>

#include "model/volume.h"
#include "store/store.h"

namespace stratus::reconciler {

// The host (model/host.h id; "" for the region's own server) that acts on `volume`'s disk: that
// of the instance it is attached to, while it is; else "".
std::string disk_host(store::Transaction& txn, const model::Volume& volume);

}  // namespace stratus::reconciler
