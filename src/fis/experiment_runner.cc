#include "fis/experiment_runner.h"

#include <set>

#include "fis/fis_actions.h"
#include "fis/fis_service.h"

namespace stratus::fis {
namespace {

using nlohmann::json;

// How long action `action` lasts once started (0: it is done at once).
int64_t duration_of(const json& action) {
  const json parameters = action.value("parameters", json::object());
  for (const char* key : {"duration", "startInstancesAfterDuration", "durationBeforeInterruption"}) {
    if (parameters.contains(key)) return parse_duration(parameters[key].get<std::string>()).value_or(0);
  }
  return 0;
}

void set_action(json& action, const std::string& status, const std::string& reason) {
  action["state"] = {{"status", status}, {"reason", reason}};
}

bool under_way(const std::string& status) {
  return status == "initiating" || status == "running" || status == "stopping";
}

}  // namespace

void ExperimentRunner::pass() {
  std::vector<store::Record> experiments;
  {
    auto txn = store_.begin_read();
    for (store::Record& r : txn->list(kExperimentKind, std::nullopt)) {
      if (under_way(r.doc["state"].value("status", ""))) experiments.push_back(std::move(r));
    }
  }
  for (const store::Record& r : experiments) {
    json next = step(r.doc, r.region);
    if (next != r.doc) save(r.id, r.region, next);  // an experiment waiting out a duration is not rewritten
  }
}

void ExperimentRunner::save(const std::string& id, const std::string& region, const json& doc) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record) return;
  json out = doc;
  std::string stored = record->doc["state"].value("status", "");
  if (stored == "stopping" && under_way(doc["state"].value("status", "")) && doc["state"].value("status", "") != "stopping") {
    out["state"] = record->doc["state"];  // the user's stop stands; the next pass carries it out
  }
  txn->put({id, kExperimentKind, region, out});
  txn->commit();
}

json ExperimentRunner::step(json doc, const std::string& region) {
  const int64_t now = now_();
  const Scope scope{doc.value("_account", ""), region, doc.value("roleArn", "")};
  std::string status = doc["state"].value("status", "");
  json& actions = doc["actions"];
  // Undoes every running action (best effort: a failure is recorded as the action's reason);
  // true when all are undone.
  auto undo_running = [&](const std::string& end_status) {
    bool all = true;
    for (auto& [name, action] : actions.items()) {
      if (action["state"].value("status", "") != "running") continue;
      Result<bool> undone = action.value("_undo", json()).is_null()
                                ? Result<bool>(true)
                                : faults_.undo(scope, action["actionId"], action["_undo"]);
      if (undone.ok() && !undone.value()) {
        all = false;
        continue;
      }
      set_action(action, end_status, undone.ok() ? "Stopped with the experiment." : undone.error().message);
      action["endTime"] = now;
    }
    return all;
  };
  auto finish = [&](const std::string& experiment_status, const std::string& reason) {
    for (auto& [name, action] : actions.items()) {
      if (action["state"].value("status", "") == "pending") set_action(action, "cancelled", "The experiment ended.");
    }
    doc["state"] = {{"status", experiment_status}, {"reason", reason}};
    doc["endTime"] = now;
  };
  if (status == "stopping") {
    if (undo_running("stopped")) finish("stopped", "Experiment stopped.");
    return doc;
  }
  if (status == "initiating") {
    json resolved = json::object();
    const json targets = doc.value("targets", json::object());
    for (const auto& [name, target] : targets.items()) {
      auto ids = faults_.resolve(scope, target);
      if (!ids.ok()) {
        finish("failed", "Target resolution failed for " + name + ": " + ids.error().message);
        return doc;
      }
      if (ids.value().empty()) {
        finish("failed", "Target resolution failed: target " + name + " matched no resources.");
        return doc;
      }
      resolved[name] = ids.value();
    }
    doc["_resolved"] = resolved;
    doc["state"] = {{"status", "running"}, {"reason", "Experiment is running."}};
    doc["startTime"] = now;
    status = "running";
  }
  // Running: end what is due, then start what may start.
  for (auto& [name, action] : actions.items()) {
    if (action["state"].value("status", "") != "running" || now < action.value("_due", int64_t{0})) continue;
    if (!action.value("_undo", json()).is_null()) {
      auto undone = faults_.undo(scope, action["actionId"], action["_undo"]);
      if (!undone.ok()) {
        set_action(action, "failed", undone.error().message);
        undo_running("stopped");
        finish("failed", "Action " + name + " failed: " + undone.error().message);
        return doc;
      }
      if (!undone.value()) continue;  // not yet (instances still stopping): the next pass
    }
    set_action(action, "completed", "Action was completed.");
    action["endTime"] = now;
  }
  auto completed = [&](const std::string& name) {
    return actions.contains(name) && actions[name]["state"].value("status", "") == "completed";
  };
  for (auto& [name, action] : actions.items()) {
    if (action["state"].value("status", "") != "pending") continue;
    const json after = action.value("startAfter", json::array());
    if (!std::all_of(after.begin(), after.end(), [&](const json& n) { return completed(n.get<std::string>()); })) continue;
    std::vector<std::string> ids;
    const json targets = action.value("targets", json::object());
    for (const auto& [key, target] : targets.items()) {
      for (const json& id : doc["_resolved"].value(target.get<std::string>(), json::array())) ids.push_back(id);
    }
    action["startTime"] = now;
    auto started = faults_.run(scope, action["actionId"], ids, action.value("parameters", json::object()));
    if (!started.ok()) {
      set_action(action, "failed", started.error().message);
      action["endTime"] = now;
      undo_running("stopped");
      finish("failed", "Action " + name + " failed: " + started.error().message);
      return doc;
    }
    int64_t duration = duration_of(action);
    if (duration == 0) {
      set_action(action, "completed", "Action was completed.");
      action["endTime"] = now;
      continue;
    }
    set_action(action, "running", "Action is running.");
    action["_due"] = now + duration;
    action["_undo"] = started.value();
  }
  bool all_done = true;
  for (auto& [name, action] : actions.items()) all_done = all_done && completed(name);
  if (all_done) finish("completed", "Experiment completed.");
  return doc;
}

}  // namespace stratus::fis
