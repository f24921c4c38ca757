#include "reconciler/vpc_overlays.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "model/host.h"
#include "model/instance.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

class VpcOverlays : public ::testing::Test {
 protected:
  // Instance `id` of `vpc`, in `state`, with one interface at `ip`, placed on `host`.
  void put_instance(const std::string& id, const std::string& vpc, const std::string& state, const std::string& ip,
                    const std::string& host) {
    json doc = {{"InstanceId", id},
                {"State", {{"Name", state}}},
                {"VpcId", vpc},
                {"NetworkInterfaces",
                 {{{"NetworkInterfaceId", "eni-" + id}, {"PrivateIpAddress", ip},
                   {"PrivateIpAddresses", {{{"PrivateIpAddress", ip}, {"Primary", true}}}}}}}};
    model::Instance instance = model::instance_from_doc(doc);
    instance.spec.host_id = host;
    auto txn = store_.begin_write();
    txn->put({id, "instance", "us-east-1", model::instance_doc(instance)});
    txn->commit();
  }
  void put_host(const std::string& id, const std::string& underlay) {
    auto txn = store_.begin_write();
    txn->put({id, model::kHostKind, "us-east-1", model::host_doc({id, "us-east-1a", underlay})});
    txn->commit();
  }
  void put_vpc(const std::string& id) {
    auto txn = store_.begin_write();
    txn->put({id, "vpc", "us-east-1", {{"VpcId", id}}});
    txn->commit();
  }
  std::map<std::string, net::VpcOverlay> overlays(const std::string& host) {
    auto txn = store_.begin_read();
    return vpc_overlays(*txn, host);
  }

  TempDir dir_{"overlay-test"};
  store::SqliteStore store_{(dir_.path() / "db").string()};
};

TEST_F(VpcOverlays, EachHostReachesTheInterfacesOnTheOthers) {
  put_host("h-1", "192.0.2.11");
  put_host("h-2", "192.0.2.12");
  put_vpc("vpc-1");
  put_instance("i-a", "vpc-1", "running", "10.0.1.5", "h-1");
  put_instance("i-b", "vpc-1", "pending", "10.0.2.6", "h-2");
  put_instance("i-off", "vpc-1", "stopped", "10.0.2.7", "h-2");      // no ports while stopped
  put_instance("i-lost", "vpc-1", "running", "10.0.2.8", "h-gone");  // its host is not registered

  auto from_1 = overlays("h-1");
  ASSERT_EQ(from_1.size(), 1u);
  EXPECT_EQ(from_1["vpc-1"].vni, 0u);  // none given yet
  EXPECT_EQ(from_1["vpc-1"].remote, (std::vector<net::RemotePort>{{"10.0.2.6", "ip-10-0-2-6", "192.0.2.12"}}));
  EXPECT_EQ(overlays("h-2")["vpc-1"].remote,
            (std::vector<net::RemotePort>{{"10.0.1.5", "ip-10-0-1-5", "192.0.2.11"}}));
}

TEST_F(VpcOverlays, EachVpcGetsItsOwnVniOnce) {
  put_vpc("vpc-1");
  put_vpc("vpc-2");
  put_instance("i-a", "vpc-1", "running", "10.0.1.5", "");
  EXPECT_EQ(assign_vnis(store_, {"vpc-1"}), (std::map<std::string, uint32_t>{{"vpc-1", 1}}));
  // Asked again (another host, the next pass), the VPC keeps it; a new one gets the next.
  EXPECT_EQ(assign_vnis(store_, {"vpc-1", "vpc-2", "vpc-gone"}),
            (std::map<std::string, uint32_t>{{"vpc-1", 1}, {"vpc-2", 2}}));
  EXPECT_EQ(overlays("h-1")["vpc-1"].vni, 1u);
}

}  // namespace
}  // namespace stratus::reconciler
