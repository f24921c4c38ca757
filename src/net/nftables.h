#pragma once
// nftables through libnftables (the library behind `nft`), inside a network namespace.

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace stratus::net {

// Runs nftables JSON commands ({"nftables": [...]}) in network namespace `netns` as one
// transaction: all of them take effect or none. Errors carry nftables' message.
Result<bool> run_nftables(const std::string& netns, const nlohmann::json& commands);

// The text listing (`nft list table FAMILY NAME`) of a table in `netns`, or an error when the
// table does not exist.
Result<std::string> list_nftables_table(const std::string& netns, const std::string& family, const std::string& name);

}  // namespace stratus::net
