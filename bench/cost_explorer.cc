// Cost Explorer benchmark: meters a month of usage for N instances (each running all month, half
// of them stopped for an hour every day, so ~16 segments per instance, with a team tag among ten)
// through the real meter into a real SQLite store, then times GetCostAndUsage over the month:
// DAILY by SERVICE, MONTHLY by the team tag, and DAILY filtered to one team. Prints the segment
// count, what reading every segment uncached costs, and the median and 90th percentile of each
// query over a number of rounds, with the run's first query (which fills Cost Explorer's cache of
// closed segments).
//
// Usage: build/stratus_bench_cost_explorer [instances=1000] [rounds=30]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "billing/cost_explorer.h"
#include "billing/ledger.h"
#include "billing/metered_region.h"
#include "model/instance.h"

namespace {

using nlohmann::json;
using stratus::billing::CostExplorer;
using stratus::billing::MeteredRegion;

constexpr int64_t kNov1 = 1793491200;  // 2026-11-01T00:00:00Z

// Writes instance `n` running or stopped.
void put_instance(stratus::store::Transaction& txn, int n, stratus::compute::InstanceState state) {
  stratus::model::Instance i;
  std::string id = "i-" + std::to_string(100000 + n);
  i.api = {{"InstanceId", id}, {"InstanceType", n % 2 ? "t3.micro" : "m5.large"},
           {"Placement", {{"AvailabilityZone", n % 3 ? "us-east-1a" : "us-east-1b"}}}};
  i.tags = {{{"Key", "team"}, {"Value", "team-" + std::to_string(n % 10)}}};
  i.status.state = state;
  txn.put({id, "instance", "us-east-1", stratus::model::instance_doc(i)});
}

// The median and 90th percentile of `ms`.
std::pair<double, double> percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)]};
}

}  // namespace

int main(int argc, char** argv) {
  int instances = argc > 1 ? std::atoi(argv[1]) : 1000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 30;
  MeteredRegion region("bench-cost-explorer", kNov1);
  using stratus::compute::InstanceState;
  region.write([&](stratus::store::Transaction& t) {
    for (int n = 0; n < instances; ++n) put_instance(t, n, InstanceState::kRunning);
  });
  for (int day = 0; day < 30; ++day) {
    for (int hour : {12, 13}) {
      region.now = kNov1 + day * 86400 + hour * 3600;
      region.write([&](stratus::store::Transaction& t) {
        for (int n = 0; n < instances; n += 2) put_instance(t, n, hour == 12 ? InstanceState::kStopped : InstanceState::kRunning);
      });
    }
  }
  region.now = kNov1 + 30 * 86400;
  size_t segments = 0;
  {
    auto txn = region.metered.begin_read();
    segments = txn->count(stratus::billing::kUsageKind, "us-east-1");
  }
  {
    std::vector<double> ms;
    for (int r = 0; r < rounds; ++r) {
      auto start = std::chrono::steady_clock::now();
      auto txn = region.metered.begin_read();
      auto read = stratus::billing::all_segments(*txn);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    auto [p50, p90] = percentiles(ms);
    std::printf("all_segments (every record parsed)     p50 %7.1f ms  p90 %7.1f ms\n", p50, p90);
  }
  CostExplorer explorer(region.metered, [&] { return region.now; });
  json month = {{"Start", "2026-11-01"}, {"End", "2026-12-01"}};
  struct Query {
    const char* name;
    json request;
  };
  std::vector<Query> queries = {
      {"DAILY by SERVICE", {{"TimePeriod", month}, {"Granularity", "DAILY"}, {"Metrics", {"UnblendedCost"}},
                            {"GroupBy", {{{"Type", "DIMENSION"}, {"Key", "SERVICE"}}}}}},
      {"MONTHLY by tag team", {{"TimePeriod", month}, {"Granularity", "MONTHLY"}, {"Metrics", {"UnblendedCost", "UsageQuantity"}},
                               {"GroupBy", {{{"Type", "TAG"}, {"Key", "team"}}}}}},
      {"DAILY, one team", {{"TimePeriod", month}, {"Granularity", "DAILY"}, {"Metrics", {"UnblendedCost"}},
                           {"Filter", {{"Tags", {{"Key", "team"}, {"Values", {"team-3"}}}}}}}}};
  std::printf("%d instances, %zu usage segments over November 2026\n", instances, segments);
  for (const Query& q : queries) {
    std::vector<double> ms;
    for (int r = 0; r < rounds; ++r) {
      stratus::api::ServiceCall call;
      call.action = "GetCostAndUsage";
      call.account_id = "123456789012";
      call.request = q.request;
      auto start = std::chrono::steady_clock::now();
      auto answer = explorer.call(call);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (!answer.ok()) {
        std::fprintf(stderr, "%s: %s\n", q.name, answer.error().message.c_str());
        return 1;
      }
    }
    double first = ms.front();  // the first query of the run fills the cache of closed segments
    auto [p50, p90] = percentiles(ms);
    std::printf("GetCostAndUsage %-22s p50 %7.1f ms  p90 %7.1f ms  first %7.1f ms\n", q.name, p50, p90, first);
  }
  return 0;
}
