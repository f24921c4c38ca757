#pragma once
// Test-only fakes of the drivers the reconcilers use (no QEMU, no root): disks are names and
// VMs are run directories; each fake records what it was asked, and can be told to refuse.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "block/block_copy.h"
#include "block/volume_driver.h"
#include "compute/vm_driver.h"

namespace stratus::reconciler::fakes {

// A disk in memory: blocks by index, zeros elsewhere.
struct MemoryDevice : block::BlockDevice {
  std::map<int64_t, std::string> blocks;
  int64_t size = 1 << 30;
  int64_t size_bytes() override { return size; }
  Result<std::vector<block::BlockHint>> hints() override {
    std::vector<block::BlockHint> out(size / block::kBlockSize, block::BlockHint::kZero);
    for (const auto& [index, data] : blocks) out[index] = block::BlockHint::kRead;
    return out;
  }
  Result<std::string> read(int64_t index) override {
    auto found = blocks.find(index);
    return found == blocks.end() ? std::string(block::kBlockSize, '\0') : found->second;
  }
  Result<bool> write(int64_t index, const std::string& data) override {
    blocks[index] = data;
    return true;
  }
  Result<bool> flush() override { return true; }
};

// Disks as a set of volume ids with their sizes; views are handed out by name.
class FakeVolumeDriver : public block::VolumeDriver {
 public:
  Result<bool> create(const std::string& id, int64_t size_gib, const std::filesystem::path& base,
                      const std::string&) override {
    if (refuse) return ApiError{"InternalError", "qemu-img refused"};
    if (!made.count(id)) sizes[id] = size_gib;
    made.insert(id);
    if (!base.empty()) bases[id] = base.string();
    return true;
  }
  Result<bool> copy(const std::string& id, const std::filesystem::path& source, const std::string& source_bitmap,
                    const std::string& counts_from) override {
    if (refuse) return ApiError{"InternalError", "cp refused"};
    copies[id] = source.string() + " " + source_bitmap + " " + counts_from;
    made.insert(id);
    return true;
  }
  Result<bool> apply_layer(const std::string& id, const std::filesystem::path& layer, const std::string& layer_bitmap,
                           const std::string& counts_from) override {
    if (refuse) return ApiError{"InternalError", "qemu-img refused"};
    layers[id] = layer.string() + " " + layer_bitmap + " " + counts_from;
    return true;
  }
  bool exists(const std::string& id) const override { return made.count(id) > 0; }
  std::filesystem::path path(const std::string& id) const override { return "/fake/" + id; }
  Result<bool> grow(const std::string& id, int64_t size_gib) override {
    sizes[id] = size_gib;
    return true;
  }
  Result<bool> adopt(const std::string& id, const std::filesystem::path& file) override {
    adopted[id] = file.string();
    return create(id, 0, "", "");
  }
  Result<bool> remove(const std::string& id) override {
    if (refuse) return ApiError{"InternalError", "cannot remove"};
    made.erase(id);
    sizes.erase(id);
    return true;
  }
  Result<block::NbdExport> open_view(const std::string& name, const std::filesystem::path&,
                                     const block::ViewSpec&) override {
    ++opened;
    if (refuse) return ApiError{"InternalError", "qemu-storage-daemon refused"};
    return block::NbdExport{"offline", name, ""};
  }
  Result<bool> close_view(const std::string&, const block::ViewSpec&, bool taken) override {
    if (++close_views == close_view_throws_at) throw std::runtime_error("close_view failed (test)");
    closed_taken += taken;
    return true;
  }
  void close_all_views() override {}

  int close_views = 0;           // close_view calls so far
  int close_view_throws_at = 0;  // the call (counted as close_views) that throws: a failure a pass does not expect
  std::set<std::string> made;
  std::map<std::string, int64_t> sizes;           // GiB, by volume
  std::map<std::string, std::string> bases;       // the base disk a volume was made over
  std::map<std::string, std::string> adopted;     // the file a volume's disk was taken from
  std::map<std::string, std::string> copies;      // "source bitmap snapshot" a volume's disk was copied from
  std::map<std::string, std::string> layers;      // "layer bitmap snapshot" put onto a volume's disk
  int opened = 0, closed_taken = 0;
  bool refuse = false;  // create, remove and open_view fail
};

// VMs as run directories, all running, each with the disks plugged into it; records pauses,
// views and growth.
class FakeVmDriver : public compute::VmDriver {
 public:
  Result<bool> start(const compute::VmSpec& spec, const std::string&) override {
    started.push_back(spec);
    return true;
  }
  Result<bool> save(const std::string& run_dir, const std::string&) override {
    saved.push_back(run_dir);
    return true;
  }
  std::string machine(const std::string&) override { return "fake"; }
  Result<bool> await_agent(const std::string&, int) override { return true; }
  Result<bool> tell_identity(const std::string& run_dir, const nlohmann::json& identity) override {
    identities[run_dir] = identity;
    return true;
  }
  bool running(const std::string&) override { return true; }
  Result<bool> power_down(const std::string&) override { return true; }
  Result<bool> press_ctrl_alt_del(const std::string&) override { return true; }
  Result<bool> reset(const std::string&) override { return true; }
  Result<bool> kill(const std::string&) override { return true; }
  Result<std::set<int>> nics(const std::string&) override { return std::set<int>{}; }
  Result<bool> plug_nic(const std::string&, const compute::NicSpec&) override { return true; }
  Result<bool> unplug_nic(const std::string&, int) override { return true; }
  Result<bool> grow_disk(const std::string& run_dir, const std::string& node, int64_t bytes) override {
    grown[run_dir + ":" + node] = bytes;
    return true;
  }
  Result<std::set<std::string>> disks(const std::string& run_dir) override { return plugged[run_dir]; }
  Result<bool> plug_disk(const std::string& run_dir, const compute::DiskSpec& disk) override {
    plugged[run_dir].insert(disk.volume_id);
    return true;
  }
  // The guest lets go of a disk only when `guest_lets_go`.
  Result<bool> unplug_disk(const std::string& run_dir, const std::string& volume_id) override {
    if (!guest_lets_go) return false;
    plugged[run_dir].erase(volume_id);
    return true;
  }
  Result<block::NbdExport> open_view(const std::string& run_dir, const std::string& node,
                                     const block::ViewSpec&) override {
    views.push_back(run_dir + ":" + node);
    return block::NbdExport{"vm", node, ""};
  }
  Result<bool> close_view(const std::string&, const std::string&, const block::ViewSpec&, bool) override { return true; }
  Result<bool> pause(const std::string&) override {
    ++pauses;
    return true;
  }
  Result<bool> resume(const std::string&) override {
    ++resumes;
    return true;
  }

  std::vector<compute::VmSpec> started;                   // in order
  std::vector<std::string> saved;                         // run directories, in order
  std::map<std::string, nlohmann::json> identities;       // told, by run directory
  std::map<std::string, std::set<std::string>> plugged;  // volume ids, by run directory
  std::map<std::string, int64_t> grown;                  // bytes, by "run_dir:node"
  std::vector<std::string> views;                        // "run_dir:node", in order
  int pauses = 0, resumes = 0;
  bool guest_lets_go = true;
};

}  // namespace stratus::reconciler::fakes
