#include "compute/instance_state.h"

#include <gtest/gtest.h>

namespace stratus::compute {
namespace {

using S = InstanceState;
using A = InstanceAction;

struct ActionCase {
  S from;
  A action;
  bool allowed;
  S to;
};

TEST(InstanceState, ActionsFollowAws) {
  const ActionCase cases[] = {
      {S::kStopped, A::kStart, true, S::kPending},      {S::kRunning, A::kStart, true, S::kRunning},
      {S::kPending, A::kStart, true, S::kPending},      {S::kStopping, A::kStart, false, S::kStopping},
      {S::kTerminated, A::kStart, false, S::kTerminated},
      {S::kRunning, A::kStop, true, S::kStopping},      {S::kStopped, A::kStop, true, S::kStopped},
      {S::kStopping, A::kStop, true, S::kStopping},     {S::kPending, A::kStop, false, S::kPending},
      {S::kTerminated, A::kStop, false, S::kTerminated},
      {S::kRunning, A::kReboot, true, S::kRunning},     {S::kStopped, A::kReboot, false, S::kStopped},
      {S::kRunning, A::kTerminate, true, S::kShuttingDown}, {S::kPending, A::kTerminate, true, S::kShuttingDown},
      {S::kStopped, A::kTerminate, true, S::kTerminated},   {S::kTerminated, A::kTerminate, true, S::kTerminated},
  };
  for (const auto& c : cases) {
    Transition t = on_action(c.from, c.action);
    EXPECT_EQ(t.allowed, c.allowed) << state_name(c.from) << " action " << static_cast<int>(c.action);
    EXPECT_EQ(t.next, c.to) << state_name(c.from) << " action " << static_cast<int>(c.action);
  }
}

TEST(InstanceState, CodesAndNames) {
  EXPECT_EQ(state_code(S::kPending), 0);
  EXPECT_EQ(state_code(S::kRunning), 16);
  EXPECT_EQ(state_code(S::kShuttingDown), 32);
  EXPECT_EQ(state_code(S::kTerminated), 48);
  EXPECT_EQ(state_code(S::kStopping), 64);
  EXPECT_EQ(state_code(S::kStopped), 80);
  for (S s : {S::kPending, S::kRunning, S::kStopping, S::kStopped, S::kShuttingDown, S::kTerminated}) {
    EXPECT_EQ(parse_state(state_name(s)), s);
  }
  EXPECT_FALSE(parse_state("exploded"));
}

TEST(InstanceState, PendingRunningAndStoppingInstancesHoldTheHost) {
  for (S s : {S::kPending, S::kRunning, S::kStopping}) EXPECT_TRUE(holds_host(s));
  for (S s : {S::kShuttingDown, S::kStopped, S::kTerminated}) EXPECT_FALSE(holds_host(s));
}

}  // namespace
}  // namespace stratus::compute
