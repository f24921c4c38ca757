#pragma once
// Carries out FIS experiments (fis/fis_service). Each pass takes every experiment under way one
// step: an initiating one has its targets resolved (failed when one resolves to nothing) and
// runs; a running one starts each pending action whose startAfter actions have completed, ends
// the actions whose duration has passed (undoing what they started: instances restarted after
// startInstancesAfterDuration, network ACLs restored after a disruption), and completes when all
// have; a failed action fails the experiment and undoes the rest; a stopping one (StopExperiment)
// undoes its running actions and stops. State lives in the store alone: after a restart the next
// pass picks up where the last left off.

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/periodic.h"
#include "fis/fault_actions.h"
#include "store/store.h"

namespace stratus::fis {

class ExperimentRunner {
 public:
  // `now`: the clock durations are reckoned by. REQUIRES: `store` and `faults` outlive the runner.
  ExperimentRunner(store::Store& store, FaultActions& faults, std::function<int64_t()> now)
      : store_(store), faults_(faults), now_(std::move(now)) {}

  // One pass over every experiment under way, on the caller's thread.
  void pass();
  // Runs pass() every `interval` on a thread of its own until stop() (or destruction).
  void start(std::chrono::milliseconds interval) {
    periodic_.start(interval, [this] { pass(); });
  }
  // Waits for a pass under way to end and runs no more.
  void stop() { periodic_.stop(); }

 private:
  // Takes experiment `doc` (record `id` in `region`) one step; the document as it leaves it.
  nlohmann::json step(nlohmann::json doc, const std::string& region);
  // Writes `doc` as experiment `id` unless the user asked it to stop meanwhile (then the stop
  // stands, with `doc`'s action states).
  void save(const std::string& id, const std::string& region, const nlohmann::json& doc);

  store::Store& store_;
  FaultActions& faults_;
  std::function<int64_t()> now_;
  Periodic periodic_;  // last: stopped before the rest goes
};

}  // namespace stratus::fis
