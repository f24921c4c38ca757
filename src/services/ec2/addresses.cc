#include "services/ec2/addresses.h"

#include "common/ids.h"
#include "compute/instance_state.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
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

// `address` without an association whose interface is gone: an instance that terminated itself
// (its guest shut down with InstanceInitiatedShutdownBehavior terminate) took its interfaces
// along without the API disassociating its Elastic IP, which AWS then shows unassociated.
json without_stale_association(CallContext& ctx, json address) {
  if (address.contains("AssociationId") && !find_interface(ctx, address.value("NetworkInterfaceId", ""))) {
    for (const char* member : kAssociationMembers) address.erase(member);
  }
  return address;
}

// The address named by AllocationId (or, failing that, PublicIp) in `request`.
json address_of(CallContext& ctx, const json& request) {
  if (request.contains("AllocationId")) {
    return without_stale_association(ctx, require(ctx, kinds::kAddress, request["AllocationId"].get<std::string>()));
  }
  if (!request.contains("PublicIp")) fail("MissingParameter", "The request must contain the parameter AllocationId");
  std::string ip = request["PublicIp"].get<std::string>();
  for (json& address : list(ctx, kinds::kAddress)) {
    if (address.value("PublicIp", "") == ip) return without_stale_association(ctx, std::move(address));
  }
  fail("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
}

// Drops the association members of `address` and saves it (the address stays allocated).
void forget_association(CallContext& ctx, json& address) {
  for (const char* member : kAssociationMembers) address.erase(member);
  save(ctx, kinds::kAddress, address["AllocationId"].get<std::string>(), address);
}

// True when `home` is an instance's primary interface (whose public address is the instance's).
bool is_primary(const InterfaceHome& home) {
  return home.instance && home.interface["Attachment"].value("DeviceIndex", 0) == 0;
}

// Undoes `address`'s association (if any) on both sides. An instance that loses its primary
// interface's address gets a new automatic one when it launched with one and still runs, as on AWS.
void disassociate(CallContext& ctx, json& address) {
  if (!address.contains("AssociationId")) return;
  auto home = find_interface(ctx, address.value("NetworkInterfaceId", ""));
  if (home && is_primary(*home)) {
    model::Instance& instance = *home->instance;
    instance.spec.elastic_ip.clear();
    clear_public_ip(instance.api);
    InstanceState state = instance.status.state;
    if (state == InstanceState::kPending || state == InstanceState::kRunning) assign_public_ip(ctx, instance);
    save_instance(ctx, instance);
  } else if (home) {
    home->interface.erase("Association");
    save_interface(ctx, *home);
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
  json tags = tags_from_specifications(ctx, request, "elastic-ip");
  require_room(count(ctx, kinds::kAddress), ctx.limits.elastic_ips, "AddressLimitExceeded",
               "The maximum number of addresses has been reached.");
  std::string id = new_resource_id("eipalloc");
  json address = {{"AllocationId", id},
                  {"PublicIp", allocate_public_ip(ctx)},
                  {"Domain", "vpc"},
                  {"PublicIpv4Pool", "amazon"},
                  {"NetworkBorderGroup", ctx.region},
                  {"Tags", tags}};
  save(ctx, kinds::kAddress, id, address);
  address.erase("Tags");
  return address;
}

json associate_address(CallContext& ctx, const json& request) {
  json address = address_of(ctx, request);
  InterfaceHome home;
  if (request.contains("NetworkInterfaceId")) {
    std::string eni_id = request["NetworkInterfaceId"].get<std::string>();
    auto found = find_interface(ctx, eni_id);
    if (!found) fail("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + eni_id + "' does not exist");
    home = std::move(*found);
  } else if (request.contains("InstanceId")) {
    model::Instance instance = require_instance(ctx, request["InstanceId"].get<std::string>());
    InstanceState state = instance.status.state;
    if (state == InstanceState::kTerminated || state == InstanceState::kShuttingDown) {
      fail("IncorrectInstanceState", "The instance '" + instance.id() + "' is not in a valid state for this operation.");
    }
    json primary = model::instance_view(instance)["NetworkInterfaces"][0];
    home = {std::move(primary), std::move(instance)};
  } else {
    fail("MissingParameter", "Either an instance ID or a network interface ID must be specified");
  }
  const std::string eni_id = home.interface.value("NetworkInterfaceId", "");
  const std::string eni_ip = home.interface.value("PrivateIpAddress", "");
  std::string private_ip = str(request, "PrivateIpAddress", eni_ip);
  if (private_ip != eni_ip) {
    fail("InvalidParameterValue", "The private IP address " + private_ip + " is not assigned to the interface " + eni_id);
  }
  if (address.contains("AssociationId")) {
    if (address.value("NetworkInterfaceId", "") == eni_id) return {{"AssociationId", address["AssociationId"]}};
    if (!request.value("AllowReassociation", false)) {
      fail("Resource.AlreadyAssociated", "resource " + address["AllocationId"].get<std::string>() +
                                             " is already associated with associate-id " +
                                             address["AssociationId"].get<std::string>());
    }
    disassociate(ctx, address);
    home = *find_interface(ctx, eni_id);
  }
  // An Elastic IP the interface had before is disassociated; an automatic address is given back.
  if (home.interface.contains("Association") && home.interface["Association"].value("IpOwnerId", "") != "amazon") {
    for (json& previous : list(ctx, kinds::kAddress)) {
      if (previous.value("NetworkInterfaceId", "") == eni_id) disassociate(ctx, previous);
    }
    home = *find_interface(ctx, eni_id);
  }
  std::string association = new_resource_id("eipassoc");
  address["AssociationId"] = association;
  if (home.instance) address["InstanceId"] = home.instance->id();
  address["NetworkInterfaceId"] = eni_id;
  address["NetworkInterfaceOwnerId"] = ctx.account_id;
  address["PrivateIpAddress"] = private_ip;
  save(ctx, kinds::kAddress, address["AllocationId"].get<std::string>(), address);
  const std::string public_ip = address["PublicIp"].get<std::string>();
  if (is_primary(home)) {
    model::Instance& instance = *home.instance;
    instance.spec.elastic_ip = address["AllocationId"].get<std::string>();
    set_public_ip(ctx, instance.api, public_ip, ctx.account_id);
    save_instance(ctx, instance);
  } else {
    home.interface["Association"] = {{"PublicIp", public_ip},
                                     {"PublicDnsName", public_dns_name(ctx, public_ip)},
                                     {"IpOwnerId", ctx.account_id},
                                     {"AllocationId", address["AllocationId"]},
                                     {"AssociationId", association}};
    save_interface(ctx, home);
  }
  return {{"AssociationId", association}};
}

json disassociate_address(CallContext& ctx, const json& request) {
  if (request.contains("AssociationId")) {
    std::string association = request["AssociationId"].get<std::string>();
    for (json& stored : list(ctx, kinds::kAddress)) {
      json address = without_stale_association(ctx, stored);
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
  for (json& a : addresses) {
    // The instance of an address's interface is whichever it is attached to now.
    if (!a.contains("NetworkInterfaceId")) continue;
    auto home = find_interface(ctx, a["NetworkInterfaceId"].get<std::string>());
    if (!home) {
      a = without_stale_association(ctx, std::move(a));
    } else if (home->instance) {
      a["InstanceId"] = home->instance->id();
    } else {
      a.erase("InstanceId");
    }
  }
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
  return describe_values(std::move(wanted), request, filters, "Addresses", false, member_key("AllocationId"));
}

}  // namespace

void disassociate_elastic_ip(CallContext& ctx, model::Instance& instance) {
  if (!instance.spec.elastic_ip.empty()) {
    auto address = find(ctx, kinds::kAddress, instance.spec.elastic_ip);
    instance.spec.elastic_ip.clear();
    clear_public_ip(instance.api);
    if (address) forget_association(ctx, *address);
  }
  // Further interfaces that go with the instance give their addresses up; kept ones keep them.
  for (json& eni : instance.api["NetworkInterfaces"]) {
    if (eni["Attachment"].value("DeviceIndex", 0) != 0 && eni["Attachment"].value("DeleteOnTermination", true)) {
      disassociate_interface_address(ctx, eni);
    }
  }
}

void disassociate_interface_address(CallContext& ctx, json& eni) {
  if (!eni.contains("Association") || !eni["Association"].contains("AllocationId")) return;
  if (auto address = find(ctx, kinds::kAddress, eni["Association"]["AllocationId"].get<std::string>())) {
    forget_association(ctx, *address);
  }
  eni.erase("Association");
}

void add_address_actions(ActionTable& table) {
  table["AllocateAddress"] = {allocate_address, true};
  table["AssociateAddress"] = {associate_address, true};
  table["DisassociateAddress"] = {disassociate_address, true};
  table["ReleaseAddress"] = {release_address, true};
  table["DescribeAddresses"] = {describe_addresses, false};
}

}  // namespace stratus::ec2
