// The meter over a real store with a clock the tests move: instance seconds with the minute's
// minimum per start, volumes by GB-month with provisioned performance above the baseline, public
// addresses, segments split by tag changes, rolled-back writes and a reopened store.

#include "billing/meter.h"

#include <gtest/gtest.h>

#include "billing/ledger.h"
#include "billing/metered_store.h"
#include "common/embedded.h"
#include "common/temp_dir.h"
#include "model/instance.h"
#include "model/snapshot.h"
#include "model/volume.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

constexpr const char* kRegion = "us-east-1";
constexpr int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr double kT3MicroHour = 0.0104;

class MeterTest : public ::testing::Test {
 protected:
  MeterTest() { open(); }

  void open() {
    metered_.reset();
    cached_ = std::make_unique<store::CachedStore>(
        std::make_unique<store::SqliteStore>((dir_.path() / "db").string()),
        std::vector<store::IndexedField>{{kUsageKind, "OpenFor"}});
    metered_ = std::make_unique<MeteredStore>(*cached_, meter_);
  }

  // Writes instance i-1 in `state` (t3.micro in us-east-1a with an automatic public address).
  void instance(compute::InstanceState state, json tags = json::array()) {
    model::Instance i;
    i.api = {{"InstanceId", "i-1"},
             {"InstanceType", "t3.micro"},
             {"Placement", {{"AvailabilityZone", "us-east-1a"}}},
             {"PublicIpAddress", "198.51.100.7"}};
    i.tags = std::move(tags);
    i.spec.assign_public_ip = true;
    i.status.state = state;
    put({"i-1", "instance", kRegion, model::instance_doc(i)});
  }

  void put(const store::Record& record) {
    auto txn = metered_->begin_write();
    txn->put(record);
    txn->commit();
  }

  void erase(const std::string& id) {
    auto txn = metered_->begin_write();
    txn->erase(id);
    txn->commit();
  }

  // What usage type `usage_type` accrued in [from, to) as of `now_`.
  Accrued total(const std::string& usage_type, int64_t from = 0, int64_t to = INT64_MAX) {
    Accrued sum;
    auto txn = metered_->begin_read();
    for (const Segment& s : all_segments(*txn)) {
      if (s.usage_type != usage_type) continue;
      Accrued a = accrued(s, from, to, now_);
      sum.quantity += a.quantity;
      sum.cost += a.cost;
    }
    return sum;
  }

  size_t open_segments() {
    size_t n = 0;
    auto txn = metered_->begin_read();
    for (const Segment& s : all_segments(*txn)) n += s.end ? 0 : 1;
    return n;
  }

  TempDir dir_{"meter"};
  ec2::Catalog catalog_{embedded::instance_types(), embedded::regions()};
  PriceBook prices_{json::parse(embedded::prices()), catalog_};
  int64_t now_ = kJan1;
  Meter meter_{prices_, [this] { return now_; }};
  std::unique_ptr<store::CachedStore> cached_;
  std::unique_ptr<MeteredStore> metered_;
};

TEST_F(MeterTest, InstancesPayPerSecondWithAMinutePerStart) {
  instance(compute::InstanceState::kPending);
  now_ += 30;
  instance(compute::InstanceState::kRunning);
  now_ += 10;
  instance(compute::InstanceState::kStopping);  // ten seconds of running: billed as sixty
  now_ += 5;
  instance(compute::InstanceState::kStopped);
  now_ += 1000;  // stopped: no instance hours
  instance(compute::InstanceState::kPending);
  now_ += 20;
  instance(compute::InstanceState::kRunning);
  now_ += 200;
  Accrued box = total("USE1-BoxUsage:t3.micro");
  EXPECT_NEAR(box.quantity, (60 + 200) / 3600.0, 1e-9);  // the open segment runs to now
  EXPECT_NEAR(box.cost, (60 + 200) / 3600.0 * kT3MicroHour, 1e-12);
  // The automatic address is held from pending to stopping, not while stopped.
  EXPECT_NEAR(total("USE1-PublicIPv4:InUseAddress").quantity, (30 + 10 + 5 + 20 + 200) / 3600.0, 1e-9);
  now_ += 100;
  instance(compute::InstanceState::kShuttingDown);
  instance(compute::InstanceState::kTerminated);
  EXPECT_EQ(open_segments(), 0u);
  EXPECT_NEAR(total("USE1-BoxUsage:t3.micro").quantity, (60 + 300) / 3600.0, 1e-9);
  // A window sees only its part.
  EXPECT_NEAR(total("USE1-BoxUsage:t3.micro", kJan1, kJan1 + 40).quantity, 10 / 3600.0, 1e-9);
}

TEST_F(MeterTest, ATagChangeSplitsTheSegmentAndKeepsTheMinimum) {
  instance(compute::InstanceState::kRunning, json::array({{{"Key", "team"}, {"Value", "a"}}}));
  now_ += 10;
  instance(compute::InstanceState::kRunning, json::array({{{"Key", "team"}, {"Value", "b"}}}));
  now_ += 10;
  instance(compute::InstanceState::kStopped, json::array({{{"Key", "team"}, {"Value", "b"}}}));
  auto txn = metered_->begin_read();
  std::map<std::string, double> hours_by_team;
  for (const Segment& s : all_segments(*txn)) {
    if (s.usage_type != "USE1-BoxUsage:t3.micro") continue;
    hours_by_team[s.tags[0].value("Value", "")] += accrued(s, 0, INT64_MAX, now_).quantity * 3600;
  }
  EXPECT_NEAR(hours_by_team["a"], 10, 1e-6);
  EXPECT_NEAR(hours_by_team["b"], 50, 1e-6);  // the rest of the start's minute
}

TEST_F(MeterTest, VolumesPayByTheMonthForStoragePerformanceAndWhileTheirInstanceIsStopped) {
  model::Volume v;
  v.spec.volume_id = "vol-1";
  v.spec.availability_zone = "us-east-1a";
  v.spec.volume_type = "gp3";
  v.spec.size_gib = 100;
  v.spec.iops = 4000;
  v.spec.throughput = 250;
  v.status.state = model::VolumeState::kInUse;
  now_ = kJan1 + 31 * 86400;  // 2026-02-01: February has 28 days
  put({"vol-1", "volume", kRegion, model::volume_doc(v)});
  instance(compute::InstanceState::kStopped);  // its instance stops: the volume pays on
  now_ += 14 * 86400;
  erase("vol-1");
  EXPECT_NEAR(total("USE1-EBS:VolumeUsage.gp3").quantity, 50, 1e-9);  // 100 GB for half of February
  EXPECT_NEAR(total("USE1-EBS:VolumeP-IOPS.gp3").quantity, 500, 1e-9);
  EXPECT_NEAR(total("USE1-EBS:VolumeP-Throughput.gp3").quantity, 62.5, 1e-9);
  EXPECT_NEAR(total("USE1-EBS:VolumeUsage.gp3").cost + total("USE1-EBS:VolumeP-IOPS.gp3").cost +
                  total("USE1-EBS:VolumeP-Throughput.gp3").cost,
              50 * 0.08 + 500 * 0.005 + 62.5 * 0.04, 1e-9);
}

TEST_F(MeterTest, MonthlyUnitsProrateOverEachMonthsOwnLength) {
  model::Volume v;
  v.spec.volume_id = "vol-2";
  v.spec.volume_type = "gp2";
  v.spec.size_gib = 31;
  v.status.state = model::VolumeState::kAvailable;
  now_ = kJan1 + 30 * 86400;  // the last day of January (31 days)
  put({"vol-2", "volume", kRegion, model::volume_doc(v)});
  now_ += 2 * 86400;  // into February (28 days)
  EXPECT_NEAR(total("USE1-EBS:VolumeUsage.gp2").quantity, 31.0 / 31 + 31.0 / 28, 1e-9);
}

TEST_F(MeterTest, SnapshotsPayForTheBytesTheyAddedOnceCompleted) {
  model::Snapshot s;
  s.spec.snapshot_id = "snap-1";
  s.spec.owner_id = "123456789012";
  now_ = kJan1 + 31 * 86400;  // February
  put({"snap-1", "snapshot", kRegion, model::snapshot_doc(s)});  // pending: nothing yet
  s.status.state = model::SnapshotState::kCompleted;
  s.status.added_bytes = int64_t{3} << 30;
  put({"snap-1", "snapshot", kRegion, model::snapshot_doc(s)});
  s.spec.snapshot_id = "snap-ami";
  s.spec.owner_id = model::kAmazonOwnerId;  // an AMI's import: not the account's to pay
  put({"snap-ami", "snapshot", kRegion, model::snapshot_doc(s)});
  now_ += 14 * 86400;
  erase("snap-1");
  EXPECT_NEAR(total("USE1-EBS:SnapshotUsage").quantity, 1.5, 1e-9);  // 3 GB for half of February
  EXPECT_NEAR(total("USE1-EBS:SnapshotUsage").cost, 1.5 * 0.05, 1e-12);
}

TEST_F(MeterTest, ElasticIpsPayIdleOrInUse) {
  put({"eipalloc-1", "address", kRegion, {{"AllocationId", "eipalloc-1"}, {"PublicIp", "198.51.100.9"}}});
  now_ += 3600;
  put({"eipalloc-1", "address", kRegion,
       {{"AllocationId", "eipalloc-1"}, {"AssociationId", "eipassoc-1"}, {"InstanceId", "i-1"}}});
  now_ += 7200;
  erase("eipalloc-1");
  EXPECT_NEAR(total("USE1-PublicIPv4:IdleAddress").quantity, 1, 1e-9);
  EXPECT_NEAR(total("USE1-PublicIPv4:InUseAddress").quantity, 2, 1e-9);
  EXPECT_NEAR(total("USE1-PublicIPv4:InUseAddress").cost, 2 * 0.005, 1e-12);
}

TEST_F(MeterTest, RolledBackWritesLeaveNoUsageAndUsageSurvivesAReopen) {
  {
    auto txn = metered_->begin_write();
    txn->savepoint();
    model::Instance i;
    i.api = {{"InstanceType", "t3.micro"}};
    i.status.state = compute::InstanceState::kRunning;
    txn->put({"i-2", "instance", kRegion, model::instance_doc(i)});
    txn->rollback_to_savepoint();
    txn->commit();
  }
  EXPECT_EQ(open_segments(), 0u);
  instance(compute::InstanceState::kRunning);
  now_ += 90;
  open();  // as after a restart or kill -9: the open segment is there and runs on
  now_ += 30;
  EXPECT_NEAR(total("USE1-BoxUsage:t3.micro").quantity, 120 / 3600.0, 1e-9);
  instance(compute::InstanceState::kStopped);
  EXPECT_EQ(open_segments(), 0u);
}

TEST_F(MeterTest, UnpricedTypesKeepTheirUsage) {
  model::Instance i;
  i.api = {{"InstanceType", "x9.nonesuch"}};
  i.status.state = compute::InstanceState::kRunning;
  put({"i-3", "instance", kRegion, model::instance_doc(i)});
  now_ += 3600;
  Accrued a = total("USE1-BoxUsage:x9.nonesuch");
  EXPECT_NEAR(a.quantity, 1, 1e-9);
  EXPECT_EQ(a.cost, 0);
  auto txn = metered_->begin_read();
  EXPECT_FALSE(all_segments(*txn).front().priced);
}

TEST(PriceBookTest, OverridesAndUsagePrefixes) {
  ec2::Catalog catalog{embedded::instance_types(), embedded::regions()};
  PriceBook prices{json::parse(embedded::prices()), catalog};
  EXPECT_NEAR(*prices.instance_hour("t3.micro", "us-east-1"), kT3MicroHour, 1e-12);
  EXPECT_EQ(prices.usage_prefix("us-east-1"), "USE1");
  EXPECT_EQ(prices.usage_prefix("eu-west-1"), "EU");
  EXPECT_EQ(prices.usage_prefix("ap-east-2"), "APE2");  // not in the data: made from the name
  EXPECT_NEAR(prices.ebs("gp3", "ap-northeast-2")->storage_gb_month, 0.08, 1e-12);  // the default
  EXPECT_FALSE(prices.ebs("gp9", "us-east-1"));
  prices.override_with(json::parse(R"({"instances": {"t3.micro": {"us-east-1": 1.5}},
                                       "regions": {"ap-northeast-2": {"ebs": {"gp3": {"storage_gb_month": 0.1}}}}})"));
  EXPECT_EQ(*prices.instance_hour("t3.micro", "us-east-1"), 1.5);
  EXPECT_NEAR(prices.ebs("gp3", "ap-northeast-2")->storage_gb_month, 0.1, 1e-12);
  EXPECT_NEAR(prices.ebs("gp3", "ap-northeast-2")->iops_month, 0.005, 1e-12);  // the rest still the default's
  EXPECT_THROW(prices.override_with(json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace stratus::billing
