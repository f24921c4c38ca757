#include "services/ec2/resources.h"

#include "common/ids.h"
#include "services/ec2/catalog.h"

namespace stratus::ec2 {

namespace kinds {
const ResourceKind kVpc{"vpc", "vpc", "vpc", "InvalidVpcID.NotFound", "InvalidVpcID.Malformed", "vpc ID"};
const ResourceKind kSubnet{"subnet", "subnet", "subnet", "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed",
                           "subnet ID"};
const ResourceKind kInternetGateway{"internet-gateway", "igw", "internet-gateway",
                                    "InvalidInternetGatewayID.NotFound", "InvalidInternetGatewayID.Malformed",
                                    "internetGateway ID", true};
const ResourceKind kRouteTable{"route-table", "rtb", "route-table", "InvalidRouteTableID.NotFound",
                               "InvalidRouteTableId.Malformed", "routeTable ID", true};
const ResourceKind kSecurityGroup{"security-group", "sg", "security-group", "InvalidGroup.NotFound",
                                  "InvalidGroupId.Malformed", "security group"};
const ResourceKind kSecurityGroupRule{"security-group-rule", "sgr", "security-group-rule",
                                      "InvalidSecurityGroupRuleId.NotFound", "InvalidSecurityGroupRuleId.Malformed",
                                      "security group rule"};
const ResourceKind kKeyPair{"key-pair", "key", "key-pair", "InvalidKeyPair.NotFound", "InvalidKeyPair.NotFound",
                            "key pair"};
const ResourceKind kNetworkAcl{"network-acl", "acl", "network-acl", "InvalidNetworkAclID.NotFound",
                               "InvalidNetworkAclID.Malformed", "network ACL"};
const ResourceKind kDhcpOptions{"dhcp-options", "dopt", "dhcp-options", "InvalidDhcpOptionID.NotFound",
                                "InvalidDhcpOptionsId.Malformed", "DHCP options ID"};
const ResourceKind kInstance{"instance", "i", "instance", "InvalidInstanceID.NotFound",
                              "InvalidInstanceID.Malformed", "instance ID"};
const ResourceKind kImage{"image", "ami", "image", "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "image id"};
const ResourceKind kAddress{"address", "eipalloc", "elastic-ip", "InvalidAllocationID.NotFound",
                            "InvalidAllocationID.Malformed", "allocation ID"};
const ResourceKind kVpcPeeringConnection{"vpc-peering-connection", "pcx", "vpc-peering-connection",
                                         "InvalidVpcPeeringConnectionID.NotFound",
                                         "InvalidVpcPeeringConnectionId.Malformed", "vpc peering connection ID"};
const ResourceKind kPrefixList{"prefix-list", "pl", "prefix-list", "InvalidPrefixListID.NotFound",
                               "InvalidPrefixListID.Malformed", "prefix list ID"};
const ResourceKind kVolume{"volume", "vol", "volume", "InvalidVolume.NotFound", "InvalidVolumeID.Malformed", "volume"};
const ResourceKind kSnapshot{"snapshot", "snap", "snapshot", "InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed",
                             "snapshot"};
const ResourceKind kNetworkInterface{"network-interface", "eni", "network-interface",
                                     "InvalidNetworkInterfaceID.NotFound", "InvalidNetworkInterfaceID.Malformed",
                                     "networkInterface ID"};
const ResourceKind kSpotInstanceRequest{"spot-instance-request", "sir", "spot-instances-request",
                                        "InvalidSpotInstanceRequestID.NotFound",
                                        "InvalidSpotInstanceRequestID.Malformed", "spot instance request ID"};
}  // namespace kinds

namespace {
const ResourceKind* const kAllKinds[] = {&kinds::kImage,         &kinds::kInstance,          &kinds::kAddress,
                                         &kinds::kVpc,           &kinds::kSubnet,            &kinds::kInternetGateway,
                                         &kinds::kRouteTable,    &kinds::kSecurityGroup,     &kinds::kSecurityGroupRule,
                                         &kinds::kKeyPair,       &kinds::kNetworkAcl,        &kinds::kDhcpOptions,
                                         &kinds::kNetworkInterface, &kinds::kVpcPeeringConnection, &kinds::kPrefixList,
                                         &kinds::kVolume,        &kinds::kSnapshot,          &kinds::kSpotInstanceRequest};
}  // namespace

const ResourceKind* kind_for_id(std::string_view id) {
  for (const ResourceKind* kind : kAllKinds) {
    if (id.size() > kind->id_prefix.size() && id.substr(0, kind->id_prefix.size()) == kind->id_prefix &&
        id[kind->id_prefix.size()] == '-') {
      return kind;
    }
  }
  return nullptr;
}

std::string not_found_message(const ResourceKind& kind, const std::string& id) {
  if (&kind == &kinds::kSecurityGroup) return "The security group '" + id + "' does not exist";
  if (&kind == &kinds::kKeyPair) return "The key pair '" + id + "' does not exist";
  if (&kind == &kinds::kImage) return "The image id '[" + id + "]' does not exist";
  if (&kind == &kinds::kVpcPeeringConnection) return "The vpcPeeringConnection ID '" + id + "' does not exist";
  if (&kind == &kinds::kVolume) return "The volume '" + id + "' does not exist.";
  if (&kind == &kinds::kSnapshot) return "The snapshot '" + id + "' does not exist.";
  return "The " + std::string(kind.noun) + " '" + id + "' does not exist";
}

std::optional<json> find(CallContext& ctx, const ResourceKind& kind, const std::string& id) {
  auto record = ctx.txn.get(id);
  if (!record || record->kind != kind.kind || record->region != ctx.region) return std::nullopt;
  return std::move(record->doc);
}

std::optional<json> find_source(CallContext& ctx, const std::string& source_region, const ResourceKind& kind,
                                const std::string& id) {
  if (ctx.catalog.region(source_region) == nullptr) {
    fail("InvalidParameterValue", "Value (" + source_region + ") for parameter sourceRegion is invalid.");
  }
  auto record = ctx.txn.get(id);
  if (!record || record->kind != kind.kind || record->region != source_region) return std::nullopt;
  return std::move(record->doc);
}

json require(CallContext& ctx, const ResourceKind& kind, const std::string& id) {
  if (!is_resource_id(id, kind.id_prefix)) {
    fail(std::string(kind.malformed_code), "Invalid id: \"" + id + "\" (expecting \"" + std::string(kind.id_prefix) +
                                               "-...\")");
  }
  auto doc = find(ctx, kind, id);
  if (!doc) fail(std::string(kind.not_found_code), not_found_message(kind, id));
  return std::move(*doc);
}

namespace {

// The documents of `records`, in order.
std::vector<json> docs_of(std::vector<store::Record> records) {
  std::vector<json> docs;
  docs.reserve(records.size());
  for (auto& record : records) docs.push_back(std::move(record.doc));
  return docs;
}

}  // namespace

std::vector<json> list(CallContext& ctx, const ResourceKind& kind) {
  return docs_of(ctx.txn.list(std::string(kind.kind), ctx.region));
}

int64_t count(CallContext& ctx, const ResourceKind& kind) {
  return static_cast<int64_t>(ctx.txn.count(std::string(kind.kind), ctx.region));
}

void require_room(int64_t used, int64_t limit, const std::string& code, const std::string& message) {
  if (used >= limit) fail(code, message);
}

std::vector<json> list_where(CallContext& ctx, const ResourceKind& kind, const std::string& field,
                             const std::string& value) {
  return docs_of(ctx.txn.find(std::string(kind.kind), ctx.region, field, value));
}

std::vector<store::IndexedField> indexed_fields() {
  return {{std::string(kinds::kSecurityGroup.kind), "GroupName"},
          {std::string(kinds::kSecurityGroup.kind), "VpcId"},
          {std::string(kinds::kSecurityGroupRule.kind), "GroupId"},
          {std::string(kinds::kSecurityGroupRule.kind), "ReferencedGroupInfo.GroupId"},
          {std::string(kinds::kKeyPair.kind), "KeyName"},
          {std::string(kinds::kSubnet.kind), "VpcId"},
          {std::string(kinds::kRouteTable.kind), "VpcId"},
          {std::string(kinds::kNetworkAcl.kind), "VpcId"},
          {std::string(kinds::kVolume.kind), "Spec.Attachment.InstanceId"},
          {std::string(kinds::kSnapshot.kind), "Spec.VolumeId"},
          {std::string(kinds::kSnapshot.kind), "Spec.ClientToken"},
          {std::string(kinds::kSnapshot.kind), "Spec.OwnerId"}};
}

void save(CallContext& ctx, const ResourceKind& kind, const std::string& id, const json& doc) {
  ctx.txn.put(store::Record{id, std::string(kind.kind), ctx.region, doc});
}

void remove(CallContext& ctx, const std::string& id) { ctx.txn.erase(id); }

std::string arn(const CallContext& ctx, std::string_view type, const std::string& id) {
  return "arn:aws:ec2:" + ctx.region + ":" + ctx.account_id + ":" + std::string(type) + "/" + id;
}

json with_client_token(const json& request, json result) {
  if (request.contains("ClientToken")) result["ClientToken"] = request["ClientToken"];
  return result;
}

std::string str(const json& request, const char* name, const std::string& fallback) {
  auto it = request.find(name);
  return it != request.end() && it->is_string() ? it->get<std::string>() : fallback;
}

void fail(const std::string& code, const std::string& message) { throw ServiceError{ApiError{code, message}}; }

}  // namespace stratus::ec2
