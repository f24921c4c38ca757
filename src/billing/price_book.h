#pragma once
// What usage costs: AWS's on-demand prices per region (data/prices.json for EBS and public IPv4,
// the instance type catalogue for instances), with a user's overrides (--price-file).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "services/ec2/catalog.h"

namespace stratus::billing {

// The prices of one EBS volume type.
struct EbsPrices {
  double storage_gb_month = 0;       // per GB-month provisioned
  double iops_month = 0;             // per provisioned IOPS-month above the baseline
  int64_t baseline_iops = 0;         // IOPS included in the storage price
  double throughput_mibps_month = 0; // per MiB/s-month above the baseline
  int64_t baseline_throughput = 0;   // MiB/s included in the storage price
};

class PriceBook {
 public:
  // `prices`: a document of data/prices.json's shape; `catalog` gives instance prices.
  // REQUIRES: `catalog` outlives the book. Throws std::invalid_argument when `prices` lacks
  // "default".
  PriceBook(nlohmann::json prices, const ec2::Catalog& catalog);

  // Lays `overrides` (prices.json's shape, plus "instances": {TYPE: {REGION: USD per hour}})
  // over the prices: each value given replaces the one it names. Throws std::invalid_argument
  // when it is not a JSON object.
  void override_with(const nlohmann::json& overrides);

  // USD per hour of a Linux on-demand instance of `type` in `region`, or nullopt when unknown.
  std::optional<double> instance_hour(const std::string& type, const std::string& region) const;
  // The prices of EBS volume type `volume_type` in `region`, or nullopt for an unknown type.
  std::optional<EbsPrices> ebs(const std::string& volume_type, const std::string& region) const;
  // USD per GB-month of snapshot data in `region`.
  double snapshot_gb_month(const std::string& region) const;
  // USD per hour of a public IPv4 address in `region` (in use or idle).
  double public_ipv4_hour(const std::string& region) const;
  // The code AWS's usage types in `region` begin with ("USE1"); a made-up one from the region's
  // name for a region the data does not list.
  std::string usage_prefix(const std::string& region) const;

 private:
  // The value at `path` (object members) for `region`: the region's own, else the default's.
  const nlohmann::json* find(const std::string& region, std::initializer_list<const char*> path) const;

  nlohmann::json prices_;
  nlohmann::json instance_overrides_ = nlohmann::json::object();
  const ec2::Catalog& catalog_;
};

}  // namespace stratus::billing
