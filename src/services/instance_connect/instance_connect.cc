#include "services/instance_connect/instance_connect.h"

#include <regex>

#include "common/ids.h"
#include "common/ssh_keys.h"
#include "compute/instance_state.h"
#include "model/instance.h"

namespace stratus::instance_connect {
namespace {

using nlohmann::json;

ApiError invalid(const std::string& message) { return ApiError{"InvalidArgsException", message}; }

// The ARN of who made `call`, as the key's #Caller= line names it.
std::string caller_arn(const api::ServiceCall& call) {
  const api::Principal& p = call.principal;
  if (!p.role.empty()) return "arn:aws:sts::" + call.account_id + ":assumed-role/" + p.role + "/" + p.session_name;
  if (!p.user.empty()) return "arn:aws:iam::" + call.account_id + ":user/" + p.user;
  return "arn:aws:iam::" + call.account_id + ":root";
}

// Checks the members of SendSSHPublicKey as the model constrains them.
std::optional<ApiError> request_problem(const json& request) {
  static const std::regex kInstanceId("i-[a-f0-9]+");
  static const std::regex kOsUser(
      R"((^[A-Za-z_][A-Za-z0-9\@\._-]{0,30}[A-Za-z0-9\$_-]?$)|(^(?=.{2,32}$)[0-9]{1,32}[A-Za-z\@\._-][A-Za-z0-9\@\._-]*[A-Za-z0-9\$_-]?$))");
  static const std::regex kZone(R"((\w+-){2,3}\d+\w+)");
  std::string id = request.value("InstanceId", "");
  if (id.size() < 10 || id.size() > 32 || !std::regex_match(id, kInstanceId)) {
    return invalid("Invalid instance ID: " + id);
  }
  std::string user = request.value("InstanceOSUser", "");
  if (user.empty() || user.size() > 32 || !std::regex_match(user, kOsUser)) return invalid("Invalid OS user: " + user);
  if (request.contains("AvailabilityZone")) {
    std::string zone = request.value("AvailabilityZone", "");
    if (zone.size() < 6 || zone.size() > 32 || !std::regex_match(zone, kZone)) {
      return invalid("Invalid availability zone: " + zone);
    }
  }
  std::string key = request.value("SSHPublicKey", "");
  if (key.size() < 80 || key.size() > 4096 || !parse_ssh_public_key(key)) {
    return invalid("Unsupported or invalid SSH public key format: give an OpenSSH or SSH2 RSA (2048 to 4096 bits) "
                   "or ED25519 public key");
  }
  return std::nullopt;
}

}  // namespace

bool InstanceConnect::implements(std::string_view action) const { return action == "SendSSHPublicKey"; }

bool InstanceConnect::mutates(std::string_view action) const { return action == "SendSSHPublicKey"; }

Result<json> InstanceConnect::run(const api::ServiceCall& call, store::Transaction& txn) {
  if (auto problem = request_problem(call.request)) return *problem;
  const std::string id = call.request["InstanceId"];
  auto instance = owned_instance(txn, call, id);
  if (!instance.ok()) return instance.error();
  std::string zone = model::instance_view(instance.value())["Placement"].value("AvailabilityZone", "");
  if (call.request.contains("AvailabilityZone") && call.request["AvailabilityZone"] != zone) {
    return invalid("Instance " + id + " is not in availability zone " +
                   call.request["AvailabilityZone"].get<std::string>());
  }
  if (auto problem = not_running(instance.value(), id)) return *problem;
  int64_t now = now_();
  size_t active = 0;
  for (const store::Record& key : txn.list(kKeyKind, call.region)) {
    if (key.doc.value("ExpiresAt", int64_t{0}) <= now) {
      txn.erase(key.id);
    } else if (key.doc.value("InstanceId", "") == id) {
      ++active;
    }
  }
  if (active >= kMaxActiveKeys) {
    return ApiError{"ThrottlingException", "The requests were made too frequently and have been throttled: instance " +
                                               id + " already holds " + std::to_string(active) +
                                               " keys pushed in the last minute. Wait a while and try again."};
  }
  std::string request_id = new_request_id();
  SshPublicKey key = *parse_ssh_public_key(call.request["SSHPublicKey"].get<std::string>());
  txn.put({new_resource_id("eic"), kKeyKind, call.region,
           json{{"InstanceId", id},
                {"InstanceOSUser", call.request["InstanceOSUser"]},
                {"PublicKey", key.openssh},
                {"IssuedAt", now},
                {"ExpiresAt", now + kKeyLifetimeSeconds},
                {"Caller", caller_arn(call)},
                {"RequestId", request_id}}});
  return json{{"RequestId", request_id}, {"Success", true}};
}

Result<model::Instance> owned_instance(store::Transaction& txn, const api::ServiceCall& call, const std::string& id) {
  auto record = txn.get(id);
  std::optional<model::Instance> instance;
  if (record && record->kind == "instance" && record->region == call.region) {
    instance = model::instance_from_doc(record->doc);
  }
  if (!instance || instance->spec.owner_id != call.account_id) {
    return ApiError{"EC2InstanceNotFoundException", "Instance " + id + " not found"};
  }
  return *instance;
}

std::optional<ApiError> not_running(const model::Instance& instance, const std::string& id) {
  if (instance.status.state == compute::InstanceState::kRunning) return std::nullopt;
  return ApiError{"EC2InstanceStateInvalidException", "Instance " + id + " is not in a valid state (" +
                                                          std::string(compute::state_name(instance.status.state)) +
                                                          "): connecting is only possible to a running instance"};
}

std::vector<iam::RequestResource> send_key_resources(
    const api::ServiceCall& call,
    const std::function<std::vector<iam::RequestResource>(const api::ServiceCall&)>& instance_resources) {
  api::ServiceCall as_ec2 = call;
  as_ec2.request = json{{"InstanceId", call.request.value("InstanceId", "")}};
  std::vector<iam::RequestResource> out = instance_resources(as_ec2);
  if (call.request.contains("InstanceOSUser")) {
    for (iam::RequestResource& resource : out) resource.keys["ec2:osuser"] = {call.request.value("InstanceOSUser", "")};
  }
  return out;
}

std::map<std::string, std::string> active_keys(store::Transaction& txn, const std::string& region,
                                               const std::string& instance_id, int64_t now) {
  std::map<std::string, std::string> out;
  for (const store::Record& key : txn.list(kKeyKind, region)) {
    const json& k = key.doc;
    if (k.value("InstanceId", "") != instance_id || k.value("ExpiresAt", int64_t{0}) <= now) continue;
    std::string& lines = out[k.value("InstanceOSUser", "")];
    if (!lines.empty()) lines += '\n';
    lines += "#Timestamp=" + std::to_string(k.value("IssuedAt", int64_t{0})) + "\n#Instance=" + instance_id +
             "\n#Caller=" + k.value("Caller", "") + "\n#Request=" + k.value("RequestId", "") + "\n" +
             k.value("PublicKey", "");
  }
  return out;
}

}  // namespace stratus::instance_connect
