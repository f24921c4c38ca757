#include "services/ec2/dhcp_options.h"

#include <set>

#include "common/cidr.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

// What CreateDhcpOptions takes, as AWS documents it.
constexpr size_t kMaxServers = 4;
const std::set<std::string> kNodeTypes = {"1", "2", "4", "8"};

// Fails with AWS's answer to a bad value of DHCP option `key`.
[[noreturn]] void fail_value(const std::string& key, const std::string& value) {
  fail("InvalidParameterValue", "Value (" + value + ") for parameter " + key + " is invalid.");
}

// Checks one DhcpConfiguration's values and returns them as AWS stores them.
json checked_values(const std::string& key, const json& given) {
  std::vector<std::string> values;
  for (const json& v : given) values.push_back(v.get<std::string>());
  if (values.empty()) fail("InvalidParameterValue", "Value for parameter " + key + " is missing.");
  bool servers = key == "domain-name-servers" || key == "ntp-servers" || key == "netbios-name-servers";
  if (servers && values.size() > kMaxServers) {
    fail("InvalidParameterValue", "Value for parameter " + key + " has more than 4 servers.");
  }
  for (const std::string& value : values) {
    if (key == "domain-name-servers" && value == "AmazonProvidedDNS") continue;
    if (servers && !parse_ipv4(value)) fail_value(key, value);
    if (key == "netbios-node-type" && !kNodeTypes.count(value)) fail_value(key, value);
    if (key == "domain-name" && (value.empty() || value.size() > 255)) fail_value(key, value);
    if (key == "ipv6-address-preferred-lease-time") {
      bool digits = !value.empty() && value.size() < 10 && value.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stol(value) < 140 || std::stol(value) > 2147483647) fail_value(key, value);
    }
  }
  if ((key == "domain-name" || key == "netbios-node-type" || key == "ipv6-address-preferred-lease-time") &&
      values.size() > 1) {
    fail("InvalidParameterValue", "Value for parameter " + key + " takes one value.");
  }
  json out = json::array();
  for (const std::string& value : values) out.push_back({{"Value", value}});
  return out;
}

json create_dhcp_options(CallContext& ctx, const json& request) {
  static const std::set<std::string> kKeys = {"domain-name", "domain-name-servers", "ntp-servers",
                                              "netbios-name-servers", "netbios-node-type",
                                              "ipv6-address-preferred-lease-time"};
  const json& configurations = request.value("DhcpConfigurations", json::array());
  if (configurations.empty()) fail("MissingParameter", "The request must contain the parameter dhcpConfiguration");
  json stored = json::array();
  std::set<std::string> seen;
  for (const json& c : configurations) {
    std::string key = str(c, "Key");
    if (!kKeys.count(key)) fail("InvalidParameterValue", "Value (" + key + ") for parameter name is invalid. Unknown DHCP option");
    if (!seen.insert(key).second) fail("InvalidParameterValue", "Value (" + key + ") for parameter name is duplicated.");
    stored.push_back({{"Key", key}, {"Values", checked_values(key, c.value("Values", json::array()))}});
  }
  std::string id = new_resource_id("dopt");
  json options = {{"DhcpOptionsId", id},
                  {"OwnerId", ctx.account_id},
                  {"DhcpConfigurations", stored},
                  {"Tags", tags_from_specifications(ctx, request, "dhcp-options")}};
  save(ctx, kinds::kDhcpOptions, id, options);
  return {{"DhcpOptions", options}};
}

json delete_dhcp_options(CallContext& ctx, const json& request) {
  std::string id = request["DhcpOptionsId"].get<std::string>();
  require(ctx, kinds::kDhcpOptions, id);
  for (const json& vpc : list(ctx, kinds::kVpc)) {
    if (vpc.value("DhcpOptionsId", "") == id) {
      fail("DependencyViolation", "The dhcpOptions '" + id + "' has dependencies and cannot be deleted.");
    }
  }
  remove(ctx, id);
  return json::object();
}

json associate_dhcp_options(CallContext& ctx, const json& request) {
  std::string id = request["DhcpOptionsId"].get<std::string>();
  std::string vpc_id = request["VpcId"].get<std::string>();
  json vpc = require(ctx, kinds::kVpc, vpc_id);
  // "default" associates no options set, as AWS says.
  if (id != "default") require(ctx, kinds::kDhcpOptions, id);
  vpc["DhcpOptionsId"] = id;
  save(ctx, kinds::kVpc, vpc_id, vpc);
  return json::object();
}

json describe_dhcp_options(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"dhcp-options-id", field("DhcpOptionsId")},
                                      {"key", field("DhcpConfigurations[].Key")},
                                      {"value", field("DhcpConfigurations[].Values[].Value")},
                                      {"owner-id", field("OwnerId")}};
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kDhcpOptions, "DhcpOptionsIds", "DhcpOptionsId", "DhcpOptions", filters});
}

}  // namespace

std::string default_dhcp_options(CallContext& ctx) {
  for (const json& options : list(ctx, kinds::kDhcpOptions)) {
    if (options.value("_Default", false)) return options["DhcpOptionsId"].get<std::string>();
  }
  std::string id = new_resource_id("dopt");
  std::string domain = private_dns_domain(ctx.region);
  save(ctx, kinds::kDhcpOptions, id,
       {{"DhcpOptionsId", id},
        {"OwnerId", ctx.account_id},
        {"_Default", true},
        {"DhcpConfigurations",
         json::array({{{"Key", "domain-name"}, {"Values", json::array({{{"Value", domain}}})}},
                      {{"Key", "domain-name-servers"}, {"Values", json::array({{{"Value", "AmazonProvidedDNS"}}})}}})},
        {"Tags", json::array()}});
  return id;
}

void add_dhcp_options_actions(ActionTable& table) {
  table["CreateDhcpOptions"] = {create_dhcp_options, true};
  table["DeleteDhcpOptions"] = {delete_dhcp_options, true};
  table["AssociateDhcpOptions"] = {associate_dhcp_options, true};
  table["DescribeDhcpOptions"] = {describe_dhcp_options, false};
}

}  // namespace stratus::ec2
