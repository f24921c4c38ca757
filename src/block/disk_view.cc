#include "block/disk_view.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "compute/qmp.h"

namespace stratus::block {
namespace {

using nlohmann::json;
using compute::qmp_execute;

constexpr const char* kBitmapPrefix = "stratus-since-";

std::string fleece_node(const ViewSpec& spec) { return "fleece-" + spec.view_id; }

// The block node `node` as query-named-block-nodes describes it.
Result<json> describe_node(const std::string& qmp_socket, const std::string& node) {
  auto nodes = qmp_execute(qmp_socket, "query-named-block-nodes", {{"flat", true}});
  if (!nodes.ok()) return nodes.error();
  for (const json& n : nodes.value()) {
    if (n.value("node-name", "") == node) return n;
  }
  return ApiError{"InternalError", "QEMU has no block node " + node};
}

json bitmap_action(const std::string& type, json data) { return {{"type", type}, {"data", std::move(data)}}; }

// Folds every stratus bitmap on `node` except `keep` into `keep` (when it is usable) and drops
// it; drops inconsistent ones. True when `keep` exists and is usable afterwards.
Result<bool> settle_bitmaps(const std::string& qmp_socket, const std::string& node, const std::string& keep) {
  auto described = describe_node(qmp_socket, node);
  if (!described.ok()) return described.error();
  bool usable = false;
  std::vector<json> others;
  for (const json& bitmap : described.value().value("dirty-bitmaps", json::array())) {
    std::string name = bitmap.value("name", "");
    if (name.rfind(kBitmapPrefix, 0) != 0) continue;
    bool consistent = !bitmap.value("inconsistent", false);
    if (name == keep) usable = consistent;
    else others.push_back(bitmap);
  }
  json actions = json::array();
  if (!keep.empty() && !usable) {
    for (const json& bitmap : described.value().value("dirty-bitmaps", json::array())) {
      if (bitmap.value("name", "") == keep) {
        actions.push_back(bitmap_action("block-dirty-bitmap-remove", {{"node", node}, {"name", keep}}));
      }
    }
  }
  for (const json& bitmap : others) {
    std::string name = bitmap.value("name", "");
    if (usable && !bitmap.value("inconsistent", false)) {
      actions.push_back(bitmap_action("block-dirty-bitmap-merge", {{"node", node}, {"target", keep}, {"bitmaps", {name}}}));
    }
    actions.push_back(bitmap_action("block-dirty-bitmap-remove", {{"node", node}, {"name", name}}));
  }
  for (const json& action : actions) {  // one by one: a merge must land before its source goes
    auto done = qmp_execute(qmp_socket, "transaction", {{"actions", {action}}});
    if (!done.ok()) return done.error();
  }
  return usable;
}

// Runs `command` and treats an error whose description contains `harmless` as success.
Result<json> qmp_tolerating(const std::string& qmp_socket, const std::string& command, const json& arguments,
                            const std::string& harmless) {
  auto done = qmp_execute(qmp_socket, command, arguments);
  if (!done.ok() && done.error().message.find(harmless) != std::string::npos) return json::object();
  return done;
}

// Removes the export of `spec`, its copy-before-write job and fleece node, where they exist.
Result<bool> drop_export(const ViewPlace& place, const ViewSpec& spec) {
  auto unexported = qmp_tolerating(place.qmp_socket, "block-export-del", {{"id", spec.view_id}, {"mode", "hard"}},
                                   "not found");
  if (!unexported.ok()) return unexported.error();
  if (!place.fleece_file.empty()) {
    std::string node = fleece_node(spec);
    (void)qmp_execute(place.qmp_socket, "block-job-cancel", {{"device", node}, {"force", true}});
    // The cancelled job and the export let go of the node a moment later.
    Result<json> deleted = json::object();
    for (int attempt = 0; attempt < 50; ++attempt) {
      deleted = qmp_tolerating(place.qmp_socket, "blockdev-del", {{"node-name", node}}, "Failed to find node");
      if (deleted.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!deleted.ok()) return deleted.error();
  }
  return true;
}

}  // namespace

std::string since_bitmap(const std::string& snapshot_id) { return kBitmapPrefix + snapshot_id; }

Result<int64_t> node_size(const std::string& qmp_socket, const std::string& node) {
  auto described = describe_node(qmp_socket, node);
  if (!described.ok()) return described.error();
  return described.value()["image"].value("virtual-size", int64_t{0});
}

Result<NbdExport> open_view(const ViewPlace& place, const ViewSpec& spec) {
  auto cleared = drop_export(place, spec);  // what an interrupted attempt left
  if (!cleared.ok()) return cleared.error();
  NbdExport target{place.nbd_socket, spec.view_id, ""};
  json actions = json::array();
  if (spec.mode == ViewMode::kRead) {
    std::string keep = spec.since.empty() ? "" : since_bitmap(spec.since);
    auto usable = settle_bitmaps(place.qmp_socket, place.node, keep);
    if (!usable.ok()) return usable.error();
    actions.push_back(bitmap_action("block-dirty-bitmap-add", {{"node", place.node},
                                                                {"name", since_bitmap(spec.view_id)},
                                                                {"granularity", kBlockSize},
                                                                {"persistent", true}}));
    if (usable.value()) {
      actions.push_back(bitmap_action("block-dirty-bitmap-disable", {{"node", place.node}, {"name", keep}}));
      target.changed_bitmap = keep;
    }
  }
  std::string exported = place.node;
  if (!place.fleece_file.empty()) {
    exported = fleece_node(spec);
    auto added = qmp_execute(place.qmp_socket, "blockdev-add",
                             {{"driver", "qcow2"},
                              {"node-name", exported},
                              {"file", {{"driver", "file"}, {"filename", place.fleece_file}}},
                              {"backing", place.node}});
    if (!added.ok()) return added.error();
    actions.push_back(bitmap_action("blockdev-backup", {{"device", place.node},
                                                        {"target", exported},
                                                        {"sync", "none"},
                                                        {"job-id", exported}}));
  }
  if (!actions.empty()) {
    // One instant: the new bitmap starts, the old one freezes and copy-before-write begins.
    auto began = qmp_execute(place.qmp_socket, "transaction", {{"actions", actions}});
    if (!began.ok()) return began.error();
  }
  auto serving = qmp_tolerating(place.qmp_socket, "nbd-server-start",
                                {{"addr", {{"type", "unix"}, {"data", {{"path", place.nbd_socket}}}}}}, "already running");
  if (!serving.ok()) return serving.error();
  json export_args = {{"type", "nbd"}, {"id", spec.view_id}, {"node-name", exported}, {"name", spec.view_id},
                      {"writable", spec.mode == ViewMode::kFill}};
  if (!target.changed_bitmap.empty()) export_args["bitmaps"] = {target.changed_bitmap};
  auto exported_ok = qmp_execute(place.qmp_socket, "block-export-add", export_args);
  if (!exported_ok.ok()) return exported_ok.error();
  return target;
}

Result<bool> close_view(const ViewPlace& place, const ViewSpec& spec, bool taken) {
  auto dropped = drop_export(place, spec);
  if (!dropped.ok()) return dropped;
  std::error_code ec;
  if (!place.fleece_file.empty()) std::filesystem::remove(place.fleece_file, ec);
  if (!taken || spec.since.empty() || spec.mode == ViewMode::kImport) return true;
  bool filled = spec.mode == ViewMode::kFill;
  json action = filled
                    ? bitmap_action("block-dirty-bitmap-add", {{"node", place.node},
                                                               {"name", since_bitmap(spec.since)},
                                                               {"granularity", kBlockSize},
                                                               {"persistent", true}})
                    : bitmap_action("block-dirty-bitmap-remove", {{"node", place.node}, {"name", since_bitmap(spec.since)}});
  auto done = qmp_tolerating(place.qmp_socket, "transaction", {{"actions", {action}}},
                             filled ? "already exists" : "not found");
  if (!done.ok()) return done.error();
  return true;
}

}  // namespace stratus::block
