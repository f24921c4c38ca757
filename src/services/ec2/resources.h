#pragma once
// Resource kinds, their ids and AWS error codes, and typed access to stored resources.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// A kind of resource and how AWS names and reports it.
struct ResourceKind {
  std::string_view kind;            // store kind, e.g. "vpc"
  std::string_view id_prefix;       // e.g. "vpc"
  std::string_view resource_type;   // tag/TagSpecification resource type, e.g. "vpc"
  std::string_view not_found_code;  // e.g. "InvalidVpcID.NotFound"
  std::string_view malformed_code;  // e.g. "InvalidVpcID.Malformed"
  std::string_view noun;            // in messages: "The vpc ID 'x' does not exist"
  // Describe shows an untagged resource with an empty tag set (AWS does for route tables and
  // internet gateways, and clients such as Ansible's *_info modules read it); else without one.
  bool shows_empty_tag_set = false;
};

// The known kinds.
namespace kinds {
extern const ResourceKind kVpc, kSubnet, kInternetGateway, kRouteTable, kSecurityGroup, kSecurityGroupRule,
    kKeyPair, kNetworkAcl, kDhcpOptions, kImage, kInstance, kAddress, kNetworkInterface, kVpcPeeringConnection,
    kPrefixList, kVolume, kSnapshot, kSpotInstanceRequest;
}  // namespace kinds

// The kind whose ids start with the prefix of `id`, or null.
const ResourceKind* kind_for_id(std::string_view id);

// The message AWS gives for a missing resource of `kind`.
std::string not_found_message(const ResourceKind& kind, const std::string& id);

// The resource `id` of `kind` in the call's region. Throws the kind's NotFound (or
// Malformed, when the id is not of the kind's form) error otherwise.
json require(CallContext& ctx, const ResourceKind& kind, const std::string& id);

// The resource `id` of `kind` in the call's region, or nullopt.
std::optional<json> find(CallContext& ctx, const ResourceKind& kind, const std::string& id);

// The resource `id` of `kind` in `source_region` (a copy's source, in any region), or nullopt.
// Throws InvalidParameterValue when the region is not one of the catalog's.
std::optional<json> find_source(CallContext& ctx, const std::string& source_region, const ResourceKind& kind,
                                const std::string& id);

// All resources of `kind` in the call's region, oldest first.
std::vector<json> list(CallContext& ctx, const ResourceKind& kind);

// The number of resources of `kind` in the call's region (without reading them).
int64_t count(CallContext& ctx, const ResourceKind& kind);

// Fails with `code` and `message` unless one more beside `used` stays within `limit`.
void require_room(int64_t used, int64_t limit, const std::string& code, const std::string& message);

// The resources of `kind` in the call's region whose `field` (see store::Transaction::find) is
// `value`, oldest first. Costs what the matches cost when the field is in indexed_fields().
std::vector<json> list_where(CallContext& ctx, const ResourceKind& kind, const std::string& field,
                             const std::string& value);

// The fields writes look resources up by, for the store to index (see list_where).
std::vector<store::IndexedField> indexed_fields();

// Stores `doc` as resource `id` of `kind` in the call's region.
void save(CallContext& ctx, const ResourceKind& kind, const std::string& id, const json& doc);

// Removes resource `id`.
void remove(CallContext& ctx, const std::string& id);

// "arn:aws:ec2:REGION:ACCOUNT:TYPE/ID".
std::string arn(const CallContext& ctx, std::string_view type, const std::string& id);

// `result` with the request's ClientToken (when it has one), as AWS's Create*Result shapes echo it.
json with_client_token(const json& request, json result);

// The string member `name` of `request`, or `fallback` when absent.
std::string str(const json& request, const char* name, const std::string& fallback = "");

}  // namespace stratus::ec2
