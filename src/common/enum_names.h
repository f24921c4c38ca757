#pragma once
// Look-ups in a table of an enum's values and their wire names ({value, "name"} pairs), both
// ways.

#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>

namespace stratus {

// The name of `value` in `table`, or `fallback` when the table lacks it.
template <typename Table, typename Enum>
constexpr std::string_view name_in(const Table& table, Enum value, std::string_view fallback) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

// The value named `name` in `table`, or nullopt.
template <typename Table>
constexpr auto value_in(const Table& table, std::string_view name)
    -> std::optional<std::remove_cvref_t<decltype(std::begin(table)->first)>> {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

}  // namespace stratus
