// Placement on registered hosts (model/host.h): RunInstances spreads instances over the live
// hosts of the subnet's zone by free memory, a full zone is InsufficientInstanceCapacity, a
// stopped instance starts only where it was placed, and a host whose lease ran out shows its
// running instances impaired.

#include <gtest/gtest.h>

#include <map>
#include <variant>

#include "common/timestamp.h"
#include "model/host.h"
#include "services/ec2/ec2_fixture.h"

namespace stratus::ec2 {
namespace {

class HostPlacementTest : public Ec2Fixture {
 protected:
  HostPlacementTest() : Ec2Fixture("ec2-host-placement-test") {}

  void SetUp() override { bootstrap(); }

  // Registers host `id` in `zone` with `memory_mib` (t2.micro: 1024 MiB plus 256 of overhead),
  // its lease renewed `age` seconds ago.
  void register_host(const std::string& id, const std::string& zone, int64_t memory_mib, int64_t age = 0) {
    model::Host host;
    host.id = id;
    host.zone = zone;
    host.memory_mib = memory_mib;
    host.overhead_mib = 256;
    host.lease_seconds = 30;
    host.renewed_at = unix_now() - age;
    auto txn = store_->begin_write();
    txn->put({id, model::kHostKind, kRegion, model::host_doc(host)});
    txn->commit();
  }
  // The default subnet of `zone`.
  std::string subnet_in(const std::string& zone) {
    return call("DescribeSubnets", {{"Filters", {{{"Name", "availability-zone"}, {"Values", {zone}}}}}})["Subnets"][0]
        ["SubnetId"];
  }
  // RunInstances of `count` t2.micro in `zone`: the result, or the error code.
  std::variant<json, std::string> run_in(const std::string& zone, int64_t count) {
    auto result = service_->call("RunInstances", kRegion, kAccount,
                                 {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", count},
                                  {"MaxCount", count}, {"SubnetId", subnet_in(zone)}});
    if (!result.ok()) return result.error().code;
    return result.value();
  }
  // The host each stored instance was placed on, by instance id.
  std::map<std::string, std::string> placements() {
    std::map<std::string, std::string> out;
    for (const store::Record& r : store_->begin_read()->list("instance", std::nullopt)) {
      out[r.id] = model::instance_from_doc(r.doc).spec.host_id;
    }
    return out;
  }
};

TEST_F(HostPlacementTest, SpreadsOverTheLiveHostsOfTheZoneByFreeMemory) {
  register_host("h-big", "us-east-1a", 4 * 1280);
  register_host("h-small", "us-east-1a", 2 * 1280);
  register_host("h-dead", "us-east-1a", 100 * 1280, /*age=*/60);
  register_host("h-other-zone", "us-east-1b", 100 * 1280);
  auto launched = run_in("us-east-1a", 6);
  ASSERT_TRUE(std::holds_alternative<json>(launched)) << std::get<std::string>(launched);
  std::map<std::string, int> per_host;
  for (const auto& [id, host] : placements()) ++per_host[host];
  // Most free memory first: big, big, then big and small alike (ties go to the emptier)...
  EXPECT_EQ(per_host, (std::map<std::string, int>{{"h-big", 4}, {"h-small", 2}}));
  // ...and the zone is now full.
  EXPECT_EQ(std::get<std::string>(run_in("us-east-1a", 1)), "InsufficientInstanceCapacity");
  EXPECT_TRUE(std::holds_alternative<json>(run_in("us-east-1b", 1)));
  // A zone without a live host has no capacity, though the server has.
  EXPECT_EQ(std::get<std::string>(run_in("us-east-1c", 1)), "InsufficientInstanceCapacity");
}

TEST_F(HostPlacementTest, AStoppedInstanceStartsOnlyOnItsOwnLiveHost) {
  register_host("h-1", "us-east-1a", 1280);
  std::string id = std::get<json>(run_in("us-east-1a", 1))["Instances"][0]["InstanceId"];
  change_instance(id, [](model::Instance& i) { i.status.state = compute::InstanceState::kStopped; });
  register_host("h-2", "us-east-1a", 10 * 1280);  // room elsewhere does not help: its disk is on h-1
  register_host("h-1", "us-east-1a", 1280, /*age=*/60);
  EXPECT_FALSE(service_->call("StartInstances", kRegion, kAccount, {{"InstanceIds", {id}}}).ok());
  register_host("h-1", "us-east-1a", 1280);
  call("StartInstances", {{"InstanceIds", {id}}});
  EXPECT_EQ(placements()[id], "h-1");
}

TEST_F(HostPlacementTest, RunningInstancesOfAHostWhoseLeaseRanOutAreImpaired) {
  register_host("h-1", "us-east-1a", 4 * 1280);
  std::string id = std::get<json>(run_in("us-east-1a", 1))["Instances"][0]["InstanceId"];
  change_instance(id, [](model::Instance& i) {
    i.status.state = compute::InstanceState::kRunning;
    i.status.reachable = true;
  });
  json status = call("DescribeInstanceStatus", {{"InstanceIds", {id}}})["InstanceStatuses"][0];
  EXPECT_EQ(status["SystemStatus"]["Status"], "ok");
  register_host("h-1", "us-east-1a", 4 * 1280, /*age=*/45);
  status = call("DescribeInstanceStatus", {{"InstanceIds", {id}}})["InstanceStatuses"][0];
  EXPECT_EQ(status["InstanceState"]["Name"], "running");
  EXPECT_EQ(status["SystemStatus"]["Status"], "impaired");
  EXPECT_EQ(status["SystemStatus"]["Details"][0]["Status"], "failed");
  EXPECT_TRUE(status["SystemStatus"]["Details"][0].contains("ImpairedSince"));
  EXPECT_EQ(status["InstanceStatus"]["Status"], "insufficient-data");
}

}  // namespace
}  // namespace stratus::ec2
