#include "reconciler/snapshot_reconciler.h"

#include <algorithm>
#include <cstdio>

#include "block/nbd_disk.h"
#include "common/timestamp.h"
#include "model/image.h"
#include "reconciler/disk_host.h"

namespace stratus::reconciler {
namespace {

using model::SnapshotState;
using model::VolumeState;

// Attempts at a snapshot (each from a new view) before it ends in error.
constexpr int kAttempts = 3;

// Reads the view `target` into the block store (counting from `since`, when given), writes the
// manifest of `snapshot_id` and sets `added_bytes` to the bytes of the blocks `since` did not
// hold. Runs on a job's thread.
Result<bool> take(const SnapshotReconciler::DiskOpener& open, block::NbdExport target,
                  std::optional<block::Manifest> since, block::BlockStore& blocks,
                  const block::ManifestStore& manifests, const std::string& snapshot_id,
                  std::shared_ptr<std::atomic<int>> progress, std::shared_ptr<std::atomic<int64_t>> added_bytes) {
  auto disk = open(target);
  if (!disk.ok()) return disk.error();
  auto manifest = block::copy_blocks(*disk.value(), blocks, since ? &*since : nullptr,
                                     [&](int percent) { progress->store(percent); });
  if (!manifest.ok()) return manifest.error();
  int64_t added = 0;
  for (const auto& [index, hash] : manifest.value().blocks) {
    bool held = false;
    if (since) {
      auto before = since->blocks.find(index);
      held = before != since->blocks.end() && before->second == hash;
    }
    if (!held) ++added;
  }
  added_bytes->store(added * static_cast<int64_t>(block::kBlockSize));
  return manifests.write(snapshot_id, manifest.value());
}

// Writes the blocks of `manifest` into the disk exported at `target`. Runs on a job's thread.
Result<bool> fill(const SnapshotReconciler::DiskOpener& open, block::NbdExport target, block::Manifest manifest,
                  const block::BlockStore& blocks, std::shared_ptr<std::atomic<int>> progress) {
  auto disk = open(target);
  if (!disk.ok()) return disk.error();
  auto written = block::restore_blocks(manifest, blocks, *disk.value(), [&](int percent) { progress->store(percent); });
  if (!written.ok()) return written;
  return disk.value()->flush();
}

// A job that has already ended with `outcome`.
std::future<Result<bool>> ended(Result<bool> outcome) {
  std::promise<Result<bool>> promise;
  promise.set_value(std::move(outcome));
  return promise.get_future();
}

}  // namespace

SnapshotReconciler::~SnapshotReconciler() {
  for (auto& [id, job] : jobs_) job.done.wait();
}

bool SnapshotReconciler::holds_disk(const std::string& volume_id) const {
  for (const auto& [id, job] : jobs_) {
    if (job.volume_id == volume_id && !job.in_vm) return true;
  }
  return false;
}

bool SnapshotReconciler::reads_in_vm(const std::string& volume_id) const {
  for (const auto& [id, job] : jobs_) {
    if (job.volume_id == volume_id && job.in_vm) return true;
  }
  return false;
}

void SnapshotReconciler::observe(const std::string& id, const std::function<void(model::SnapshotStatus&)>& change) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record) return;
  model::Snapshot snapshot = model::snapshot_from_doc(record->doc);
  if (snapshot.status.state != SnapshotState::kPending) return;
  change(snapshot.status);
  record->doc = model::snapshot_doc(snapshot);
  txn->put(*record);
  txn->commit();
}

void SnapshotReconciler::reconcile(const DiskLookup& open_disk) {
  if (!recovered_) {
    disks_.close_all_views();  // a previous process's storage daemons; their jobs start again
    recovered_ = true;
    // Blocks an interrupted snapshot stored and nothing names.
    if (host_id_.empty()) collect_garbage(/*sweep_anyway=*/true);
  }
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    if (job.done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      int now = job.progress->load();
      if (!job.restore && now != job.reported) {
        job.reported = now;
        observe(job.snapshot_id, [now](model::SnapshotStatus& s) { s.progress = std::min(now, 99); });
      }
      ++it;
      continue;
    }
    // Out of jobs_ before it is finished: a finish that throws (a store write failing) leaves the
    // snapshot pending or the volume unfilled, which the next pass starts again, instead of a job
    // whose result was taken and that every later pass would fail to finish.
    Job ended_job = std::move(job);
    it = jobs_.erase(it);
    finish(ended_job);
  }
  start_due(open_disk);
  if (!host_id_.empty()) return;  // the region's own server does the rest
  settle_images();
  collect_garbage(/*sweep_anyway=*/false);
}

void SnapshotReconciler::finish(Job& job) {
  Result<bool> outcome = job.done.get();
  bool ok = outcome.ok();
  if (job.restore) {
    Result<bool> closed = disks_.close_view(job.view_name, job.view, ok);
    if (ok && !closed.ok()) outcome = closed, ok = false;
    if (!ok) std::fprintf(stderr, "stratus: filling %s from %s: %s\n", job.volume_id.c_str(),
                          job.snapshot_id.c_str(), outcome.error().message.c_str());
    auto txn = store_.begin_write();
    auto record = txn->get(job.volume_id);
    if (!record) return;
    model::Volume volume = model::volume_from_doc(record->doc);
    if (volume.status.filled) return;
    volume.status.filled = ok;
    if (volume.status.state == VolumeState::kCreating) volume.status.state = ok ? VolumeState::kAvailable : VolumeState::kError;
    else if (!ok) volume.status.state = VolumeState::kError;
    record->doc = model::volume_doc(volume);
    txn->put(*record);
    txn->commit();
    return;
  }
  bool exists = false;
  {
    auto txn = store_.begin_read();
    exists = txn->get(job.snapshot_id).has_value();
  }
  if (!job.view_name.empty() || job.in_vm) {
    // A deleted snapshot's bitmap is folded into the next one's base rather than dropped.
    Result<bool> closed = job.in_vm ? vms_.close_view(job.in_vm->run_dir, job.in_vm->node, job.view, ok && exists)
                                    : disks_.close_view(job.view_name, job.view, ok && exists);
    if (ok && !closed.ok()) outcome = closed, ok = false;
  }
  if (!exists) return;  // deleted meanwhile: its manifest and blocks are collected
  if (ok) {
    failures_.erase(job.snapshot_id);
    std::string now = format_iso8601(unix_now());
    int64_t added = job.added_bytes->load();
    observe(job.snapshot_id, [&now, added](model::SnapshotStatus& s) {
      s.state = SnapshotState::kCompleted;
      s.progress = 100;
      s.completion_time = now;
      s.added_bytes = added;
    });
    return;
  }
  std::fprintf(stderr, "stratus: snapshot %s: %s\n", job.snapshot_id.c_str(), outcome.error().message.c_str());
  manifests_.remove(job.snapshot_id);
  if (++failures_[job.snapshot_id] < kAttempts) return;  // a new view next pass
  failures_.erase(job.snapshot_id);
  std::string message = outcome.error().message;
  observe(job.snapshot_id, [&message](model::SnapshotStatus& s) {
    s.state = SnapshotState::kError;
    s.state_message = message;
  });
}

void SnapshotReconciler::start_due(const DiskLookup& open_disk) {
  std::vector<DueSnapshot> pending;
  std::vector<model::Snapshot> idle;  // being written through the EBS direct APIs
  std::vector<model::Volume> unfilled;
  quiet_instances_.clear();
  {
    auto txn = store_.begin_read();
    for (const store::Record& record : txn->list("snapshot", std::nullopt)) {
      DueSnapshot due{model::snapshot_from_doc(record.doc), std::nullopt, ""};
      if (due.snapshot.status.state != SnapshotState::kPending) continue;
      if (auto volume = txn->get(due.snapshot.spec.volume_id)) {
        due.volume = model::volume_from_doc(volume->doc);
        due.region = volume->region;
      }
      if ((due.volume ? disk_host(*txn, *due.volume) : "") != host_id_) continue;  // another host's
      if (due.snapshot.spec.quiesce && due.volume && due.volume->spec.attachment) {
        quiet_instances_.insert(due.volume->spec.attachment->instance_id);
      }
      if (due.snapshot.spec.direct) idle.push_back(std::move(due.snapshot));
      else if (!jobs_.count(record.id)) pending.push_back(std::move(due));
    }
    for (const store::Record& record : txn->list("volume", std::nullopt)) {
      model::Volume volume = model::volume_from_doc(record.doc);
      bool live = volume.status.state == VolumeState::kCreating || volume.status.state == VolumeState::kInUse;
      if (volume.status.filled || !live || jobs_.count(record.id) || disk_host(*txn, volume) != host_id_) continue;
      unfilled.push_back(std::move(volume));
    }
  }
  for (const model::Snapshot& direct : idle) expire_if_idle(direct);
  for (const model::Volume& volume : unfilled) start_restore(volume);
  std::set<std::string> paused;  // run directories of VMs held still while a batch's views open
  for (const DueSnapshot& due : pending) {
    try {
      if (!due.snapshot.spec.batch.empty()) hold_still(due, open_disk, paused);
      start_snapshot(due, open_disk);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stratus: snapshot %s: %s\n", due.snapshot.spec.snapshot_id.c_str(), e.what());
    }
  }
  for (const std::string& run_dir : paused) {
    auto resumed = vms_.resume(run_dir);
    if (!resumed.ok()) std::fprintf(stderr, "stratus: resuming %s: %s\n", run_dir.c_str(), resumed.error().message.c_str());
  }
}

void SnapshotReconciler::expire_if_idle(const model::Snapshot& direct) {
  const std::string& id = direct.spec.snapshot_id;
  int64_t last = parse_iso8601(direct.spec.start_time).value_or(0);
  last = std::max(last, manifests_.partial_written_at(id).value_or(0));
  int64_t timeout = direct.spec.timeout_minutes;
  if (timeout <= 0 || unix_now() - last <= timeout * 60) return;
  observe(id, [timeout](model::SnapshotStatus& s) {
    s.state = SnapshotState::kError;
    s.state_message = "Nothing was written to the snapshot, nor was it completed, for " + std::to_string(timeout) +
                      " minutes (its timeout).";
  });
}

void SnapshotReconciler::hold_still(const DueSnapshot& due, const DiskLookup& open_disk,
                                    std::set<std::string>& paused) {
  if (!due.volume || due.volume->status.state != VolumeState::kInUse) return;
  auto disk = open_disk(*due.volume);
  if (!disk || due.snapshot.spec.quiesce || paused.count(disk->run_dir)) return;
  if (vms_.pause(disk->run_dir).ok()) paused.insert(disk->run_dir);
}

std::string SnapshotReconciler::since_of(const std::string& region, const model::Volume& volume) {
  std::string best, best_time;
  auto txn = store_.begin_read();
  for (const store::Record& record : txn->find("snapshot", region, "Spec.VolumeId", volume.spec.volume_id)) {
    model::Snapshot s = model::snapshot_from_doc(record.doc);
    if (s.status.state != SnapshotState::kCompleted || !manifests_.exists(record.id)) continue;
    if (s.spec.start_time > best_time || (s.spec.start_time == best_time && record.id > best)) {
      best = record.id;
      best_time = s.spec.start_time;
    }
  }
  if (best.empty() && !volume.spec.snapshot_id.empty() && manifests_.exists(volume.spec.snapshot_id)) {
    best = volume.spec.snapshot_id;
  }
  return best;
}

bool SnapshotReconciler::start_snapshot(const DueSnapshot& due, const DiskLookup& open_disk) {
  const model::Snapshot& snapshot = due.snapshot;
  const std::string& id = snapshot.spec.snapshot_id;
  Job job;
  job.snapshot_id = id;
  if (!snapshot.spec.import_from.empty()) return start_import(snapshot);
  if (!snapshot.spec.source_snapshot.empty()) {  // a copy: the blocks are shared, the manifest is copied
    auto source = manifests_.read(snapshot.spec.source_snapshot);
    job.done = ended(source.ok() ? manifests_.write(id, source.value()) : Result<bool>(source.error()));
    jobs_.emplace(id, std::move(job));
    return true;
  }
  const std::optional<model::Volume>& volume = due.volume;
  if (!volume) {
    job.done = ended(ApiError{"InternalError", "its volume was deleted before it could be read"});
    failures_[id] = kAttempts;  // no point in trying again
    jobs_.emplace(id, std::move(job));
    return true;
  }
  const std::string& volume_id = volume->spec.volume_id;
  for (const auto& [other, running] : jobs_) {
    if (running.volume_id == volume_id) return false;  // one view of a disk at a time
  }
  job.volume_id = volume_id;
  if (!disks_.exists(volume_id)) {
    if (!volume->spec.base_image.empty() || !volume->status.filled) return false;  // its disk is yet to be made
    // Never used: an empty disk of its size.
    block::Manifest empty{volume->spec.size_gib << 30, {}};
    job.volume_id.clear();
    job.done = ended(manifests_.write(id, empty));
    jobs_.emplace(id, std::move(job));
    return true;
  }
  std::string since = since_of(due.region, *volume);
  std::optional<block::Manifest> since_manifest;
  if (!since.empty()) {
    auto read = manifests_.read(since);
    if (read.ok()) since_manifest = std::move(read.value());
    else since.clear();
  }
  job.view = block::ViewSpec{id, since, block::ViewMode::kRead};
  if (volume->status.state == VolumeState::kInUse) job.in_vm = open_disk(*volume);
  if (!job.in_vm) job.view_name = volume_id;
  if (job.in_vm && snapshot.spec.quiesce) return false;  // its VM is being powered down first
  auto target = job.in_vm ? vms_.open_view(job.in_vm->run_dir, job.in_vm->node, job.view)
                          : disks_.open_view(volume_id, disks_.path(volume_id), job.view);
  if (!target.ok()) {
    job.done = ended(target.error());
  } else {
    if (target.value().changed_bitmap.empty()) since_manifest.reset();  // no bitmap: read it all
    job.done = std::async(std::launch::async, take, std::cref(open_), target.value(), std::move(since_manifest),
                          std::ref(blocks_), std::cref(manifests_), id, job.progress, job.added_bytes);
  }
  jobs_.emplace(id, std::move(job));
  return true;
}

bool SnapshotReconciler::start_import(const model::Snapshot& snapshot) {
  const std::string& id = snapshot.spec.snapshot_id;
  const std::string& file = snapshot.spec.import_from;
  Job job;
  job.snapshot_id = id;
  {
    // Another region's import of the same disk serves: blocks are shared, the manifest is copied.
    auto txn = store_.begin_read();
    for (const store::Record& record : txn->list("snapshot", std::nullopt)) {
      model::Snapshot other = model::snapshot_from_doc(record.doc);
      if (other.spec.import_from != file || other.status.state != SnapshotState::kCompleted) continue;
      auto manifest = manifests_.read(record.id);
      if (!manifest.ok()) continue;
      job.done = ended(manifests_.write(id, manifest.value()));
      jobs_.emplace(id, std::move(job));
      return true;
    }
  }
  for (const auto& [other, running] : jobs_) {
    if (running.volume_id == file) return false;  // one import of a disk at a time; the rest copy it
  }
  job.volume_id = file;
  job.view_name = id;
  job.view = block::ViewSpec{id, "", block::ViewMode::kImport};
  auto target = disks_.open_view(id, file, job.view);
  job.done = target.ok() ? std::async(std::launch::async, take, std::cref(open_), target.value(), std::nullopt,
                                      std::ref(blocks_), std::cref(manifests_), id, job.progress, job.added_bytes)
                         : ended(target.error());
  jobs_.emplace(id, std::move(job));
  return true;
}

void SnapshotReconciler::start_restore(const model::Volume& volume) {
  const std::string& id = volume.spec.volume_id;
  Job job;
  job.snapshot_id = volume.spec.snapshot_id;
  job.volume_id = id;
  job.view_name = id;
  job.restore = true;
  job.view = block::ViewSpec{id, volume.spec.snapshot_id, block::ViewMode::kFill};
  auto manifest = manifests_.read(volume.spec.snapshot_id);
  if (!manifest.ok()) {
    job.done = ended(manifest.error());
    jobs_.emplace(id, std::move(job));
    return;
  }
  // Made afresh: what an interrupted fill left is not trusted.
  (void)disks_.close_view(id, job.view, false);
  auto removed = disks_.remove(id);
  auto made = removed.ok() ? disks_.create(id, volume.spec.size_gib, "") : removed;
  auto target = made.ok() ? disks_.open_view(id, disks_.path(id), job.view) : Result<block::NbdExport>(made.error());
  if (!target.ok()) {
    job.done = ended(target.error());
  } else {
    job.done = std::async(std::launch::async, fill, std::cref(open_), target.value(), std::move(manifest.value()),
                          std::cref(blocks_), job.progress);
  }
  jobs_.emplace(id, std::move(job));
}

void SnapshotReconciler::settle_images() {
  // Read first: most passes have no pending image, and a write transaction would wait for the
  // API's writes for nothing.
  std::vector<std::pair<std::string, std::string>> settled;  // image id -> why it failed ("" for available)
  {
    auto txn = store_.begin_read();
    for (const store::Record& record : txn->list("image", std::nullopt)) {
      model::Image image = model::image_from_doc(record.doc);
      if (image.status.state != model::ImageState::kPending) continue;
      bool done = true;
      std::string failure;
      for (const nlohmann::json& mapping : image.api.value("BlockDeviceMappings", nlohmann::json::array())) {
        std::string id = mapping.value("Ebs", nlohmann::json::object()).value("SnapshotId", "");
        if (id.empty()) continue;
        auto snapshot = txn->get(id);
        if (!snapshot) {
          failure = "its snapshot " + id + " was deleted";
          break;
        }
        model::Snapshot s = model::snapshot_from_doc(snapshot->doc);
        if (s.status.state == SnapshotState::kError) {
          failure = "its snapshot " + id + " failed: " + s.status.state_message;
          break;
        }
        done = done && s.status.state == SnapshotState::kCompleted;
      }
      if (!failure.empty() || done) settled.emplace_back(record.id, failure);
    }
  }
  if (settled.empty()) return;
  auto txn = store_.begin_write();
  for (const auto& [id, failure] : settled) {
    auto current = txn->get(id);  // as it is now (the API may have changed it meanwhile)
    if (!current) continue;
    model::Image image = model::image_from_doc(current->doc);
    if (image.status.state != model::ImageState::kPending) continue;
    image.status.state = failure.empty() ? model::ImageState::kAvailable : model::ImageState::kFailed;
    image.status.state_reason = failure;
    current->doc = model::image_doc(image);
    txn->put(*current);
  }
  txn->commit();
}

void SnapshotReconciler::collect_garbage(bool sweep_anyway) {
  if (!jobs_.empty()) return;
  bool removed = false;
  {
    auto txn = store_.begin_read();
    for (const std::string& id : manifests_.ids()) {
      if (txn->get(id)) continue;
      manifests_.remove(id);
      removed = true;
    }
    for (const std::string& id : manifests_.partial_ids()) {
      auto record = txn->get(id);
      if (record && model::snapshot_from_doc(record->doc).status.state == SnapshotState::kPending) continue;
      manifests_.remove_partial(id);
      removed = true;
    }
  }
  if (!removed && !sweep_anyway) return;
  auto sweeping = manifests_.sweeping();
  auto live = manifests_.live_blocks();
  if (!live.ok()) {
    std::fprintf(stderr, "stratus: not sweeping the block store: %s\n", live.error().message.c_str());
    return;
  }
  auto swept = blocks_.sweep(live.value());
  if (!swept.ok()) std::fprintf(stderr, "stratus: sweeping the block store: %s\n", swept.error().message.c_str());
}

}  // namespace stratus::reconciler
