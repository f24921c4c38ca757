#include "billing/meter.h"

#include <algorithm>
#include <map>

#include "common/digest.h"
#include "model/instance.h"
#include "model/snapshot.h"
#include "model/volume.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

constexpr const char* kCompute = "Amazon Elastic Compute Cloud - Compute";
constexpr const char* kEc2Other = "EC2 - Other";
constexpr const char* kVpc = "Amazon Virtual Private Cloud";
// Linux instances are billed per second with a minimum of a minute per start.
constexpr int64_t kInstanceMinimumSeconds = 60;

// The usage type suffix of a volume type's storage, as AWS names it.
std::string storage_usage(const std::string& volume_type) {
  if (volume_type == "standard") return "EBS:VolumeUsage";
  if (volume_type == "io1") return "EBS:VolumeUsage.piops";
  return "EBS:VolumeUsage." + volume_type;
}

// The rates of an instance record: its running hours (on demand, or at its spot price) and its
// automatic public address.
std::vector<Rate> instance_rates(const store::Record& record, const PriceBook& prices, const std::string& prefix) {
  model::Instance instance = model::instance_from_doc(record.doc);
  std::vector<Rate> out;
  if (instance.status.state == compute::InstanceState::kRunning && instance.spec.spot) {
    // A spot instance: at the spot price in force (a new price opens a new segment).
    std::string type = instance.api.value("InstanceType", "");
    out.push_back({prefix + "-SpotUsage:" + type, kCompute, "Hrs", 1, instance.spec.spot->price, true,
                   kInstanceMinimumSeconds, type});
  } else if (instance.status.state == compute::InstanceState::kRunning) {
    std::string type = instance.api.value("InstanceType", "");
    auto price = prices.instance_hour(type, record.region);
    out.push_back({prefix + "-BoxUsage:" + type, kCompute, "Hrs", 1, price.value_or(0), price.has_value(),
                   kInstanceMinimumSeconds, type});
  }
  if (instance.spec.elastic_ip.empty() && instance.holds_automatic_ip() &&
      !instance.api.value("PublicIpAddress", "").empty()) {
    out.push_back({prefix + "-PublicIPv4:InUseAddress", kVpc, "Hrs", 1, prices.public_ipv4_hour(record.region), true, 0, ""});
  }
  return out;
}

// The rates of a volume record: storage, and provisioned IOPS and throughput above the baseline.
std::vector<Rate> volume_rates(const store::Record& record, const PriceBook& prices, const std::string& prefix) {
  model::Volume volume = model::volume_from_doc(record.doc);
  using model::VolumeState;
  VolumeState state = volume.status.state;
  if (state != VolumeState::kCreating && state != VolumeState::kAvailable && state != VolumeState::kInUse) return {};
  const std::string& type = volume.spec.volume_type;
  auto ebs = prices.ebs(type, record.region);
  std::vector<Rate> out;
  out.push_back({prefix + "-" + storage_usage(type), kEc2Other, "GB-Mo", static_cast<double>(volume.spec.size_gib),
                 ebs ? ebs->storage_gb_month : 0, ebs.has_value(), 0, ""});
  if (!ebs) return out;
  std::string kind = type == "io1" ? "piops" : type;
  if (ebs->iops_month > 0 && volume.spec.iops && *volume.spec.iops > ebs->baseline_iops) {
    out.push_back({prefix + "-EBS:VolumeP-IOPS." + kind, kEc2Other, "IOPS-Mo",
                   static_cast<double>(*volume.spec.iops - ebs->baseline_iops), ebs->iops_month, true, 0, ""});
  }
  if (ebs->throughput_mibps_month > 0 && volume.spec.throughput && *volume.spec.throughput > ebs->baseline_throughput) {
    out.push_back({prefix + "-EBS:VolumeP-Throughput." + kind, kEc2Other, "MiBps-Mo",
                   static_cast<double>(*volume.spec.throughput - ebs->baseline_throughput), ebs->throughput_mibps_month,
                   true, 0, ""});
  }
  return out;
}

// The rate of a snapshot record: the bytes it added, by the month, once completed (AWS's own
// public snapshots, the AMIs' imports, are not the account's to pay).
std::vector<Rate> snapshot_rates(const store::Record& record, const PriceBook& prices, const std::string& prefix) {
  model::Snapshot snapshot = model::snapshot_from_doc(record.doc);
  if (snapshot.status.state != model::SnapshotState::kCompleted || snapshot.status.added_bytes <= 0 ||
      snapshot.spec.owner_id == model::kAmazonOwnerId) {
    return {};
  }
  double gb = static_cast<double>(snapshot.status.added_bytes) / (1024.0 * 1024 * 1024);
  return {{prefix + "-EBS:SnapshotUsage", kEc2Other, "GB-Mo", gb, prices.snapshot_gb_month(record.region), true, 0, ""}};
}

// The rate of an Elastic IP record: in use while associated, idle otherwise (the same price).
std::vector<Rate> address_rates(const store::Record& record, const PriceBook& prices, const std::string& prefix) {
  bool in_use = record.doc.contains("AssociationId") || record.doc.contains("InstanceId");
  return {{prefix + (in_use ? "-PublicIPv4:InUseAddress" : "-PublicIPv4:IdleAddress"), kVpc, "Hrs", 1,
           prices.public_ipv4_hour(record.region), true, 0, ""}};
}

// What a record's usage segments carry: its rates, zone and tags. Segments change when it does.
struct Accrual {
  std::vector<Rate> rates;
  std::string zone;
  json tags = json::array();
  bool operator==(const Accrual&) const = default;
};

Accrual accrual_of(const std::optional<store::Record>& record, const PriceBook& prices) {
  Accrual out;
  if (!record) return out;
  out.rates = rates_of(*record, prices);
  if (out.rates.empty()) return out;
  const json& doc = record->doc;
  if (record->kind == "instance") {
    out.zone = doc.value("Instance", json::object()).value("Placement", json::object()).value("AvailabilityZone", "");
  } else if (record->kind == "volume") {
    out.zone = model::volume_from_doc(doc).spec.availability_zone;
  }
  out.tags = doc.value("Tags", json::array());
  return out;
}

}  // namespace

std::vector<Rate> rates_of(const store::Record& record, const PriceBook& prices) {
  std::string prefix = prices.usage_prefix(record.region);
  if (record.kind == "instance") return instance_rates(record, prices, prefix);
  if (record.kind == "volume") return volume_rates(record, prices, prefix);
  if (record.kind == "address") return address_rates(record, prices, prefix);
  if (record.kind == "snapshot") return snapshot_rates(record, prices, prefix);
  return {};
}

Meter::Meter(const PriceBook& prices, std::function<int64_t()> now) : prices_(prices), now_(std::move(now)) {}

bool Meter::meters(const std::string& kind) {
  return kind == "instance" || kind == "volume" || kind == "address" || kind == "snapshot";
}

void Meter::on_change(store::Transaction& txn, const std::optional<store::Record>& before,
                      const std::optional<store::Record>& after) const {
  Accrual was = accrual_of(before, prices_);
  Accrual is = accrual_of(after, prices_);
  if (was == is) return;
  const store::Record& record = after ? *after : *before;
  int64_t now = now_();
  // A rate that goes on carries what is left of its minimum into its new segment; one that
  // stops keeps its minimum in the segment it ends.
  std::map<std::string, int64_t> minimum_left;  // by usage type, of the segments that go on
  for (store::Record segment : txn.find(kUsageKind, record.region, "OpenFor", record.id)) {
    json& doc = segment.doc;
    std::string usage_type = doc.value("UsageType", "");
    bool goes_on = std::any_of(is.rates.begin(), is.rates.end(), [&](const Rate& r) { return r.usage_type == usage_type; });
    if (goes_on) {
      int64_t start = doc.value("Start", int64_t{0});
      minimum_left[usage_type] = std::max<int64_t>(0, start + doc.value("MinimumSeconds", int64_t{0}) - now);
      doc["MinimumSeconds"] = 0;
    }
    doc.erase("OpenFor");
    doc["End"] = now;
    txn.put(segment);
  }
  for (const Rate& rate : is.rates) {
    auto left = minimum_left.find(rate.usage_type);
    json doc = {{"Resource", record.id},
                {"OpenFor", record.id},
                {"UsageType", rate.usage_type},
                {"Service", rate.service},
                {"Unit", rate.unit},
                {"Quantity", rate.quantity},
                {"Price", rate.price},
                {"Priced", rate.priced},
                {"MinimumSeconds", left == minimum_left.end() ? rate.minimum_seconds : left->second},
                {"InstanceType", rate.instance_type},
                {"AvailabilityZone", is.zone},
                {"Tags", is.tags},
                {"Start", now}};
    txn.put({"usage-" + to_hex(random_bytes(8)), kUsageKind, record.region, std::move(doc)});
  }
}

}  // namespace stratus::billing
