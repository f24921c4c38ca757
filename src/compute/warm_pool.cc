#include "compute/warm_pool.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "block/block_store.h"
#include "common/digest.h"
#include "common/dir_lock.h"

namespace stratus::compute {
namespace fs = std::filesystem;
namespace {

constexpr int kAgentDeadlineSeconds = 300;  // a warm boot's start to its agent's "ready" (TCG, busy host)
// The warm VM's NIC: a tap alone in the warm boot's namespace (nothing answers there), and an
// address no instance has; each restore plugs in the instance's own tap and MAC.
constexpr const char* kWarmTap = "warm0";
constexpr const char* kWarmMac = "02:00:00:00:00:01";
// The warm boot's SMBIOS UUID: "ec2" first, as instances' are, and the rest random, so that the
// spots in its RAM naming it (where a restore writes its instance's) are found and nothing else.
constexpr const char* kWarmSmbiosUuid = "ec2d7f3a-91b6-4c58-8e0f-a5c3b9d2e461";

// How a state is laid out on disk; states of an older form have other keys and are not found.
// 4: the RAM in ram.img, apart from QEMU's stream; the spots naming the SMBIOS UUID (as text, as
// bytes, and as the machine-id systemd took from it) in layout.json.
constexpr int kStateForm = 4;

nlohmann::json layout_json(const WarmLayout& layout) {
  return {{"image_disk", layout.image_disk}, {"boot_dir", layout.boot_dir},     {"vcpus", layout.vcpus},
          {"memory_mib", layout.memory_mib}, {"root_gib", layout.root_gib},     {"nic_slots", layout.nic_slots},
          {"disk_slots", layout.disk_slots}, {"machine", layout.machine},       {"form", kStateForm}};
}

// Where the states of the image whose disk is `image_disk` live.
fs::path states_dir(const WarmLayout& layout) { return fs::path(layout.image_disk).parent_path() / "warm"; }

// Runs `argv`; throws naming `what` when it fails.
void must_run(ProcessRunner& runner, const std::vector<std::string>& argv, const std::string& what) {
  if (runner.run(argv) != 0) throw std::runtime_error("cannot " + what);
}

}  // namespace

WarmLayout warm_layout(const fs::path& image_disk, const fs::path& boot_dir, int vcpus, int64_t memory_mib,
                       int nic_slots, int64_t root_gib, VmDriver& vms) {
  WarmLayout layout;
  layout.image_disk = image_disk.string();
  layout.boot_dir = boot_dir.string();
  layout.vcpus = vcpus;
  layout.memory_mib = memory_mib;
  layout.root_gib = root_gib;
  layout.nic_slots = nic_slots;
  layout.disk_slots = kDiskSlots;
  layout.machine = vms.machine((boot_dir / "vmlinuz").string());
  return layout;
}

std::string warm_key(const WarmLayout& layout) { return to_hex(sha256(layout_json(layout).dump())).substr(0, 16); }

std::vector<UuidSpot> WarmState::uuid_spots() const {
  std::ifstream in(record());
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::vector<UuidSpot> spots;
  if (!json.is_object() || !json.contains("smbios_uuid_spots")) return spots;
  for (const auto& spot : json["smbios_uuid_spots"]) {
    if (!spot.is_array() || spot.size() != 2 || !spot[0].is_number_integer() || !spot[1].is_string()) continue;
    if (auto form = parse_uuid_form(spot[1].get<std::string>())) spots.push_back({spot[0].get<int64_t>(), *form});
  }
  return spots;
}

bool image_has_warm_agent(const fs::path& boot_dir) {
  std::ifstream in(boot_dir / "image.json");
  if (!in) return false;
  auto image = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return image.is_object() && image.value("warm_agent", false);
}

WarmPool::WarmPool(VmDriver& vms, ProcessRunner& runner, int keep, fs::path run_root, fs::path snapshots_root)
    : vms_(vms), runner_(runner), keep_(keep), run_root_(std::move(run_root)), snapshots_root_(std::move(snapshots_root)) {
  if (keep_ > 0) thread_ = std::thread([this] { loop(); });
}

WarmPool::~WarmPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    // Ending its VM ends the wait for its agent at once.
    if (!warm_run_dir_.empty()) (void)vms_.kill(warm_run_dir_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<WarmState> WarmPool::find(const WarmLayout& layout) {
  if (keep_ <= 0) return std::nullopt;
  const std::string key = warm_key(layout);
  WarmState state{states_dir(layout) / key};
  std::error_code ec;
  if (fs::exists(state.record(), ec)) {
    fs::last_write_time(state.record(), fs::file_time_type::clock::now(), ec);  // used: kept longer
    return state;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!asked_.insert(key).second) return std::nullopt;
    queue_.push_back(layout);
  }
  wake_.notify_all();
  return std::nullopt;
}

void WarmPool::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [this] { return (queue_.empty() && !busy_) || stopping_; });
}

fs::path WarmPool::snapshot_disk(const std::string& snapshot_id, const fs::path& fresh_disk) {
  if (keep_ <= 0 || snapshots_root_.empty()) return {};
  const fs::path disk = snapshots_root_ / snapshot_id / "disk.qcow2";
  std::error_code ec;
  if (fs::exists(disk, ec)) return disk;
  fs::create_directories(disk.parent_path(), ec);
  // Copied aside and renamed into place, so that a disk is whole or absent.
  const fs::path made = disk.string() + ".new";
  if (ec || runner_.run({"cp", "--sparse=always", "--reflink=auto", fresh_disk.string(), made.string()}) != 0) {
    std::fprintf(stderr, "stratus: warm pool: cannot copy %s as the disk of %s\n", fresh_disk.c_str(), snapshot_id.c_str());
    fs::remove(made, ec);
    return {};
  }
  fs::rename(made, disk, ec);
  return ec ? fs::path() : disk;
}

void WarmPool::forget_snapshots(const std::function<bool(const std::string& snapshot_id)>& exists) {
  std::error_code ec;
  if (snapshots_root_.empty() || !fs::is_directory(snapshots_root_, ec)) return;
  for (const auto& entry : fs::directory_iterator(snapshots_root_, ec)) {
    if (!exists(entry.path().filename().string())) fs::remove_all(entry.path(), ec);
  }
}

void WarmPool::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    WarmLayout layout = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      make(layout);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stratus: warm pool: no saved state for %s: %s\n", warm_key(layout).c_str(), e.what());
    }
    lock.lock();
    busy_ = false;
    wake_.notify_all();
  }
}

void WarmPool::make(const WarmLayout& layout) {
  const std::string key = warm_key(layout);
  const fs::path dir = states_dir(layout);
  fs::create_directories(dir);
  auto lock = DirLock::try_lock(dir.string(), key + ".lock");
  if (!lock) return;  // another process is making it
  const fs::path final_dir = dir / key;
  if (fs::exists(WarmState{final_dir}.record())) return;
  if (!guest_ram_fits(layout.memory_mib)) throw std::runtime_error(std::string(kGuestRamDir) + " has no room for its RAM");
  const auto began = std::chrono::steady_clock::now();
  // Made aside and renamed into place, so that a state is complete or absent.
  const fs::path made = dir / (key + ".new");
  fs::remove_all(made);
  fs::remove_all(final_dir);
  fs::create_directories(made);
  const fs::path run_dir = run_root_ / ("warm-" + key);
  const std::string netns = "stratus-warm-" + key.substr(0, 8);
  // The warm VM's RAM: a file, so the state can keep it apart from QEMU's stream, whose load
  // reads every page of a restored VM's RAM (on a kernel without the shared zero page, as this
  // project's machines run, that makes all of it resident: docs/benchmarks.md, "Warm pool").
  const fs::path ram_file = fs::path(kGuestRamDir) / ("stratus-warm-" + key + ".ram");
  fs::remove_all(run_dir);
  fs::remove(ram_file);  // left by a crash
  fs::create_directories(run_dir);
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (stopping_) {
      fs::remove_all(run_dir);
      fs::remove_all(made);
      return;
    }
    warm_run_dir_ = run_dir.string();
  }
  auto clean_up = [&] {
    {
      std::lock_guard<std::mutex> guard(mu_);
      warm_run_dir_.clear();
    }
    (void)vms_.kill(run_dir.string());
    runner_.run({"ip", "netns", "del", netns}, /*quiet=*/true);
    std::error_code ec;
    fs::remove_all(run_dir, ec);
    fs::remove(ram_file, ec);
  };
  try {
    runner_.run({"ip", "netns", "del", netns}, /*quiet=*/true);  // left by a crash
    must_run(runner_, {"ip", "netns", "add", netns}, "add namespace " + netns);
    must_run(runner_, {"ip", "-n", netns, "tuntap", "add", "dev", kWarmTap, "mode", "tap"}, "add the warm boot's tap");
    must_run(runner_, {"ip", "-n", netns, "link", "set", kWarmTap, "up"}, "bring the warm boot's tap up");
    const std::string disk = (made / "disk.qcow2").string();
    must_run(runner_, {"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", layout.image_disk, disk,
                       std::to_string(layout.root_gib) + "G"},
             "create the warm boot's disk");
    must_run(runner_, {"qemu-img", "bitmap", "--add", "--granularity", std::to_string(block::kBlockSize), disk,
                       kWarmWritesBitmap},
             "add a bitmap to the warm boot's disk");
    VmSpec spec;
    spec.name = "stratus-warm-" + key;
    spec.vcpus = layout.vcpus;
    spec.memory_mib = layout.memory_mib;
    spec.kernel = (fs::path(layout.boot_dir) / "vmlinuz").string();
    spec.initrd = (fs::path(layout.boot_dir) / "initrd.img").string();
    spec.cmdline = std::string(kKernelCmdline) + " stratus.warm=1";
    spec.root_disk = disk;
    spec.nics = {{kWarmTap, kWarmMac, 0}};
    spec.nic_slots = layout.nic_slots;
    spec.disk_slots = layout.disk_slots;
    spec.run_dir = run_dir.string();
    spec.ram_file = ram_file.string();
    spec.smbios_uuid = kWarmSmbiosUuid;
    spec.identity_port = true;
    spec.background = true;  // the instances launched meanwhile come first
    auto step = vms_.start(spec, netns);
    if (step.ok()) step = vms_.await_agent(spec.run_dir, kAgentDeadlineSeconds);
    const WarmState making{made};
    if (step.ok()) step = vms_.save(spec.run_dir, making.state().string());
    if (!step.ok()) throw std::runtime_error(step.error().message);
    must_run(runner_, {"cp", "--sparse=always", ram_file.string(), making.ram().string()},
             "keep the warm boot's RAM");
    auto spots = find_uuid_spots(making.ram(), kWarmSmbiosUuid);
    if (!spots.ok()) throw std::runtime_error(spots.error().message);
    // The firmware's table holds it at least: none found means restores could not rename it.
    if (spots.value().empty()) throw std::runtime_error("the warm boot's RAM does not name its SMBIOS UUID");
    fs::copy_file(run_dir / "console.log", made / "console.log");
    nlohmann::json record = layout_json(layout);
    record["smbios_uuid_spots"] = nlohmann::json::array();
    for (const UuidSpot& spot : spots.value()) {
      record["smbios_uuid_spots"].push_back({spot.offset, uuid_form_name(spot.form)});
    }
    record["seconds_to_make"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::ofstream(making.record()) << record.dump(2) << "\n";
    fs::rename(made, final_dir);
  } catch (...) {
    clean_up();
    std::error_code ec;
    fs::remove_all(made, ec);
    throw;
  }
  clean_up();
  evict(dir, final_dir);
}

void WarmPool::evict(const fs::path& states, const fs::path& spared) {
  std::vector<std::pair<fs::file_time_type, fs::path>> kept;
  for (const auto& entry : fs::directory_iterator(states)) {
    std::error_code ec;
    auto used = fs::last_write_time(WarmState{entry.path()}.record(), ec);
    if (!ec && entry.path() != spared) kept.emplace_back(used, entry.path());
  }
  std::sort(kept.begin(), kept.end());
  // The spared state counts against the limit too.
  for (size_t i = 0; i + static_cast<size_t>(keep_) < kept.size() + 1; ++i) {
    std::error_code ec;
    fs::remove_all(kept[i].second, ec);
  }
}

}  // namespace stratus::compute
