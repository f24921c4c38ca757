#include "services/ec2/network_interfaces.h"

#include <algorithm>
#include <set>

#include "common/cidr.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "common/timestamp.h"
#include "services/ec2/addresses.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/instances.h"
#include "services/ec2/resources.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceState;

// The instances that hold interfaces (a terminated one has given its interfaces up).
std::vector<model::Instance> instances_holding_interfaces(CallContext& ctx) {
  std::vector<model::Instance> out;
  for (model::Instance& instance : list_instances(ctx)) {
    if (instance.status.state != InstanceState::kTerminated) out.push_back(std::move(instance));
  }
  return out;
}

// The interfaces of `instance` as they are now (the primary one without an automatic public
// address the instance no longer holds).
json interfaces_of(const model::Instance& instance) {
  return model::instance_view(instance).value("NetworkInterfaces", json::array());
}

// Every interface where it lives.
std::vector<InterfaceHome> all_homes(CallContext& ctx) {
  std::vector<InterfaceHome> out;
  for (model::Instance& instance : instances_holding_interfaces(ctx)) {
    for (const json& eni : interfaces_of(instance)) out.push_back({eni, instance});
  }
  for (json& eni : list(ctx, kinds::kNetworkInterface)) out.push_back({std::move(eni), std::nullopt});
  return out;
}

// A locally administered unicast MAC ("02:" and five random bytes).
std::string random_mac() { return "02:" + to_colon_hex(random_bytes(5)); }

// `wanted` if free and usable in `subnet`, else (when `wanted` is "") the subnet's lowest free
// address. AWS reserves the first four and the last address of every subnet.
std::string pick_private_ip(CallContext& ctx, const json& subnet, const std::string& wanted) {
  auto cidr = *Ipv4Cidr::parse(subnet["CidrBlock"].get<std::string>());
  const std::string subnet_id = subnet["SubnetId"].get<std::string>();
  std::set<std::string> used;
  for (const InterfaceHome& home : all_homes(ctx)) {
    if (home.interface.value("SubnetId", "") == subnet_id) used.insert(home.interface.value("PrivateIpAddress", ""));
  }
  if (!wanted.empty()) {
    auto address = parse_ipv4(wanted);
    if (!address || *address < cidr.base || *address > cidr.last()) {
      fail("InvalidParameterValue", "Address " + wanted + " does not fall within the subnet's address range");
    }
    if (*address < cidr.base + 4 || *address >= cidr.last()) {
      fail("InvalidParameterValue", "Address " + wanted + " is in subnet's reserved address range");
    }
    if (used.count(wanted)) fail("InvalidIPAddress.InUse", "Address " + wanted + " is in use.");
    return wanted;
  }
  for (uint32_t a = cidr.base + 4; a < cidr.last(); ++a) {
    if (!used.count(format_ipv4(a))) return format_ipv4(a);
  }
  fail("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '" + subnet_id +
                                                "' to satisfy the request.");
}

// `eni` in AWS's NetworkInterface shape, attached to `instance` when given (its tags still
// under "Tags", where the describe filters look; `with_tag_set` renames them).
json network_interface_shape(CallContext& ctx, json eni, const model::Instance* instance) {
  const std::string zone = instance != nullptr ? instance->api["Placement"].value("AvailabilityZone", "")
                                               : eni.value("_AvailabilityZone", "");
  if (instance != nullptr) {
    eni["Attachment"]["InstanceId"] = instance->id();
    eni["Attachment"]["InstanceOwnerId"] = instance->spec.owner_id.empty() ? ctx.account_id : instance->spec.owner_id;
  }
  eni["AvailabilityZone"] = zone;
  if (const Zone* zone_info = ctx.catalog.zone(ctx.region, zone)) eni["AvailabilityZoneId"] = zone_info->id;
  eni["RequesterManaged"] = false;
  eni.erase("_AvailabilityZone");
  if (eni.contains("Association")) eni["PublicDnsName"] = eni["Association"].value("PublicDnsName", "");
  return eni;
}

// `eni` with its "Tags" as AWS's NetworkInterface names them: "TagSet".
json with_tag_set(json eni) {
  if (eni.contains("Tags")) {
    eni["TagSet"] = std::move(eni["Tags"]);
    eni.erase("Tags");
  }
  return eni;
}

json create_network_interface(CallContext& ctx, const json& request) {
  json subnet = require(ctx, kinds::kSubnet, str(request, "SubnetId"));
  if (request.value("SecondaryPrivateIpAddressCount", int64_t{0}) != 0 ||
      request.value("PrivateIpAddresses", json::array()).size() > 1 || request.value("Ipv6AddressCount", int64_t{0}) != 0 ||
      request.contains("Ipv6Addresses") || request.contains("Ipv4Prefixes") || request.contains("Ipv4PrefixCount")) {
    fail("UnsupportedOperation", "Interfaces here have one private IPv4 address (no secondary addresses, IPv6 or prefixes).");
  }
  std::string type = str(request, "InterfaceType", "interface");
  if (type != "interface") fail("InvalidParameterValue", "Invalid value '" + type + "' for interfaceType.");
  const std::string vpc_id = subnet["VpcId"].get<std::string>();
  json groups = security_group_refs(ctx, request.value("Groups", json::array()), vpc_id);
  check_groups_per_interface(ctx, groups, "SecurityGroupsPerInterfaceLimitExceeded");
  if (groups.empty()) groups = default_group_refs(ctx, vpc_id);
  std::string wanted = str(request, "PrivateIpAddress");
  for (const json& a : request.value("PrivateIpAddresses", json::array())) wanted = str(a, "PrivateIpAddress", wanted);
  json tags = tags_from_specifications(ctx, request, "network-interface");
  // Instances' interfaces count too (AWS: network interfaces per Region).
  require_room(all_homes(ctx).size(), ctx.limits.network_interfaces, "NetworkInterfaceLimitExceeded",
               "The maximum number of network interfaces has been reached.");
  json eni = new_interface(ctx, subnet, groups, wanted);
  eni["Description"] = str(request, "Description");
  eni["Tags"] = tags;
  save(ctx, kinds::kNetworkInterface, eni["NetworkInterfaceId"].get<std::string>(), eni);
  return with_client_token(request, {{"NetworkInterface", with_tag_set(network_interface_shape(ctx, eni, nullptr))}});
}

json delete_network_interface(CallContext& ctx, const json& request) {
  InterfaceHome home = require_interface(ctx, request);
  std::string id = home.interface["NetworkInterfaceId"].get<std::string>();
  if (home.instance) fail("InvalidNetworkInterface.InUse", "The network interface '" + id + "' is currently in use.");
  disassociate_interface_address(ctx, home.interface);
  remove(ctx, id);
  return json::object();
}

json attach_network_interface(CallContext& ctx, const json& request) {
  InterfaceHome home = require_interface(ctx, request);
  model::Instance instance = require_instance(ctx, str(request, "InstanceId"));
  const std::string eni_id = home.interface["NetworkInterfaceId"].get<std::string>();
  const std::string instance_id = instance.id();
  if (!request.contains("DeviceIndex")) fail("MissingParameter", "The request must contain the parameter deviceIndex");
  int64_t index = request["DeviceIndex"].get<int64_t>();
  if (int64_t card = request.value("NetworkCardIndex", int64_t{0}); card != 0) {
    fail("InvalidParameterValue", "Network card index " + std::to_string(card) +
                                      " is not valid for instance type " + instance.api.value("InstanceType", ""));
  }
  if (home.instance) fail("InvalidNetworkInterface.InUse", "Interface: [" + eni_id + "] in use.");
  InstanceState state = instance.status.state;
  // Running: hot-plugged; stopped or still pending: the VM starts with it.
  if (state != InstanceState::kRunning && state != InstanceState::kStopped && state != InstanceState::kPending) {
    fail("IncorrectInstanceState", "The instance '" + instance_id + "' is not in a valid state for this operation.");
  }
  if (home.interface.value("VpcId", "") != instance.api.value("VpcId", "")) {
    fail("InvalidParameterValue", "The network interface " + eni_id + " and the instance " + instance_id +
                                      " are in different VPCs.");
  }
  if (home.interface.value("_AvailabilityZone", "") != instance.api["Placement"].value("AvailabilityZone", "")) {
    fail("InvalidParameterCombination", "The network interface " + eni_id + " and the instance " + instance_id +
                                            " must be in the same availability zone.");
  }
  json& attached = instance.api["NetworkInterfaces"];
  for (const json& eni : attached) {
    if (eni["Attachment"].value("DeviceIndex", -1) == index) {
      fail("InvalidParameterValue", "Instance '" + instance_id + "' already has an interface attached at device index '" +
                                        std::to_string(index) + "'.");
    }
  }
  const json* type = ctx.catalog.instance_type(instance.api.value("InstanceType", ""));
  int64_t limit = type != nullptr ? (*type)["NetworkInfo"].value("MaximumNetworkInterfaces", int64_t{2}) : 2;
  if (static_cast<int64_t>(attached.size()) >= limit) {
    fail("AttachmentLimitExceeded", "Interface count " + std::to_string(attached.size() + 1) +
                                        " exceeds the limit for " + instance.api.value("InstanceType", ""));
  }
  // Each device index names one of the type's interface slots (the VM's NIC is "nic<index>").
  if (index < 0 || index >= limit) {
    fail("InvalidParameterValue", "Invalid value '" + std::to_string(index) + "' for deviceIndex.");
  }
  json eni = home.interface;
  std::string attachment = new_resource_id("eni-attach");
  eni["Status"] = "in-use";
  eni["Attachment"] = {{"AttachmentId", attachment},
                       {"AttachTime", format_iso8601(ctx.now)},
                       {"DeleteOnTermination", false},
                       {"DeviceIndex", index},
                       {"NetworkCardIndex", 0},
                       {"Status", "attaching"}};
  auto at = std::find_if(attached.begin(), attached.end(),
                         [&](const json& e) { return e["Attachment"].value("DeviceIndex", 0) > index; });
  attached.insert(at, eni);
  remove(ctx, eni_id);
  save_instance(ctx, instance);
  return {{"AttachmentId", attachment}, {"NetworkCardIndex", 0}};
}

json detach_network_interface(CallContext& ctx, const json& request) {
  std::string attachment = str(request, "AttachmentId");
  for (model::Instance& instance : instances_holding_interfaces(ctx)) {
    for (json& eni : instance.api["NetworkInterfaces"]) {
      if (eni["Attachment"].value("AttachmentId", "") != attachment) continue;
      if (eni["Attachment"].value("DeviceIndex", 0) == 0) {
        fail("OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached.");
      }
      eni["Attachment"]["Status"] = "detaching";
      save_instance(ctx, instance);
      return json::object();
    }
  }
  fail("InvalidAttachmentID.NotFound", "The attachment ID '" + attachment + "' does not exist");
}

json modify_network_interface_attribute(CallContext& ctx, const json& request) {
  InterfaceHome home = require_interface(ctx, request);
  json& eni = home.interface;
  int changed = 0;
  bool primary = home.instance && eni["Attachment"].value("DeviceIndex", 0) == 0;
  if (request.contains("Groups")) {
    ++changed;
    if (request["Groups"].empty()) fail("MissingParameter", "The request must contain the parameter groupId");
    check_groups_per_interface(ctx, request["Groups"], "SecurityGroupsPerInterfaceLimitExceeded");
    eni["Groups"] = security_group_refs(ctx, request["Groups"], eni.value("VpcId", ""));
    if (primary) home.instance->api["SecurityGroups"] = eni["Groups"];
  }
  if (request.contains("SourceDestCheck")) {
    ++changed;
    eni["SourceDestCheck"] = request["SourceDestCheck"].value("Value", true);
    if (primary) home.instance->api["SourceDestCheck"] = eni["SourceDestCheck"];
  }
  if (request.contains("Description")) {
    ++changed;
    eni["Description"] = str(request["Description"], "Value");
  }
  if (request.contains("Attachment")) {
    ++changed;
    if (!home.instance || eni["Attachment"].value("AttachmentId", "") != str(request["Attachment"], "AttachmentId")) {
      fail("InvalidAttachmentID.NotFound", "The attachment ID '" + str(request["Attachment"], "AttachmentId") +
                                               "' does not exist");
    }
    eni["Attachment"]["DeleteOnTermination"] = request["Attachment"].value("DeleteOnTermination", false);
  }
  if (changed != 1) {
    fail(changed == 0 ? "MissingParameter" : "InvalidParameterCombination",
         "Exactly one attribute of the network interface must be specified");
  }
  save_interface(ctx, home);
  return json::object();
}

json describe_network_interfaces(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"network-interface-id", field("NetworkInterfaceId")},
      {"subnet-id", field("SubnetId")},
      {"vpc-id", field("VpcId")},
      {"availability-zone", field("AvailabilityZone")},
      {"description", field("Description")},
      {"mac-address", field("MacAddress")},
      {"private-ip-address", field("PrivateIpAddress")},
      {"addresses.private-ip-address", field("PrivateIpAddresses[].PrivateIpAddress")},
      {"private-dns-name", field("PrivateDnsName")},
      {"association.public-ip", field("Association.PublicIp")},
      {"attachment.instance-id", field("Attachment.InstanceId")},
      {"attachment.attachment-id", field("Attachment.AttachmentId")},
      {"attachment.device-index", field("Attachment.DeviceIndex")},
      {"attachment.status", field("Attachment.Status")},
      {"attachment.delete-on-termination", field("Attachment.DeleteOnTermination")},
      {"group-id", field("Groups[].GroupId")},
      {"group-name", field("Groups[].GroupName")},
      {"interface-type", field("InterfaceType")},
      {"owner-id", field("OwnerId")},
      {"requester-managed", field("RequesterManaged")},
      {"source-dest-check", field("SourceDestCheck")},
      {"status", field("Status")},
  };
  std::vector<json> interfaces = all_interfaces(ctx);
  json ids = request.value("NetworkInterfaceIds", json::array());
  if (!ids.empty() && request.contains("MaxResults")) {
    fail("InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults");
  }
  std::set<std::string> known;
  for (const json& eni : interfaces) known.insert(eni["NetworkInterfaceId"].get<std::string>());
  std::set<std::string> wanted;
  for (const json& id : ids) {
    if (!known.count(id.get<std::string>())) {
      fail("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + id.get<std::string>() +
                                                     "' does not exist");
    }
    wanted.insert(id.get<std::string>());
  }
  std::vector<json> selected;
  for (json& eni : interfaces) {
    if (wanted.empty() || wanted.count(eni["NetworkInterfaceId"].get<std::string>())) selected.push_back(std::move(eni));
  }
  json page = describe_values(std::move(selected), request, filters, "NetworkInterfaces", false,
                              member_key("NetworkInterfaceId"));
  for (json& eni : page["NetworkInterfaces"]) eni = with_tag_set(std::move(eni));
  return page;
}

}  // namespace

json new_interface(CallContext& ctx, const json& subnet, const json& groups, const std::string& private_ip) {
  std::string ip = pick_private_ip(ctx, subnet, private_ip);
  std::string dns = private_host_name(ip) + "." + private_dns_domain(ctx.region);
  return {{"NetworkInterfaceId", new_resource_id("eni")},
          {"MacAddress", random_mac()},
          {"PrivateIpAddress", ip},
          {"PrivateDnsName", dns},
          {"PrivateIpAddresses", json::array({{{"Primary", true}, {"PrivateIpAddress", ip}, {"PrivateDnsName", dns}}})},
          {"SubnetId", subnet["SubnetId"]},
          {"VpcId", subnet["VpcId"]},
          {"OwnerId", ctx.account_id},
          {"Status", "available"},
          {"SourceDestCheck", true},
          {"Groups", groups},
          {"InterfaceType", "interface"},
          {"Description", ""},
          {"Tags", json::array()},
          {"_AvailabilityZone", subnet["AvailabilityZone"]}};
}

InterfaceHome require_interface(CallContext& ctx, const json& request) {
  std::string id = str(request, "NetworkInterfaceId");
  if (!is_resource_id(id, "eni")) {
    fail("InvalidNetworkInterfaceID.Malformed", "Invalid id: \"" + id + "\" (expecting \"eni-...\")");
  }
  auto home = find_interface(ctx, id);
  if (!home) fail("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + id + "' does not exist");
  return std::move(*home);
}

std::optional<InterfaceHome> find_interface(CallContext& ctx, const std::string& id) {
  if (auto record = find(ctx, kinds::kNetworkInterface, id)) return InterfaceHome{std::move(*record), std::nullopt};
  for (model::Instance& instance : instances_holding_interfaces(ctx)) {
    for (const json& eni : interfaces_of(instance)) {
      if (eni.value("NetworkInterfaceId", "") == id) return InterfaceHome{eni, std::move(instance)};
    }
  }
  return std::nullopt;
}

void save_interface(CallContext& ctx, const InterfaceHome& home) {
  const std::string id = home.interface["NetworkInterfaceId"].get<std::string>();
  if (!home.instance) {
    save(ctx, kinds::kNetworkInterface, id, home.interface);
    return;
  }
  model::Instance instance = *home.instance;
  for (json& eni : instance.api["NetworkInterfaces"]) {
    if (eni.value("NetworkInterfaceId", "") == id) eni = home.interface;
  }
  save_instance(ctx, instance);
}

std::vector<json> all_interfaces(CallContext& ctx) {
  std::vector<json> out;
  for (InterfaceHome& home : all_homes(ctx)) {
    const model::Instance* instance = home.instance ? &*home.instance : nullptr;
    json eni = network_interface_shape(ctx, std::move(home.interface), instance);
    out.push_back(std::move(eni));
  }
  return out;
}

void add_network_interface_actions(ActionTable& table) {
  table["CreateNetworkInterface"] = {create_network_interface, true};
  table["DeleteNetworkInterface"] = {delete_network_interface, true};
  table["AttachNetworkInterface"] = {attach_network_interface, true};
  table["DetachNetworkInterface"] = {detach_network_interface, true};
  table["ModifyNetworkInterfaceAttribute"] = {modify_network_interface_attribute, true};
  table["DescribeNetworkInterfaces"] = {describe_network_interfaces, false};
}

}  // namespace stratus::ec2
