#include "imds/metadata.h"

#include <algorithm>

namespace stratus::imds {
namespace {

using nlohmann::json;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

json interface_tree(const InterfaceMetadata& eni) {
  json node = {
      {"device-number", std::to_string(eni.device_number)},
      {"interface-id", eni.interface_id},
      {"local-hostname", eni.local_hostname},
      {"local-ipv4s", eni.local_ipv4},
      {"mac", eni.mac},
      {"security-group-ids", join_lines(eni.security_group_ids)},
      {"security-groups", join_lines(eni.security_group_names)},
      {"subnet-id", eni.subnet_id},
      {"subnet-ipv4-cidr-block", eni.subnet_cidr},
      {"vpc-id", eni.vpc_id},
      {"vpc-ipv4-cidr-block", eni.vpc_cidr},
      {"vpc-ipv4-cidr-blocks", eni.vpc_cidr},
  };
  if (!eni.public_ipv4.empty()) node["public-ipv4s"] = eni.public_ipv4;
  return node;
}

json identity_document(const InstanceMetadata& m) {
  const std::string private_ip = m.interfaces.empty() ? "" : m.interfaces[0].local_ipv4;
  return {{"accountId", m.account_id},
          {"architecture", "x86_64"},
          {"availabilityZone", m.availability_zone},
          {"billingProducts", nullptr},
          {"devpayProductCodes", nullptr},
          {"marketplaceProductCodes", nullptr},
          {"imageId", m.image_id},
          {"instanceId", m.instance_id},
          {"instanceType", m.instance_type},
          {"kernelId", nullptr},
          {"pendingTime", m.pending_time},
          {"privateIp", private_ip},
          {"ramdiskId", nullptr},
          {"region", m.region},
          {"version", "2017-09-30"}};
}

// Splits "a/b/c/" into {"a","b","c"}; empty segments are dropped.
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) out.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

std::string listing(const json& directory) {
  if (directory.contains("_listing")) return directory["_listing"].get<std::string>();
  std::vector<std::string> lines;
  for (const auto& [key, child] : directory.items()) {
    if (key.rfind('_', 0) == 0) continue;
    lines.push_back(child.is_object() ? key + "/" : key);
  }
  return join_lines(lines);
}

// block-device-mapping/: the AMI's root device, and ebsN for each data volume ("sdf", without
// "/dev/", as AWS lists them).
json block_device_mapping(const InstanceMetadata& m) {
  json out = {{"ami", m.root_device}, {"root", m.root_device}};
  for (size_t n = 0; n < m.ebs_devices.size(); ++n) {
    std::string device = m.ebs_devices[n];
    if (device.rfind("/dev/", 0) == 0) device = device.substr(5);
    out["ebs" + std::to_string(n + 1)] = device;
  }
  return out;
}

// `members` as IMDS formats its JSON answers: one member per line, two spaces in, " : " between
// name and value, in the order given.
std::string imds_json(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "{\n";
  for (size_t i = 0; i < members.size(); ++i) {
    out += "  " + json(members[i].first).dump() + " : " + json(members[i].second).dump();
    out += i + 1 < members.size() ? ",\n" : "\n";
  }
  return out + "}";
}

// Credentials as security-credentials/NAME answers them.
std::string credentials_json(const ServedCredentials& c) {
  return imds_json({{"Code", "Success"},
                    {"LastUpdated", c.issued},
                    {"Type", "AWS-HMAC"},
                    {"AccessKeyId", c.access_key_id},
                    {"SecretAccessKey", c.secret_access_key},
                    {"Token", c.token},
                    {"Expiration", c.expiration}});
}

// iam/: info always, security-credentials/ROLE when the profile holds a role.
json iam_tree(const IamMetadata& iam) {
  const ServedCredentials& c = iam.credentials;
  json node = {{"info", imds_json({{"Code", "Success"},
                                   {"LastUpdated", c.issued},
                                   {"InstanceProfileArn", iam.profile_arn},
                                   {"InstanceProfileId", iam.profile_id}})}};
  if (!iam.role.empty()) node["security-credentials"] = {{iam.role, credentials_json(c)}};
  return node;
}

}  // namespace

const std::vector<std::string>& api_versions() {
  static const std::vector<std::string> versions = {
      "1.0",        "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01",
      "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01", "2012-01-12", "2014-02-25", "2014-11-05",
      "2015-10-20", "2016-04-19", "2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17", "2018-09-24",
      "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23", "2021-07-15", "2022-09-24", "2024-04-11"};
  return versions;
}

json metadata_tree(const InstanceMetadata& m) {
  const InterfaceMetadata* primary = m.interfaces.empty() ? nullptr : &m.interfaces[0];
  json meta = {
      {"ami-id", m.image_id},
      {"ami-launch-index", std::to_string(m.launch_index)},
      {"ami-manifest-path", "(unknown)"},
      {"block-device-mapping", block_device_mapping(m)},
      {"hostname", m.local_hostname},
      {"instance-action", "none"},
      {"instance-id", m.instance_id},
      {"instance-life-cycle", m.spot ? "spot" : "on-demand"},
      {"instance-type", m.instance_type},
      {"local-hostname", m.local_hostname},
      {"placement",
       {{"availability-zone", m.availability_zone},
        {"availability-zone-id", m.availability_zone_id},
        {"region", m.region}}},
      {"reservation-id", m.reservation_id},
      {"services", {{"domain", "amazonaws.com"}, {"partition", "aws"}}},
  };
  if (primary != nullptr) {
    meta["local-ipv4"] = primary->local_ipv4;
    meta["mac"] = primary->mac;
    meta["security-groups"] = join_lines(primary->security_group_names);
    json macs = json::object();
    for (const InterfaceMetadata& eni : m.interfaces) macs[eni.mac] = interface_tree(eni);
    meta["network"] = {{"interfaces", {{"macs", macs}}}};
    if (!primary->public_ipv4.empty()) {
      meta["public-ipv4"] = primary->public_ipv4;
      meta["public-hostname"] = m.public_hostname;
    }
  }
  if (!m.key_name.empty()) {
    meta["public-keys"] = {{"_listing", "0=" + m.key_name}, {"0", {{"openssh-key", m.public_key}}}};
  }
  if (!m.managed_keys.empty()) meta["managed-ssh-keys"] = {{"active-keys", m.managed_keys}};
  if (m.iam) meta["iam"] = iam_tree(*m.iam);
  if (!m.spot_action_time.empty()) {  // AWS's one-line JSON
    meta["spot"] = {{"instance-action", "{\"action\": \"" + m.spot_action + "\", \"time\": \"" + m.spot_action_time + "\"}"}};
    if (m.spot_action == "terminate") meta["spot"]["termination-time"] = m.spot_action_time;
  }
  if (!m.rebalance_notice_time.empty()) {
    meta["events"] = {{"recommendations", {{"rebalance", "{\"noticeTime\": \"" + m.rebalance_notice_time + "\"}"}}}};
  }
  if (m.identity_credentials) {
    const ServedCredentials& c = *m.identity_credentials;
    meta["identity-credentials"] = {
        {"ec2",
         {{"info", imds_json({{"Code", "Success"}, {"LastUpdated", c.issued}, {"AccountId", m.account_id}})},
          {"security-credentials", {{"ec2-instance", credentials_json(c)}}}}}};
  }
  json version = {{"meta-data", meta},
                  {"dynamic", {{"instance-identity", {{"document", identity_document(m).dump(2)}}}}}};
  if (m.user_data) version["user-data"] = *m.user_data;
  return version;
}

Answer answer_get(const json& tree, std::string_view path) {
  std::vector<std::string> parts = segments(path);
  if (parts.empty()) {
    std::vector<std::string> lines = api_versions();
    lines.push_back("latest");
    return {200, join_lines(lines)};
  }
  const std::vector<std::string>& versions = api_versions();
  if (parts[0] != "latest" && std::find(versions.begin(), versions.end(), parts[0]) == versions.end()) {
    return {404, "Not Found"};
  }
  const json* node = &tree;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!node->is_object() || parts[i].rfind('_', 0) == 0) return {404, "Not Found"};
    auto it = node->find(parts[i]);
    if (it == node->end()) return {404, "Not Found"};
    node = &*it;
  }
  if (node->is_object()) return {200, listing(*node)};
  return {200, node->get<std::string>()};
}

}  // namespace stratus::imds
