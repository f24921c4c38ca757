#include "services/ec2/addresses.h"

#include "common/ids.h"
#include "compute/instance_state.h"
#include "services/ec2/describe.h"
#include "services/ec2/instances.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/public_ips.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceState;

// The members an association adds to an address record.
const char* const kAssociationMembers[] = {"AssociationId", "InstanceId", "NetworkInterfaceId",
                                           "NetworkInterfaceOwnerId", "PrivateIpAddress"};

// The address named by AllocationId (or, failing that, PublicIp) in `request`.
json address_of(CallContext& ctx, const json& request) {
  if (request.contains("AllocationId")) return require(ctx, kinds::kAddress, request["AllocationId"].get<std::string>());
  if (!request.contains("PublicIp")) fail("MissingParameter", "The request must contain the parameter AllocationId");
  std::string ip = request["PublicIp"].get<std::string>();
  for (json& address : list(ctx, kinds::kAddress)) {
    if (address.value("PublicIp", "") == ip) return std::move(address);
  }
  fail("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
}

// The instance whose primary interface is `eni_id`. Throws InvalidNetworkInterfaceID.NotFound,
// or UnsupportedOperation for an interface that is not an instance's primary one.
json instance_with_interface(CallContext& ctx, const std::string& eni_id) {
  auto home = find_interface(ctx, eni_id);
  if (!home) fail("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + eni_id + "' does not exist");
  if (!home->instance || home->interface["Attachment"].value("DeviceIndex", 0) != 0) {
    fail("UnsupportedOperation", "Elastic IPs can be associated with an instance's primary interface only (" + eni_id +
                                     " is not one).");
  }
  return std::move(*home->instance);
}

// Drops the association members of `address` and saves it (the address stays allocated).
void forget_association(CallContext& ctx, json& address) {
  for (const char* member : kAssociationMembers) address.erase(member);
  save(ctx, kinds::kAddress, address["AllocationId"].get<std::string>(), address);
}

// Undoes `address`'s association (if any) on both sides; the instance, when it launched with
// an automatic public address and still runs, gets a new one, as on AWS.
void disassociate(CallContext& ctx, json& address) {
  if (!address.contains("AssociationId")) return;
  if (auto instance = find(ctx, kinds::kInstance, address.value("InstanceId", ""))) {
    instance->erase("_ElasticIp");
    clear_public_ip(*instance);
    InstanceState state = instance_state(*instance);
    if (state == InstanceState::kPending || state == InstanceState::kRunning) assign_public_ip(ctx, *instance);
    save(ctx, kinds::kInstance, (*instance)["InstanceId"].get<std::string>(), *instance);
  }
  forget_association(ctx, address);
}

json allocate_address(CallContext& ctx, const json& request) {
  std::string domain = str(request, "Domain", "vpc");
  if (domain != "vpc") fail("InvalidParameterValue", "Invalid value '" + domain + "' for domain.");
  if (request.contains("Address") || request.contains("PublicIpv4Pool") || request.contains("IpamPoolId") ||
      request.contains("CustomerOwnedIpv4Pool")) {
    fail("InvalidParameterValue", "Only addresses from Amazon's pool can be allocated in this region.");
  }
  std::string id = new_resource_id("eipalloc");
  json address = {{"AllocationId", id},
                  {"PublicIp", allocate_public_ip(ctx)},
                  {"Domain", "vpc"},
                  {"PublicIpv4Pool", "amazon"},
                  {"NetworkBorderGroup", ctx.region},
                  {"Tags", tags_from_specifications(request, "elastic-ip")}};
  save(ctx, kinds::kAddress, id, address);
  address.erase("Tags");
  return address;
}

json associate_address(CallContext& ctx, const json& request) {
  json address = address_of(ctx, request);
  json instance;
  if (request.contains("NetworkInterfaceId")) {
    instance = instance_with_interface(ctx, request["NetworkInterfaceId"].get<std::string>());
  } else if (request.contains("InstanceId")) {
    instance = require(ctx, kinds::kInstance, request["InstanceId"].get<std::string>());
  } else {
    fail("MissingParameter", "Either an instance ID or a network interface ID must be specified");
  }
  std::string instance_id = instance["InstanceId"].get<std::string>();
  InstanceState state = instance_state(instance);
  if (state == InstanceState::kTerminated || state == InstanceState::kShuttingDown) {
    fail("IncorrectInstanceState", "The instance '" + instance_id + "' is not in a valid state for this operation.");
  }
  std::string eni_id = instance["NetworkInterfaces"][0].value("NetworkInterfaceId", "");
  std::string eni_ip = instance["NetworkInterfaces"][0].value("PrivateIpAddress", "");
  std::string private_ip = str(request, "PrivateIpAddress", eni_ip);
  if (private_ip != eni_ip) {
    fail("InvalidParameterValue", "The private IP address " + private_ip + " is not assigned to the interface " + eni_id);
  }
  if (address.contains("AssociationId")) {
    if (address.value("InstanceId", "") == instance_id) return {{"AssociationId", address["AssociationId"]}};
    if (!request.value("AllowReassociation", false)) {
      fail("Resource.AlreadyAssociated", "resource " + address["AllocationId"].get<std::string>() +
                                             " is already associated with associate-id " +
                                             address["AssociationId"].get<std::string>());
    }
    disassociate(ctx, address);
    instance = require(ctx, kinds::kInstance, instance_id);
  }
  // An Elastic IP the instance had before is disassociated; an automatic address is given back.
  if (instance.contains("_ElasticIp")) {
    json previous = require(ctx, kinds::kAddress, instance["_ElasticIp"].get<std::string>());
    disassociate(ctx, previous);
    instance = require(ctx, kinds::kInstance, instance_id);
  }
  std::string association = new_resource_id("eipassoc");
  address["AssociationId"] = association;
  address["InstanceId"] = instance_id;
  address["NetworkInterfaceId"] = eni_id;
  address["NetworkInterfaceOwnerId"] = ctx.account_id;
  address["PrivateIpAddress"] = private_ip;
  save(ctx, kinds::kAddress, address["AllocationId"].get<std::string>(), address);
  instance["_ElasticIp"] = address["AllocationId"];
  set_public_ip(ctx, instance, address["PublicIp"].get<std::string>(), ctx.account_id);
  save(ctx, kinds::kInstance, instance_id, instance);
  return {{"AssociationId", association}};
}

json disassociate_address(CallContext& ctx, const json& request) {
  if (request.contains("AssociationId")) {
    std::string association = request["AssociationId"].get<std::string>();
    for (json& address : list(ctx, kinds::kAddress)) {
      if (address.value("AssociationId", "") == association) {
        disassociate(ctx, address);
        return json::object();
      }
    }
    fail("InvalidAssociationID.NotFound", "The association ID '" + association + "' does not exist");
  }
  json address = address_of(ctx, request);
  disassociate(ctx, address);
  return json::object();
}

json release_address(CallContext& ctx, const json& request) {
  json address = address_of(ctx, request);
  if (address.contains("AssociationId")) fail("InvalidIPAddress.InUse", "Address is in use.");
  remove(ctx, address["AllocationId"].get<std::string>());
  return json::object();
}

json describe_addresses(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"allocation-id", field("AllocationId")},
      {"association-id", field("AssociationId")},
      {"domain", field("Domain")},
      {"instance-id", field("InstanceId")},
      {"network-border-group", field("NetworkBorderGroup")},
      {"network-interface-id", field("NetworkInterfaceId")},
      {"network-interface-owner-id", field("NetworkInterfaceOwnerId")},
      {"private-ip-address", field("PrivateIpAddress")},
      {"public-ip", field("PublicIp")},
  };
  std::vector<json> addresses = list(ctx, kinds::kAddress);
  for (const json& ip : request.value("PublicIps", json::array())) {
    bool found = false;
    for (const json& a : addresses) found = found || a.value("PublicIp", "") == ip.get<std::string>();
    if (!found) fail("InvalidAddress.NotFound", "Address '" + ip.get<std::string>() + "' not found.");
  }
  json ids = request.value("AllocationIds", json::array());
  for (const json& id : ids) require(ctx, kinds::kAddress, id.get<std::string>());
  std::vector<json> wanted;
  for (json& a : addresses) {
    bool by_ip = !request.contains("PublicIps");
    for (const json& ip : request.value("PublicIps", json::array())) by_ip = by_ip || a["PublicIp"] == ip;
    bool by_id = ids.empty();
    for (const json& id : ids) by_id = by_id || a["AllocationId"] == id;
    if (by_ip && by_id) wanted.push_back(std::move(a));
  }
  return describe_values(std::move(wanted), request, filters, "Addresses");
}

}  // namespace

void disassociate_elastic_ip(CallContext& ctx, json& instance) {
  if (!instance.contains("_ElasticIp")) return;
  auto address = find(ctx, kinds::kAddress, instance["_ElasticIp"].get<std::string>());
  instance.erase("_ElasticIp");
  clear_public_ip(instance);
  if (address) forget_association(ctx, *address);
}

void add_address_actions(ActionTable& table) {
  table["AllocateAddress"] = {allocate_address, true};
  table["AssociateAddress"] = {associate_address, true};
  table["DisassociateAddress"] = {disassociate_address, true};
  table["ReleaseAddress"] = {release_address, true};
  table["DescribeAddresses"] = {describe_addresses, false};
}

}  // namespace stratus::ec2
