#include "services/ec2/network_interfaces.h"

#include <set>

#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/instances.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceState;

// Every interface of the region's instances that still exist (an interface goes with its
// terminated instance), in AWS's NetworkInterface shape.
std::vector<json> all_interfaces(CallContext& ctx) {
  std::vector<json> out;
  for (const json& instance : list(ctx, kinds::kInstance)) {
    if (instance_state(instance) == InstanceState::kTerminated) continue;
    std::string zone = instance["Placement"].value("AvailabilityZone", "");
    const Zone* zone_info = ctx.catalog.zone(ctx.region, zone);
    for (json eni : instance.value("NetworkInterfaces", json::array())) {
      eni["Attachment"]["InstanceId"] = instance["InstanceId"];
      eni["Attachment"]["InstanceOwnerId"] = instance.value("_OwnerId", ctx.account_id);
      eni["AvailabilityZone"] = zone;
      if (zone_info != nullptr) eni["AvailabilityZoneId"] = zone_info->id;
      eni["Description"] = "";
      eni["RequesterManaged"] = false;
      eni["TagSet"] = json::array();
      if (eni.contains("Association")) eni["PublicDnsName"] = eni["Association"].value("PublicDnsName", "");
      out.push_back(std::move(eni));
    }
  }
  return out;
}

json describe(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"network-interface-id", field("NetworkInterfaceId")},
      {"subnet-id", field("SubnetId")},
      {"vpc-id", field("VpcId")},
      {"availability-zone", field("AvailabilityZone")},
      {"mac-address", field("MacAddress")},
      {"private-ip-address", field("PrivateIpAddress")},
      {"addresses.private-ip-address", field("PrivateIpAddresses[].PrivateIpAddress")},
      {"private-dns-name", field("PrivateDnsName")},
      {"association.public-ip", field("Association.PublicIp")},
      {"attachment.instance-id", field("Attachment.InstanceId")},
      {"attachment.attachment-id", field("Attachment.AttachmentId")},
      {"attachment.device-index", field("Attachment.DeviceIndex")},
      {"attachment.status", field("Attachment.Status")},
      {"group-id", field("Groups[].GroupId")},
      {"group-name", field("Groups[].GroupName")},
      {"interface-type", field("InterfaceType")},
      {"owner-id", field("OwnerId")},
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
  return describe_values(std::move(selected), request, filters, "NetworkInterfaces");
}

}  // namespace

void add_network_interface_actions(ActionTable& table) {
  table["DescribeNetworkInterfaces"] = {describe, false};
}

}  // namespace stratus::ec2
