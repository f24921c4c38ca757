#include "services/ec2/public_ips.h"

#include <algorithm>
#include <set>

#include "common/cidr.h"
#include "common/digest.h"
#include "model/instance.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {

std::string allocate_public_ip(CallContext& ctx, const std::string& previous) {
  const Ipv4Cidr& pool = ctx.public_pool;
  std::set<std::string> used = {previous};
  for (const auto& record : ctx.txn.list(std::string(kinds::kInstance.kind), std::nullopt)) {
    used.insert(model::instance_from_doc(record.doc).public_ip());
  }
  for (const auto& record : ctx.txn.list(std::string(kinds::kAddress.kind), std::nullopt)) {
    used.insert(record.doc.value("PublicIp", ""));
  }
  auto usable = [&](uint32_t a) { return (a & 0xff) != 0 && (a & 0xff) != 0xff && !used.count(format_ipv4(a)); };
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string r = random_bytes(4);
    uint32_t offset = (static_cast<uint32_t>(static_cast<unsigned char>(r[0])) << 8 |
                       static_cast<unsigned char>(r[1])) % static_cast<uint32_t>(pool.size());
    if (usable(pool.base + offset)) return format_ipv4(pool.base + offset);
  }
  for (uint32_t a = pool.base; a <= pool.last(); ++a) {
    if (usable(a)) return format_ipv4(a);
  }
  fail("InsufficientAddressCapacity", "There are no free public IPv4 addresses in this region.");
}

void assign_public_ip(CallContext& ctx, model::Instance& instance) {
  if (!instance.spec.assign_public_ip || !instance.spec.elastic_ip.empty()) return;
  std::string ip = allocate_public_ip(ctx, instance.spec.last_public_ip);
  instance.spec.last_public_ip = ip;
  set_public_ip(ctx, instance.api, ip, "amazon");
}

std::string public_dns_name(const CallContext& ctx, const std::string& ip) {
  std::string dashed = ip;
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  return "ec2-" + dashed + (ctx.region == "us-east-1" ? ".compute-1.amazonaws.com"
                                                       : "." + ctx.region + ".compute.amazonaws.com");
}

void set_public_ip(CallContext& ctx, json& instance, const std::string& ip, const std::string& owner) {
  std::string dns = public_dns_name(ctx, ip);
  instance["PublicIpAddress"] = ip;
  instance["PublicDnsName"] = dns;
  instance["NetworkInterfaces"][0]["Association"] = {{"PublicIp", ip}, {"PublicDnsName", dns}, {"IpOwnerId", owner}};
}

void clear_public_ip(json& instance) {
  instance.erase("PublicIpAddress");
  instance["PublicDnsName"] = "";
  instance["NetworkInterfaces"][0].erase("Association");
}

}  // namespace stratus::ec2
