#include "reconciler/vpc_overlays.h"

#include <algorithm>

#include "common/network_defaults.h"
#include "model/host.h"
#include "model/instance.h"
#include "reconciler/router_view.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

constexpr const char* kVniField = "_Vni";
constexpr const char* kLastVniSetting = "vpc-vni-last";

}  // namespace

std::map<std::string, net::VpcOverlay> vpc_overlays(store::Transaction& txn, const std::string& host_id) {
  std::map<std::string, std::string> underlays;  // host id -> its underlay address
  for (const store::Record& record : txn.list(model::kHostKind, std::nullopt)) {
    model::Host host = model::host_from_doc(record.doc);
    if (!host.underlay.empty()) underlays[host.id] = host.underlay;
  }
  std::map<std::string, net::VpcOverlay> out;
  for (const store::Record& record : txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!has_ports(instance)) continue;
    std::string vpc_id = instance.api.value("VpcId", "");
    net::VpcOverlay& overlay = out[vpc_id];
    auto underlay = underlays.find(instance.spec.host_id);
    if (instance.spec.host_id == host_id || underlay == underlays.end()) continue;
    for (const json& eni : model::instance_view(instance).value("NetworkInterfaces", json::array())) {
      for (const std::string& address : private_addresses(eni)) {
        overlay.remote.push_back({address, private_host_name(address), underlay->second});
      }
    }
  }
  for (auto& [vpc_id, overlay] : out) {
    if (auto vpc = txn.get(vpc_id)) overlay.vni = vpc->doc.value(kVniField, 0u);
    std::sort(overlay.remote.begin(), overlay.remote.end());
  }
  return out;
}

std::map<std::string, uint32_t> assign_vnis(store::Store& store, const std::vector<std::string>& vpc_ids) {
  auto txn = store.begin_write();
  uint32_t last = static_cast<uint32_t>(std::stoul(txn->setting(kLastVniSetting).value_or("0")));
  std::map<std::string, uint32_t> out;
  for (const std::string& vpc_id : vpc_ids) {
    auto vpc = txn->get(vpc_id);
    if (!vpc) continue;
    out[vpc_id] = vpc->doc.value(kVniField, 0u);
    if (out[vpc_id] != 0) continue;
    vpc->doc[kVniField] = out[vpc_id] = ++last;
    txn->put(*vpc);
  }
  txn->set_setting(kLastVniSetting, std::to_string(last));
  txn->commit();
  return out;
}

}  // namespace stratus::reconciler
