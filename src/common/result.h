#pragma once
// Result values used across module boundaries instead of exceptions.

#include <string>
#include <utility>
#include <variant>

namespace stratus {

// An AWS-style failure: a code from the error table (e.g. "InvalidVpcID.NotFound")
// and a human-readable message. Only the API layer turns it into HTTP.
struct ApiError {
  std::string code;
  std::string message;
};

// Either a value of T or an ApiError. REQUIRES: value() only when ok(), error() only when !ok().
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT: implicit by design
  Result(ApiError error) : state_(std::move(error)) {}   // NOLINT: implicit by design

  // True when the result holds a value.
  bool ok() const { return std::holds_alternative<T>(state_); }
  // The value. REQUIRES: ok().
  const T& value() const { return std::get<T>(state_); }
  // The value, movable. REQUIRES: ok().
  T& value() { return std::get<T>(state_); }
  // The error. REQUIRES: !ok().
  const ApiError& error() const { return std::get<ApiError>(state_); }

 private:
  std::variant<T, ApiError> state_;
};

}  // namespace stratus
