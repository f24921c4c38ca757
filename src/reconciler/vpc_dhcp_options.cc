#include "reconciler/vpc_dhcp_options.h"

#include "common/cidr.h"

namespace stratus::reconciler {

using nlohmann::json;

std::map<std::string, net::DhcpOptions> vpc_dhcp_options(store::Transaction& txn) {
  std::map<std::string, net::DhcpOptions> out;
  for (const store::Record& vpc : txn.list("vpc", std::nullopt)) {
    net::DhcpOptions& options = out[vpc.id];
    auto set = txn.get(vpc.doc.value("DhcpOptionsId", "default"));
    if (!set) continue;  // "default": no options set
    auto cidr = Ipv4Cidr::parse(vpc.doc.value("CidrBlock", ""));
    for (const json& config : set->doc.value("DhcpConfigurations", json::array())) {
      std::vector<std::string> values;
      for (const json& v : config.value("Values", json::array())) {
        std::string value = v.value("Value", "");
        values.push_back(value == "AmazonProvidedDNS" && cidr ? format_ipv4(cidr->base + 2) : value);
      }
      if (values.empty()) continue;
      std::string key = config.value("Key", "");
      if (key == "domain-name") options.domain_name = values.front();
      if (key == "domain-name-servers") options.domain_name_servers = values;
      if (key == "ntp-servers") options.ntp_servers = values;
      if (key == "netbios-name-servers") options.netbios_name_servers = values;
      if (key == "netbios-node-type") options.netbios_node_type = values.front();
    }
  }
  return out;
}

}  // namespace stratus::reconciler
