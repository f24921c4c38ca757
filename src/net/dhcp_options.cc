#include "net/dhcp_options.h"

namespace stratus::net {
namespace {

// "a,b,c".
std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

std::vector<std::string> dhcp_option_args(const DhcpOptions& options) {
  std::vector<std::string> args;
  if (!options.domain_name_servers.empty()) {
    args.push_back("--dhcp-option=option:dns-server," + joined(options.domain_name_servers));
  }
  if (!options.domain_name.empty()) {
    // dnsmasq reads a quoted value as one string, so a space-separated list of domains stays whole.
    bool spaced = options.domain_name.find(' ') != std::string::npos;
    args.push_back("--dhcp-option=option:domain-name," +
                   (spaced ? "\"" + options.domain_name + "\"" : options.domain_name));
  }
  if (!options.ntp_servers.empty()) args.push_back("--dhcp-option=option:ntp-server," + joined(options.ntp_servers));
  if (!options.netbios_name_servers.empty()) {
    args.push_back("--dhcp-option=option:netbios-ns," + joined(options.netbios_name_servers));
  }
  if (!options.netbios_node_type.empty()) {
    args.push_back("--dhcp-option=option:netbios-nodetype," + options.netbios_node_type);
  }
  return args;
}

}  // namespace stratus::net
