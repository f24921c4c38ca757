// libFuzzer target: the whole request path in process, decode -> service -> encode, against a
// temporary store. The input drives a walk of a chosen action's input shape in the service
// model, so the parameters are ones the model can have and reach the services' rules; values
// are fuzzed text, numbers, enum values and ids of resources earlier inputs created.
// Findings: a crash or sanitizer report, a response that is not well-formed XML, or a 5xx answer
// other than the capacity errors AWS itself answers with 500.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <deque>
#include <memory>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "api/error_status.h"
#include "api/query_decoder.h"
#include "api/service_model.h"
#include "api/xml_encoder.h"
#include "api/xml_text.h"
#include "common/embedded.h"
#include "common/temp_dir.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/resources.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace {

using stratus::api::QueryParams;
using stratus::api::Shape;
using stratus::api::ShapeType;

constexpr const char* kAccount = "123456789012";
constexpr size_t kMaxPool = 64;

// Every action the model defines that a fuzzer should reach; the unimplemented are skipped.
const char* const kActionNames[] = {
    "AllocateAddress", "AssociateAddress", "AssociateRouteTable", "AttachInternetGateway",
    "AttachNetworkInterface", "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateDefaultVpc",
    "CreateInternetGateway", "CreateKeyPair", "CreateNetworkAcl", "CreateNetworkAclEntry", "CreateNetworkInterface",
    "CreateRoute", "CreateRouteTable", "CreateSecurityGroup", "CreateSubnet", "CreateTags", "CreateVpc",
    "DeleteInternetGateway", "DeleteKeyPair", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "DeleteNetworkInterface",
    "DeleteRoute", "DeleteRouteTable", "DeleteSecurityGroup", "DeleteSubnet", "DeleteTags", "DeleteVpc",
    "DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeDhcpOptions",
    "DescribeImages", "DescribeInstanceAttribute", "DescribeInstanceStatus", "DescribeInstanceTypeOfferings",
    "DescribeInstanceTypes", "DescribeInstances", "DescribeInternetGateways", "DescribeKeyPairs",
    "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeRegions", "DescribeRouteTables",
    "DescribeSecurityGroupRules", "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags",
    "DescribeVpcAttribute", "DescribeVpcs", "DetachInternetGateway", "DetachNetworkInterface",
    "DisassociateAddress", "DisassociateRouteTable", "ImportKeyPair", "ModifyInstanceAttribute",
    "ModifyInstanceMetadataOptions", "ModifyNetworkInterfaceAttribute", "ModifySubnetAttribute",
    "ModifyVpcAttribute", "RebootInstances", "ReleaseAddress", "ReplaceNetworkAclAssociation",
    "ReplaceNetworkAclEntry", "ReplaceRoute", "ReplaceRouteTableAssociation", "RunInstances", "StartInstances",
    "StopInstances", "TerminateInstances",
    "AcceptVpcPeeringConnection", "AssociateDhcpOptions", "AssociateVpcCidrBlock", "CreateDhcpOptions",
    "CreateVpcPeeringConnection", "DeleteDhcpOptions", "DeleteVpcPeeringConnection",
    "DescribeVpcPeeringConnections", "DisassociateVpcCidrBlock", "GetConsoleOutput",
    "ModifySecurityGroupRules", "ModifyVpcPeeringConnectionOptions", "RejectVpcPeeringConnection",
    "RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress", "UpdateSecurityGroupRuleDescriptionsEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress", "CreateManagedPrefixList", "ModifyManagedPrefixList",
    "RestoreManagedPrefixListVersion", "DeleteManagedPrefixList", "DescribeManagedPrefixLists",
    "DescribePrefixLists", "GetManagedPrefixListEntries", "GetManagedPrefixListAssociations", "CreateVolume",
    "AttachVolume", "DetachVolume", "DeleteVolume", "DescribeVolumes", "DescribeVolumeStatus",
    "DescribeVolumeAttribute", "ModifyVolumeAttribute", "ModifyVolume", "DescribeVolumesModifications"};

// Everything one fuzzing process shares: the model, a region on a temporary store, and the
// ids of the resources created so far.
struct Region {
  std::shared_ptr<const stratus::api::ServiceModel> model =
      stratus::api::ServiceModel::parse(stratus::embedded::ec2_service_model()).value();
  stratus::TempDir dir{"fuzz-request-path"};
  stratus::store::CachedStore store{
      std::make_unique<stratus::store::SqliteStore>((dir.path() / "db").string()), stratus::ec2::indexed_fields()};
  stratus::ec2::Catalog catalog{stratus::embedded::instance_types(), stratus::embedded::regions()};
  stratus::ec2::Ec2Service service{store, catalog};
  std::vector<const stratus::api::Operation*> actions;  // the implemented ones
  std::deque<std::string> ids;                          // resource ids seen in results

  Region() {
    // A host of 16 GiB and 8 vCPUs, as `stratus serve` always has a budget: without one a fuzzed
    // MaxCount would create tens of thousands of instances in one call.
    service.set_host_capacity({16384, 8, 384});
    service.bootstrap(kAccount);
    for (const char* name : kActionNames) {
      const auto* operation = model->operation(name);
      if (operation != nullptr && service.implements(name)) actions.push_back(operation);
    }
  }

  // Remembers the resource ids in `result` (strings shaped like "vpc-0123...").
  void harvest(const nlohmann::json& result) {
    if (result.is_object() || result.is_array()) {
      for (const auto& item : result) harvest(item);
    } else if (result.is_string()) {
      const std::string& s = result.get_ref<const std::string&>();
      size_t dash = s.find('-');
      if (dash != std::string::npos && dash <= 9 && s.size() - dash == 18 && stratus::ec2::kind_for_id(s)) {
        ids.push_back(s);
        if (ids.size() > kMaxPool) ids.pop_front();
      }
    }
  }

};

Region& region() {
  static Region shared;  // its store's files go with it when the run ends
  return shared;
}

// True when every character reference in `body` (&#N; or &#xN;) names an XML 1.0 Char: a
// non-validating parser accepts "&#1;", which XML 1.0 forbids and boto3's parser refuses.
bool character_references_are_xml(const std::string& body) {
  for (size_t at = body.find("&#"); at != std::string::npos; at = body.find("&#", at + 2)) {
    bool hex = at + 2 < body.size() && body[at + 2] == 'x';
    size_t end = body.find(';', at);
    if (end == std::string::npos) return false;
    std::string digits = body.substr(at + (hex ? 3 : 2), end - at - (hex ? 3 : 2));
    if (digits.empty() || digits.size() > 8) return false;
    unsigned long cp = std::strtoul(digits.c_str(), nullptr, hex ? 16 : 10);
    if (!stratus::api::is_xml_char(static_cast<uint32_t>(cp))) return false;  // 8 digits fit 32 bits
  }
  return true;
}

// A scalar value for `shape`: an id seen before, an enum value, a number, or fuzzed text.
std::string scalar(const Shape& shape, FuzzedDataProvider& fdp) {
  Region& r = region();
  switch (fdp.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      if (!r.ids.empty()) return r.ids[fdp.ConsumeIntegralInRange<size_t>(0, r.ids.size() - 1)];
      break;
    case 1:
      if (!shape.enum_values.empty()) {
        return shape.enum_values[fdp.ConsumeIntegralInRange<size_t>(0, shape.enum_values.size() - 1)];
      }
      break;
    case 2:
      return std::to_string(fdp.ConsumeIntegral<int64_t>());
    case 3:
      return std::to_string(fdp.ConsumeIntegralInRange<int>(-2, 70000));
    default:
      break;
  }
  if (shape.type == ShapeType::kBoolean) return fdp.ConsumeBool() ? "true" : "false";
  return fdp.ConsumeRandomLengthString(96);
}

// Adds parameters for `shape` under `name` (empty at the top), following the model.
void generate(const Shape& shape, const std::string& name, FuzzedDataProvider& fdp, QueryParams& out, int depth) {
  if (depth > 8 || fdp.remaining_bytes() == 0) return;
  std::string prefix = name.empty() ? "" : name + ".";
  switch (shape.type) {
    case ShapeType::kStructure:
      for (const auto& member : shape.members) {
        if (member.shape == nullptr || member.name == "DryRun") continue;
        bool required = std::find(shape.required.begin(), shape.required.end(), member.name) != shape.required.end();
        if (required || fdp.ConsumeIntegralInRange<int>(0, 3) == 0) {
          generate(*member.shape, prefix + member.query_name, fdp, out, depth + 1);
        }
      }
      return;
    case ShapeType::kList: {
      int count = fdp.ConsumeIntegralInRange<int>(0, 3);
      for (int i = 1; i <= count && shape.element.shape != nullptr; ++i) {
        generate(*shape.element.shape, name + "." + std::to_string(i), fdp, out, depth + 1);
      }
      return;
    }
    case ShapeType::kMap:
      return;  // EC2's model has no maps
    default:
      out.emplace_back(name, scalar(shape, fdp));
  }
}

// Stops the run with the request and response that broke a rule.
[[noreturn]] void finding(const char* what, const std::string& action, const QueryParams& params,
                          const std::string& body) {
  std::fprintf(stderr, "FINDING: %s in %s\n", what, action.c_str());
  for (const auto& [k, v] : params) std::fprintf(stderr, "  %s=%s\n", k.c_str(), v.c_str());
  std::fprintf(stderr, "response:\n%s\n", body.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Region& r = region();
  FuzzedDataProvider fdp(data, size);
  const auto* operation = r.actions[fdp.ConsumeIntegralInRange<size_t>(0, r.actions.size() - 1)];
  QueryParams params;
  if (operation->input != nullptr) generate(*operation->input, "", fdp, params, 0);

  std::string body;
  auto decoded = stratus::api::decode_request(operation->input, params);
  stratus::Result<nlohmann::json> result = decoded.ok() ? stratus::Result<nlohmann::json>(nlohmann::json())
                                                        : stratus::Result<nlohmann::json>(decoded.error());
  if (decoded.ok()) {
    if (r.service.mutates(operation->name)) {
      result = std::move(r.service.call_batch({{operation->name, "us-east-1", kAccount, decoded.value()}})[0]);
    } else {
      result = r.service.call(operation->name, "us-east-1", kAccount, decoded.value());
    }
  }
  if (result.ok()) {
    r.harvest(result.value());
    body = stratus::api::encode_response(*r.model, *operation, result.value(), "fuzz");
  } else {
    body = stratus::api::encode_error(result.error(), "fuzz");
    int status = stratus::api::http_status_for(result.error().code);
    bool capacity = result.error().code.rfind("Insufficient", 0) == 0;
    if (status >= 500 && !capacity) finding("a 5xx answer", operation->name, params, body);
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size()) || !stratus::api::is_xml_text(body) ||
      !character_references_are_xml(body)) {
    finding("a response that is not XML 1.0", operation->name, params, body);
  }
  return 0;
}
