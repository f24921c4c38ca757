#pragma once
// The fault actions stratus runs, as FIS describes them (ListActions, GetAction), and the checks
// and time arithmetic experiment templates need.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stratus::fis {

// The actions stratus runs, by id: {description, targets: {KEY: resource type},
// parameters: {NAME: {description, required}}}.
const nlohmann::json& actions();

// Seconds of ISO 8601 duration `text` ("PT2M", "PT1M30S", "PT1H", "P1D"), or nullopt.
std::optional<int64_t> parse_duration(const std::string& text);

// The resource types targets may have.
bool known_resource_type(const std::string& type);

}  // namespace stratus::fis
