#include "model/instance.h"

#include <gtest/gtest.h>

namespace stratus::model {
namespace {

using nlohmann::json;
using compute::InstanceState;

Instance running_with_automatic_ip() {
  Instance i;
  i.api = {{"InstanceId", "i-0123456789abcdef0"},
           {"PublicIpAddress", "198.19.0.7"},
           {"PublicDnsName", "ec2-198-19-0-7.compute-1.amazonaws.com"},
           {"NetworkInterfaces", {{{"NetworkInterfaceId", "eni-1"}, {"Association", {{"PublicIp", "198.19.0.7"}}}}}}};
  i.tags = {{{"Key", "Name"}, {"Value", "web"}}};
  i.spec.reservation_id = "r-1";
  i.spec.reboots_requested = 2;
  i.status.state = InstanceState::kRunning;
  i.status.power_down_at = 1700000000;
  return i;
}

TEST(InstanceModel, RecordRoundTripKeepsSpecAndStatusApart) {
  Instance before = running_with_automatic_ip();
  json doc = instance_doc(before);
  EXPECT_FALSE(doc["Instance"].contains("State"));
  EXPECT_EQ(doc["Spec"]["RebootsRequested"], 2);
  EXPECT_EQ(doc["Status"]["State"], "running");
  EXPECT_EQ(doc["Tags"], before.tags);  // where the tag actions look for every kind
  Instance after = instance_from_doc(doc);
  EXPECT_EQ(after.api, before.api);
  EXPECT_EQ(after.spec.reservation_id, "r-1");
  EXPECT_EQ(after.spec.reboots_requested, 2);
  EXPECT_EQ(after.status.state, InstanceState::kRunning);
  EXPECT_EQ(after.status.power_down_at, 1700000000);
  EXPECT_FALSE(after.status.terminated_at);
}

// A stopped instance has given its automatic address back (an Elastic IP stays).
TEST(InstanceModel, ViewShowsOnlyAnAddressTheInstanceHolds) {
  Instance i = running_with_automatic_ip();
  json view = instance_view(i);
  EXPECT_EQ(view["State"], (json{{"Code", 16}, {"Name", "running"}}));
  EXPECT_EQ(view["PublicIpAddress"], "198.19.0.7");
  EXPECT_EQ(view["Tags"], i.tags);
  i.status.state = InstanceState::kStopped;
  EXPECT_EQ(i.public_ip(), "");
  view = instance_view(i);
  EXPECT_FALSE(view.contains("PublicIpAddress"));
  EXPECT_EQ(view["PublicDnsName"], "");
  EXPECT_FALSE(view["NetworkInterfaces"][0].contains("Association"));
  i.spec.elastic_ip = "eipalloc-1";
  EXPECT_EQ(i.public_ip(), "198.19.0.7");
  EXPECT_EQ(instance_view(i)["NetworkInterfaces"][0]["Association"]["PublicIp"], "198.19.0.7");
}

// Records written before spec and status were apart still read, with nothing lost.
TEST(InstanceModel, ReadsRecordsWithPrivateKeys) {
  json legacy = {{"InstanceId", "i-0123456789abcdef0"},
                 {"State", {{"Code", 64}, {"Name", "stopping"}}},
                 {"StateTransitionReason", "User initiated"},
                 {"Tags", json::array()},
                 {"_ReservationId", "r-1"},
                 {"_UserData", "aGk="},
                 {"_ShutdownBehavior", "terminate"},
                 {"_ElasticIp", "eipalloc-1"},
                 {"_MemoryMiB", 1024},
                 {"_ForceStop", true},
                 {"_PowerDownAt", 1700000000},
                 {"_StatusOk", true}};
  Instance i = instance_from_doc(legacy);
  EXPECT_EQ(i.api, (json{{"InstanceId", "i-0123456789abcdef0"}}));
  EXPECT_EQ(i.spec.reservation_id, "r-1");
  EXPECT_EQ(i.spec.user_data, "aGk=");
  EXPECT_EQ(i.spec.shutdown_behavior, "terminate");
  EXPECT_EQ(i.spec.elastic_ip, "eipalloc-1");
  EXPECT_EQ(i.spec.memory_mib, 1024);
  EXPECT_EQ(i.spec.force_stops_requested, 1);
  EXPECT_EQ(i.status.state, InstanceState::kStopping);
  EXPECT_EQ(i.status.transition_reason, "User initiated");
  EXPECT_EQ(i.status.power_down_at, 1700000000);
  EXPECT_TRUE(i.status.reachable);
}

}  // namespace
}  // namespace stratus::model
