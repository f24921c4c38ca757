#include "compute/instance_state.h"

#include <array>
#include <utility>

#include "common/enum_names.h"

namespace stratus::compute {
namespace {

constexpr std::array<std::pair<InstanceState, std::string_view>, 6> kNames = {{
    {InstanceState::kPending, "pending"},
    {InstanceState::kRunning, "running"},
    {InstanceState::kStopping, "stopping"},
    {InstanceState::kStopped, "stopped"},
    {InstanceState::kShuttingDown, "shutting-down"},
    {InstanceState::kTerminated, "terminated"},
}};

}  // namespace

int state_code(InstanceState state) {
  switch (state) {
    case InstanceState::kPending: return 0;
    case InstanceState::kRunning: return 16;
    case InstanceState::kShuttingDown: return 32;
    case InstanceState::kTerminated: return 48;
    case InstanceState::kStopping: return 64;
    case InstanceState::kStopped: return 80;
  }
  return -1;
}

std::string_view state_name(InstanceState state) { return name_in(kNames, state, "unknown"); }

std::optional<InstanceState> parse_state(std::string_view name) { return value_in(kNames, name); }

Transition on_action(InstanceState state, InstanceAction action) {
  using S = InstanceState;
  switch (action) {
    case InstanceAction::kStart:
      if (state == S::kStopped) return {true, S::kPending};
      if (state == S::kPending || state == S::kRunning) return {true, state};
      return {false, state};
    case InstanceAction::kStop:
      if (state == S::kRunning) return {true, S::kStopping};
      if (state == S::kStopping || state == S::kStopped) return {true, state};
      return {false, state};
    case InstanceAction::kReboot:
      return {state == S::kRunning, state};
    case InstanceAction::kTerminate:
      if (state == S::kShuttingDown || state == S::kTerminated) return {true, state};
      if (state == S::kStopped) return {true, S::kTerminated};
      return {true, S::kShuttingDown};
  }
  return {false, state};
}

bool holds_host(InstanceState state) {
  return state == InstanceState::kPending || state == InstanceState::kRunning || state == InstanceState::kStopping;
}

}  // namespace stratus::compute
