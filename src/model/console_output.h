#pragma once
// Console output that a host publishes for the rest of the region (kind "console-output", one
// record per instance, in the instance's region): when a region spans hosts, an API server has no
// run directory of an instance on another host to read the serial console from, so the host
// writes the console's tail into the store as it changes.

#include <cstdint>
#include <optional>
#include <string>

#include "store/store.h"

namespace stratus::model {

// The store kind of published console output.
inline constexpr const char* kConsoleOutputKind = "console-output";

// The record id of `instance_id`'s published console output.
std::string console_output_id(const std::string& instance_id);

// The record publishing `text` (the console's tail) of `instance_id` of `region` at Unix time `at`.
store::Record console_output_record(const std::string& instance_id, const std::string& region, const std::string& text,
                                    int64_t at);

// The console output published for `instance_id`, or nullopt when none is.
std::optional<std::string> published_console_output(store::Transaction& txn, const std::string& instance_id);

}  // namespace stratus::model
