#pragma once
// The EC2 instance lifecycle: states, their codes, and which transitions API calls and VM
// cause. Pure logic; the API and the reconciler apply it.

#include <optional>
#include <string_view>

namespace stratus::compute {

// EC2 instance states.
enum class InstanceState { kPending, kRunning, kStopping, kStopped, kShuttingDown, kTerminated };

// AWS's numeric state code (0 pending, 16 running, 32 shutting-down, 48 terminated,
// 64 stopping, 80 stopped).
int state_code(InstanceState state);
// AWS's state name ("pending", "running", ...).
std::string_view state_name(InstanceState state);
// The state named `name`, or nullopt.
std::optional<InstanceState> parse_state(std::string_view name);

// True when an instance in `state` holds host resources (memory, vCPUs) for capacity checks:
// pending, running and stopping (a guest may take two minutes to power off) do; shutting-down
// does not (its VM is killed at once, so capacity frees as soon as TerminateInstances answers),
// nor do stopped and terminated.
bool holds_host(InstanceState state);

// What a caller asks of an instance.
enum class InstanceAction { kStart, kStop, kReboot, kTerminate };

// The outcome of an action in a state: refused (IncorrectInstanceState), or the next state
// (equal to the current one when the action is a no-op, e.g. starting a running instance).
struct Transition {
  bool allowed = false;
  InstanceState next = InstanceState::kPending;
};

// How `action` moves an instance in `state`, as on AWS:
// start: stopped -> pending; pending/running: no-op; others refused.
// stop: running -> stopping; stopping/stopped: no-op; pending, shutting-down, terminated refused.
// reboot: running only (stays running).
// terminate: any -> shutting-down, stopped -> terminated; shutting-down/terminated: no-op.
Transition on_action(InstanceState state, InstanceAction action);

}  // namespace stratus::compute
