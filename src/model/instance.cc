#include "model/instance.h"

namespace stratus::model {
namespace {

using nlohmann::json;
using compute::InstanceState;

// Members of the record's description that the typed parts hold instead.
constexpr const char* kDerivedMembers[] = {"State", "StateTransitionReason", "Tags"};

// Puts `value` under `key` of `doc` when it has one.
void put_optional(json& doc, const char* key, const std::optional<int64_t>& value) {
  if (value) doc[key] = *value;
}

std::optional<int64_t> optional_from(const json& doc, const char* key) {
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  return doc[key].get<int64_t>();
}

json spot_doc(const SpotTerms& t) {
  json doc = {{"RequestId", t.request_id},
              {"MaxPrice", t.max_price},
              {"InterruptionBehavior", t.interruption_behavior},
              {"Price", t.price},
              {"InterruptCause", t.interrupt_cause}};
  put_optional(doc, "InterruptAt", t.interrupt_at);
  put_optional(doc, "RebalanceAt", t.rebalance_at);
  return doc;
}

SpotTerms spot_from(const json& d) {
  SpotTerms t;
  t.request_id = d.value("RequestId", "");
  t.max_price = d.value("MaxPrice", 0.0);
  t.interruption_behavior = d.value("InterruptionBehavior", "terminate");
  t.price = d.value("Price", 0.0);
  t.interrupt_cause = d.value("InterruptCause", "");
  t.interrupt_at = optional_from(d, "InterruptAt");
  t.rebalance_at = optional_from(d, "RebalanceAt");
  return t;
}

json spec_doc(const InstanceSpec& s) {
  json doc = {{"ReservationId", s.reservation_id},
          {"OwnerId", s.owner_id},
          {"UserData", s.user_data},
          {"ShutdownBehavior", s.shutdown_behavior},
          {"DisableApiTermination", s.disable_api_termination},
          {"DisableApiStop", s.disable_api_stop},
          {"Vcpus", s.vcpus},
          {"MemoryMiB", s.memory_mib},
          {"MaxInterfaces", s.max_interfaces},
          {"AssignPublicIp", s.assign_public_ip},
          {"LastPublicIp", s.last_public_ip},
          {"ElasticIp", s.elastic_ip},
          {"RebootsRequested", s.reboots_requested},
          {"ForceStopsRequested", s.force_stops_requested},
          {"BootDirectory", s.boot_directory},
          {"IamAssociationId", s.iam_association_id},
          {"IamAssociatedAt", s.iam_associated_at}};
  if (s.spot) doc["Spot"] = spot_doc(*s.spot);
  if (!s.host_id.empty()) doc["HostId"] = s.host_id;
  return doc;
}

InstanceSpec spec_from(const json& d) {
  InstanceSpec s;
  s.reservation_id = d.value("ReservationId", "");
  s.owner_id = d.value("OwnerId", "");
  s.user_data = d.value("UserData", "");
  s.shutdown_behavior = d.value("ShutdownBehavior", "stop");
  s.disable_api_termination = d.value("DisableApiTermination", false);
  s.disable_api_stop = d.value("DisableApiStop", false);
  s.vcpus = d.value("Vcpus", int64_t{1});
  s.memory_mib = d.value("MemoryMiB", int64_t{512});
  s.max_interfaces = d.value("MaxInterfaces", int64_t{2});
  s.assign_public_ip = d.value("AssignPublicIp", false);
  s.last_public_ip = d.value("LastPublicIp", "");
  s.elastic_ip = d.value("ElasticIp", "");
  s.reboots_requested = d.value("RebootsRequested", int64_t{0});
  s.force_stops_requested = d.value("ForceStopsRequested", int64_t{0});
  s.boot_directory = d.value("BootDirectory", "");
  s.iam_association_id = d.value("IamAssociationId", "");
  s.iam_associated_at = d.value("IamAssociatedAt", "");
  if (d.contains("Spot")) s.spot = spot_from(d["Spot"]);
  s.host_id = d.value("HostId", "");
  return s;
}

json status_doc(const InstanceStatus& s) {
  json doc = {{"State", std::string(compute::state_name(s.state))},
              {"TransitionReason", s.transition_reason},
              {"Reachable", s.reachable},
              {"RestartsBefore", s.restarts_before},
              {"RebootsDone", s.reboots_done},
              {"ForceStopsDone", s.force_stops_done}};
  put_optional(doc, "PowerDownAt", s.power_down_at);
  put_optional(doc, "TerminatedAt", s.terminated_at);
  put_optional(doc, "RebootAskedAt", s.reboot_asked_at);
  put_optional(doc, "QuiescedAt", s.quiesced_at);
  return doc;
}

InstanceStatus status_from(const json& d) {
  InstanceStatus s;
  s.state = compute::parse_state(d.value("State", "pending")).value_or(InstanceState::kPending);
  s.transition_reason = d.value("TransitionReason", "");
  s.reachable = d.value("Reachable", false);
  s.restarts_before = d.value("RestartsBefore", int64_t{0});
  s.reboots_done = d.value("RebootsDone", int64_t{0});
  s.force_stops_done = d.value("ForceStopsDone", int64_t{0});
  s.power_down_at = optional_from(d, "PowerDownAt");
  s.terminated_at = optional_from(d, "TerminatedAt");
  s.quiesced_at = optional_from(d, "QuiescedAt");
  s.reboot_asked_at = optional_from(d, "RebootAskedAt");
  return s;
}

// A record written before spec and status were apart: the description held State and the
// private "_" keys. Read once; the next write stores the new layout.
Instance from_legacy(const json& doc) {
  // Spec or Status member <- the private key it was kept under.
  static constexpr std::pair<const char*, const char*> kSpecKeys[] = {
      {"ReservationId", "_ReservationId"},   {"OwnerId", "_OwnerId"},
      {"UserData", "_UserData"},             {"ShutdownBehavior", "_ShutdownBehavior"},
      {"DisableApiTermination", "_DisableApiTermination"}, {"DisableApiStop", "_DisableApiStop"},
      {"Vcpus", "_Vcpus"},                   {"MemoryMiB", "_MemoryMiB"},
      {"MaxInterfaces", "_MaxInterfaces"},
      {"AssignPublicIp", "_AssignPublicIp"}, {"LastPublicIp", "_LastPublicIp"},
      {"ElasticIp", "_ElasticIp"}};
  static constexpr std::pair<const char*, const char*> kStatusKeys[] = {
      {"Reachable", "_StatusOk"}, {"PowerDownAt", "_PowerDownAt"}, {"TerminatedAt", "_TerminatedAt"},
      {"RebootAskedAt", "_RebootAskedAt"}, {"RestartsBefore", "_RestartsBefore"}};
  json spec = json::object(), status = json::object();
  for (const auto& [member, key] : kSpecKeys) {
    if (doc.contains(key)) spec[member] = doc[key];
  }
  for (const auto& [member, key] : kStatusKeys) {
    if (doc.contains(key)) status[member] = doc[key];
  }
  // One-shot requests were flags.
  spec["RebootsRequested"] = doc.value("_RebootRequested", false) ? 1 : 0;
  spec["ForceStopsRequested"] = doc.value("_ForceStop", false) ? 1 : 0;
  if (doc.contains("State")) status["State"] = doc["State"].value("Name", "pending");
  status["TransitionReason"] = doc.value("StateTransitionReason", "");
  Instance out;
  for (const auto& [key, value] : doc.items()) {
    if (key.empty() || key[0] != '_') out.api[key] = value;
  }
  for (const char* member : kDerivedMembers) out.api.erase(member);
  out.tags = doc.value("Tags", json::array());
  out.spec = spec_from(spec);
  out.status = status_from(status);
  return out;
}

}  // namespace

bool Instance::holds_automatic_ip() const {
  switch (status.state) {
    case InstanceState::kPending:
    case InstanceState::kRunning:
    case InstanceState::kStopping:
    case InstanceState::kShuttingDown:
      return true;
    case InstanceState::kStopped:
    case InstanceState::kTerminated:
      return false;
  }
  return false;
}

std::string Instance::public_ip() const {
  if (!spec.elastic_ip.empty() || holds_automatic_ip()) return api.value("PublicIpAddress", "");
  return "";
}

Instance instance_from_doc(const json& doc) {
  if (!doc.contains("Spec")) return from_legacy(doc);
  Instance out;
  out.api = doc.value("Instance", json::object());
  out.tags = doc.value("Tags", json::array());
  out.spec = spec_from(doc["Spec"]);
  out.status = status_from(doc.value("Status", json::object()));
  return out;
}

json instance_doc(const Instance& instance) {
  json api = instance.api;
  for (const char* member : kDerivedMembers) api.erase(member);
  return {{"Instance", std::move(api)},
          {"Tags", instance.tags},
          {"Spec", spec_doc(instance.spec)},
          {"Status", status_doc(instance.status)}};
}

json instance_view(const Instance& instance) {
  json view = instance.api;
  view["State"] = {{"Code", compute::state_code(instance.status.state)},
                   {"Name", std::string(compute::state_name(instance.status.state))}};
  view["StateTransitionReason"] = instance.status.transition_reason;
  view["Tags"] = instance.tags;
  if (instance.public_ip().empty()) {
    view.erase("PublicIpAddress");
    view["PublicDnsName"] = "";
    if (!view["NetworkInterfaces"].empty()) view["NetworkInterfaces"][0].erase("Association");
  }
  return view;
}

}  // namespace stratus::model
