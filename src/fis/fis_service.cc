#include "fis/fis_service.h"

#include <regex>
#include <set>

#include "api/offset_pages.h"
#include "common/ids.h"
#include "fis/fis_actions.h"

namespace stratus::fis {
namespace {

using nlohmann::json;

constexpr const char* kAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

ApiError invalid(const std::string& message) { return ApiError{"ValidationException", message}; }

ApiError not_found(const std::string& what, const std::string& id) {
  return ApiError{"ResourceNotFoundException", what + " " + id + " not found"};
}

// Checks target `name` of a template.
std::optional<ApiError> target_problem(const std::string& name, const json& target) {
  std::string type = target.value("resourceType", "");
  if (!known_resource_type(type)) {
    return invalid("Target " + name + ": resource type " + type +
                   " is not one stratus offers (aws:ec2:instance, aws:ec2:spot-instance, aws:ec2:subnet)");
  }
  static const std::regex kMode(R"(ALL|COUNT\(\d+\)|PERCENT\(\d+\))");
  if (!std::regex_match(target.value("selectionMode", ""), kMode)) {
    return invalid("Target " + name + ": selectionMode must be ALL, COUNT(n) or PERCENT(n)");
  }
  if (target.contains("resourceArns") && target.contains("resourceTags")) {
    return invalid("Target " + name + ": give resourceArns or resourceTags, not both");
  }
  if (!target.contains("resourceArns") && !target.contains("resourceTags") && !target.contains("filters") &&
      !target.contains("parameters")) {
    return invalid("Target " + name + ": give resourceArns, resourceTags, filters or parameters");
  }
  return std::nullopt;
}

// Checks action `name` of a template whose targets are `targets` and actions `all`.
std::optional<ApiError> action_problem(const std::string& name, const json& action, const json& targets, const json& all) {
  std::string id = action.value("actionId", "");
  if (!actions().contains(id)) return invalid("Action " + name + ": " + id + " is not an action stratus runs (ListActions)");
  const json& known = actions()[id];
  const json given_targets = action.value("targets", json::object());
  for (const auto& [key, type] : known["targets"].items()) {
    if (!given_targets.contains(key)) return invalid("Action " + name + ": target " + key + " is required");
    std::string target = given_targets[key];
    if (!targets.contains(target)) return invalid("Action " + name + ": target " + target + " is not in the template");
    if (targets[target].value("resourceType", "") != type) {
      return invalid("Action " + name + ": target " + target + " must be of resource type " + type.get<std::string>());
    }
  }
  for (const auto& [key, unused] : given_targets.items()) {
    if (!known["targets"].contains(key)) return invalid("Action " + name + ": " + id + " takes no target " + key);
  }
  const json parameters = action.value("parameters", json::object());
  for (const auto& [key, about] : known["parameters"].items()) {
    if (about.value("required", false) && !parameters.contains(key)) {
      return invalid("Action " + name + ": parameter " + key + " is required");
    }
  }
  for (const auto& [key, value] : parameters.items()) {
    if (!known["parameters"].contains(key)) return invalid("Action " + name + ": " + id + " takes no parameter " + key);
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (key == "scope") {
      if (text != "all" && text != "availability-zone") {
        return invalid("Action " + name + ": scope must be all or availability-zone in stratus");
      }
      continue;
    }
    auto seconds = parse_duration(text);
    if (!seconds) return invalid("Action " + name + ": " + key + " must be an ISO 8601 duration such as PT2M");
    if (key == "durationBeforeInterruption" && (*seconds < 120 || *seconds > 900)) {
      return invalid("Action " + name + ": durationBeforeInterruption must be from PT2M to PT15M");
    }
  }
  for (const json& after : action.value("startAfter", json::array())) {
    if (!after.is_string() || !all.contains(after.get<std::string>()) || after == name) {
      return invalid("Action " + name + ": startAfter names " + after.dump() + ", not another action of the template");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> template_problem(const json& request, const std::string& account) {
  std::string role = request.value("roleArn", "");
  if (role.rfind("arn:aws:iam::" + account + ":role/", 0) != 0) {
    return invalid("roleArn must name a role of account " + account + ": " + role);
  }
  for (const json& condition : request.value("stopConditions", json::array())) {
    if (condition.value("source", "") != "none") {
      return invalid("stratus has no CloudWatch alarms: a stop condition's source must be none");
    }
  }
  const json targets = request.value("targets", json::object());
  const json all = request.value("actions", json::object());
  if (all.empty()) return invalid("An experiment template needs at least one action");
  for (const auto& [name, target] : targets.items()) {
    if (auto problem = target_problem(name, target)) return problem;
  }
  for (const auto& [name, action] : all.items()) {
    if (auto problem = action_problem(name, action, targets, all)) return problem;
  }
  // startAfter must not go round in a circle: every action must be reachable from ones that wait for none.
  std::set<std::string> ordered;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [name, action] : all.items()) {
      const json after = action.value("startAfter", json::array());
      if (ordered.count(name) || !std::all_of(after.begin(), after.end(), [&](const json& n) { return ordered.count(n); })) {
        continue;
      }
      ordered.insert(name);
      grew = true;
    }
  }
  if (ordered.size() != all.size()) return invalid("The actions' startAfter lists wait for one another in a circle");
  return std::nullopt;
}


// FIS's paging: a nextToken offset, maxResults 1 to 100.
Result<json> page(const json& items, const json& request, const std::string& member) {
  return api::offset_page(items, request, member,
                          {"nextToken", "maxResults", invalid("The nextToken is not one this service gave"),
                           invalid("maxResults must be from 1 to 100")});
}

// The records of `kind` of the call's account and region.
std::vector<store::Record> owned(store::Transaction& txn, const std::string& kind, const api::ServiceCall& call) {
  std::vector<store::Record> out;
  for (store::Record& r : txn.list(kind, call.region)) {
    if (r.doc.value("_account", "") == call.account_id) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

json public_view(const json& doc) {
  json out = json::object();
  for (const auto& [key, value] : doc.items()) {
    if (key.rfind('_', 0) != 0) out[key] = value;
  }
  if (out.contains("actions")) {
    for (auto& [name, action] : out["actions"].items()) {
      for (auto it = action.begin(); it != action.end();) {
        it = it.key().rfind('_', 0) == 0 ? action.erase(it) : std::next(it);
      }
    }
  }
  return out;
}

bool FisService::implements(std::string_view action) const {
  return action == "CreateExperimentTemplate" || action == "GetExperimentTemplate" ||
         action == "ListExperimentTemplates" || action == "DeleteExperimentTemplate" || action == "StartExperiment" ||
         action == "GetExperiment" || action == "ListExperiments" || action == "StopExperiment" ||
         action == "ListActions" || action == "GetAction";
}

bool FisService::mutates(std::string_view action) const {
  return action == "CreateExperimentTemplate" || action == "DeleteExperimentTemplate" || action == "StartExperiment" ||
         action == "StopExperiment";
}

Result<json> FisService::run(const api::ServiceCall& call, store::Transaction& txn) {
  const json& request = call.request;
  const std::string& a = call.action;
  const int64_t now = now_();
  const std::string arn_prefix = "arn:aws:fis:" + call.region + ":" + call.account_id + ":";
  if (a == "ListActions") {
    json list = json::array();
    for (const auto& [id, about] : actions().items()) {
      list.push_back({{"id", id}, {"arn", arn_prefix + "action/" + id}, {"description", about["description"]},
                      {"targets", json::object()}, {"tags", json::object()}});
      for (const auto& [key, type] : about["targets"].items()) list.back()["targets"][key] = {{"resourceType", type}};
    }
    return page(list, request, "actions");
  }
  if (a == "GetAction") {
    std::string id = request.value("id", "");
    if (!actions().contains(id)) return not_found("Action", id);
    const json& about = actions()[id];
    json out = {{"id", id}, {"arn", arn_prefix + "action/" + id}, {"description", about["description"]},
                {"parameters", json::object()}, {"targets", json::object()}, {"tags", json::object()}};
    for (const auto& [key, p] : about["parameters"].items()) {
      out["parameters"][key] = {{"description", p["description"]}, {"required", p["required"]}};
    }
    for (const auto& [key, type] : about["targets"].items()) out["targets"][key] = {{"resourceType", type}};
    return json{{"action", out}};
  }
  if (a == "CreateExperimentTemplate") {
    if (auto problem = template_problem(request, call.account_id)) return *problem;
    std::string id = "EXT" + random_string(14, kAlphanumeric);
    json doc = {{"id", id},
                {"arn", arn_prefix + "experiment-template/" + id},
                {"description", request.value("description", "")},
                {"targets", request.value("targets", json::object())},
                {"actions", request.value("actions", json::object())},
                {"stopConditions", request.value("stopConditions", json::array())},
                {"roleArn", request["roleArn"]},
                {"tags", request.value("tags", json::object())},
                {"creationTime", now},
                {"lastUpdateTime", now},
                {"_account", call.account_id}};
    txn.put({id, kTemplateKind, call.region, doc});
    return json{{"experimentTemplate", public_view(doc)}};
  }
  if (a == "ListExperimentTemplates") {
    json list = json::array();
    for (const store::Record& r : owned(txn, kTemplateKind, call)) {
      list.push_back({{"id", r.doc["id"]}, {"arn", r.doc["arn"]}, {"description", r.doc["description"]},
                      {"creationTime", r.doc["creationTime"]}, {"lastUpdateTime", r.doc["lastUpdateTime"]},
                      {"tags", r.doc["tags"]}});
    }
    return page(list, request, "experimentTemplates");
  }
  if (a == "ListExperiments") {
    json list = json::array();
    for (const store::Record& r : owned(txn, kExperimentKind, call)) {
      if (request.contains("experimentTemplateId") && r.doc["experimentTemplateId"] != request["experimentTemplateId"]) {
        continue;
      }
      list.push_back({{"id", r.doc["id"]}, {"arn", r.doc["arn"]}, {"experimentTemplateId", r.doc["experimentTemplateId"]},
                      {"state", r.doc["state"]}, {"creationTime", r.doc["creationTime"]}, {"tags", r.doc["tags"]}});
    }
    return page(list, request, "experiments");
  }
  const std::string id = a == "StartExperiment" ? request.value("experimentTemplateId", "") : request.value("id", "");
  auto record = txn.get(id);
  bool is_template = a == "GetExperimentTemplate" || a == "DeleteExperimentTemplate" || a == "StartExperiment";
  if (!record || record->kind != (is_template ? kTemplateKind : kExperimentKind) || record->region != call.region ||
      record->doc.value("_account", "") != call.account_id) {
    return not_found(is_template ? "Experiment template" : "Experiment", id);
  }
  json doc = record->doc;
  if (a == "GetExperimentTemplate") return json{{"experimentTemplate", public_view(doc)}};
  if (a == "DeleteExperimentTemplate") {
    txn.erase(id);
    return json{{"experimentTemplate", public_view(doc)}};
  }
  if (a == "GetExperiment") return json{{"experiment", public_view(doc)}};
  if (a == "StopExperiment") {
    std::string status = doc["state"].value("status", "");
    if (status == "initiating" || status == "running" || status == "pending") {
      doc["state"] = {{"status", "stopping"}, {"reason", "Stopping the experiment: the user asked."}};
      txn.put({id, kExperimentKind, call.region, doc});
    }
    return json{{"experiment", public_view(doc)}};
  }
  // StartExperiment: a repeat of a clientToken answers the experiment it started.
  std::string token = request.value("clientToken", "");
  for (const store::Record& r : owned(txn, kExperimentKind, call)) {
    if (!token.empty() && r.doc.value("_clientToken", "") == token) return json{{"experiment", public_view(r.doc)}};
  }
  std::string experiment_id = "EXP" + random_string(17, kAlphanumeric);
  json actions_state = doc["actions"];
  for (auto& [name, action] : actions_state.items()) action["state"] = {{"status", "pending"}, {"reason", "Initial state"}};
  json experiment = {{"id", experiment_id},
                     {"arn", arn_prefix + "experiment/" + experiment_id},
                     {"experimentTemplateId", id},
                     {"roleArn", doc["roleArn"]},
                     {"state", {{"status", "initiating"}, {"reason", "Experiment is initiating."}}},
                     {"targets", doc["targets"]},
                     {"actions", actions_state},
                     {"stopConditions", doc["stopConditions"]},
                     {"creationTime", now},
                     {"tags", request.value("tags", json::object())},
                     {"_account", call.account_id},
                     {"_clientToken", token}};
  txn.put({experiment_id, kExperimentKind, call.region, experiment});
  return json{{"experiment", public_view(experiment)}};
}

}  // namespace stratus::fis
