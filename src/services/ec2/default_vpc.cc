#include "services/ec2/default_vpc.h"

#include "common/cidr.h"
#include "services/ec2/catalog.h"
#include "services/ec2/internet_gateways.h"
#include "services/ec2/resources.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/subnets.h"
#include "services/ec2/vpcs.h"

namespace stratus::ec2 {

void ensure_default_vpc(CallContext& ctx) {
  const std::string flag = "default-vpc-created/" + ctx.region;
  if (ctx.txn.setting(flag)) return;
  const std::string vpc_cidr = "172.31.0.0/16";
  json vpc = create_vpc_resources(ctx, vpc_cidr, true, json::array());
  std::string vpc_id = vpc["VpcId"].get<std::string>();
  uint32_t base = Ipv4Cidr::parse(vpc_cidr)->base;
  uint32_t step = 1u << 12;  // one /20 per zone
  uint32_t index = 0;
  for (const Zone& zone : ctx.catalog.region(ctx.region)->zones) {
    create_subnet_in(ctx, vpc, Ipv4Cidr{base + index * step, 20}.str(), zone, true, json::array());
    ++index;
  }
  std::string igw = create_internet_gateway(ctx, json::array());
  attach_internet_gateway(ctx, igw, vpc_id);
  for (const json& table : list(ctx, kinds::kRouteTable)) {
    if (table.value("VpcId", "") == vpc_id) add_route(ctx, table["RouteTableId"].get<std::string>(), "0.0.0.0/0", igw);
  }
  ctx.txn.set_setting(flag, vpc_id);
}

}  // namespace stratus::ec2
