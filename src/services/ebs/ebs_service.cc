#include "services/ebs/ebs_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/base64.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/timestamp.h"
#include "model/snapshot.h"

namespace stratus::ebs {
namespace {

using nlohmann::json;
using model::SnapshotState;

// Block tokens expire a week after they are listed (they never stop working here).
constexpr int64_t kTokenLifetimeSeconds = 7 * 24 * 3600;
// The most blocks one list answers (MaxResults' default and maximum).
constexpr int64_t kMaxResults = 10000;
// The largest volume a snapshot written here may be of (GiB).
constexpr int64_t kMaxVolumeGiB = 65536;
// How long a snapshot being written waits for its next block or its completion (minutes), when
// StartSnapshot does not say.
constexpr int64_t kDefaultTimeoutMinutes = 60;

// Thrown by the actions below; call() turns it into the error.
struct Failure {
  ApiError error;
};

[[noreturn]] void fail(const std::string& code, const std::string& message) { throw Failure{{code, message}}; }

std::string str(const json& request, const char* name, const std::string& fallback = "") {
  return request.contains(name) ? request[name].get<std::string>() : fallback;
}

// The raw bytes of lower-case hex `hex`.
std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// A block's token: its hash (the SHA-256 of its bytes), base64.
std::string token_of(const std::string& hash) { return base64_encode(from_hex(hash)); }

// The base64 SHA-256 of `data`: the checksum the EBS direct APIs exchange.
std::string checksum_of(std::string_view data) { return base64_encode(sha256(data)); }

// The checksum of an all-zero block (a block stored as nothing).
const std::string& zero_checksum() {
  static const std::string checksum = checksum_of(std::string(block::kBlockSize, '\0'));
  return checksum;
}

// What one call works with.
struct Call {
  store::Store& store;
  block::BlockStore& blocks;
  const block::ManifestStore& manifests;
  const std::string& region;
  const std::string& account;
};

// The snapshot `id` of the call's region the caller may read; ResourceNotFoundException if none.
model::Snapshot visible(Call& c, const std::string& id) {
  auto txn = c.store.begin_read();
  auto record = txn->get(id);
  if (!record || record->kind != "snapshot" || record->region != c.region ||
      !model::restorable_by(model::snapshot_from_doc(record->doc), c.account)) {
    fail("ResourceNotFoundException", "The snapshot '" + id + "' does not exist.");
  }
  return model::snapshot_from_doc(record->doc);
}

// The manifest of completed snapshot `id` the caller may read.
block::Manifest completed_manifest(Call& c, const std::string& id) {
  model::Snapshot snapshot = visible(c, id);
  if (snapshot.status.state != SnapshotState::kCompleted) {
    fail("ValidationException", "The snapshot '" + id + "' is not completed.");
  }
  auto manifest = c.manifests.read(id);
  if (!manifest.ok()) fail("InternalServerException", manifest.error().message);
  return manifest.value();
}

// The snapshot `id` the caller is writing (its own, started with StartSnapshot, pending).
model::Snapshot writable(Call& c, const std::string& id) {
  model::Snapshot snapshot = visible(c, id);
  if (snapshot.spec.owner_id != c.account) fail("ResourceNotFoundException", "The snapshot '" + id + "' does not exist.");
  if (!snapshot.spec.direct || snapshot.status.state != SnapshotState::kPending) {
    fail("ValidationException", "The snapshot '" + id + "' is not being written (only a pending snapshot begun with "
                                "StartSnapshot takes blocks).");
  }
  return snapshot;
}

// The first block index a list answers from: its NextToken, else StartingBlockIndex, else 0.
int64_t first_index(const json& request) {
  if (!request.contains("NextToken")) return request.value("StartingBlockIndex", int64_t{0});
  auto decoded = base64_decode(str(request, "NextToken"));
  try {
    if (decoded) return std::stoll(*decoded);
  } catch (const std::exception&) {
  }
  fail("ValidationException", "The pagination token is not valid.");
}

// The members every list answer has, for a snapshot of `size_gib`.
json list_answer(const std::string& member, const json& items, int64_t size_gib, std::optional<int64_t> next) {
  json out = {{member, items},
              {"ExpiryTime", format_iso8601(unix_now() + kTokenLifetimeSeconds)},
              {"VolumeSize", size_gib},
              {"BlockSize", block::kBlockSize}};
  if (next) out["NextToken"] = base64_encode(std::to_string(*next));
  return out;
}

json list_snapshot_blocks(Call& c, const json& request) {
  std::string id = str(request, "SnapshotId");
  block::Manifest manifest = completed_manifest(c, id);
  int64_t from = first_index(request), most = request.value("MaxResults", kMaxResults);
  json blocks = json::array();
  std::optional<int64_t> next;
  for (auto it = manifest.blocks.lower_bound(from); it != manifest.blocks.end(); ++it) {
    if (static_cast<int64_t>(blocks.size()) == most) {
      next = it->first;
      break;
    }
    blocks.push_back({{"BlockIndex", it->first}, {"BlockToken", token_of(it->second)}});
  }
  return list_answer("Blocks", blocks, manifest.size_bytes >> 30, next);
}

json list_changed_blocks(Call& c, const json& request) {
  block::Manifest second = completed_manifest(c, str(request, "SecondSnapshotId"));
  block::Manifest first;
  if (request.contains("FirstSnapshotId")) first = completed_manifest(c, str(request, "FirstSnapshotId"));
  std::set<int64_t> indexes;
  for (const auto& [index, hash] : second.blocks) indexes.insert(index);
  for (const auto& [index, hash] : first.blocks) indexes.insert(index);
  int64_t from = first_index(request), most = request.value("MaxResults", kMaxResults);
  json changed = json::array();
  std::optional<int64_t> next;
  for (auto it = indexes.lower_bound(from); it != indexes.end(); ++it) {
    auto a = first.blocks.find(*it), b = second.blocks.find(*it);
    bool in_first = a != first.blocks.end(), in_second = b != second.blocks.end();
    if (in_first && in_second && a->second == b->second) continue;
    if (static_cast<int64_t>(changed.size()) == most) {
      next = *it;
      break;
    }
    json block = {{"BlockIndex", *it}};
    if (in_first) block["FirstBlockToken"] = token_of(a->second);
    if (in_second) block["SecondBlockToken"] = token_of(b->second);
    changed.push_back(std::move(block));
  }
  return list_answer("ChangedBlocks", changed, second.size_bytes >> 30, next);
}

json get_snapshot_block(Call& c, const json& request) {
  block::Manifest manifest = completed_manifest(c, str(request, "SnapshotId"));
  int64_t index = request["BlockIndex"].get<int64_t>();
  auto found = manifest.blocks.find(index);
  if (found == manifest.blocks.end() || token_of(found->second) != str(request, "BlockToken")) {
    fail("ValidationException", "The block token is not valid for block " + std::to_string(index) + ".");
  }
  auto data = c.blocks.get(found->second);
  if (!data.ok()) fail("InternalServerException", data.error().message);  // missing or corrupt: never served
  std::string bytes = std::move(data.value());
  bytes.resize(block::kBlockSize, '\0');
  return {{"BlockData", bytes},
          {"DataLength", static_cast<int64_t>(bytes.size())},
          {"Checksum", checksum_of(bytes)},
          {"ChecksumAlgorithm", "SHA256"}};
}

// What StartSnapshot answers for `snapshot`, begun by `request`.
json started(const model::Snapshot& snapshot, const json& request) {
  const model::SnapshotSpec& spec = snapshot.spec;
  json out = {{"SnapshotId", spec.snapshot_id},
              {"OwnerId", spec.owner_id},
              {"Status", std::string(model::snapshot_state_name(snapshot.status.state))},
              {"StartTime", spec.start_time},
              {"VolumeSize", spec.volume_size_gib},
              {"BlockSize", block::kBlockSize},
              {"Tags", snapshot.tags}};
  if (!spec.description.empty()) out["Description"] = spec.description;
  if (request.contains("ParentSnapshotId")) out["ParentSnapshotId"] = request["ParentSnapshotId"];
  return out;
}

// The digest of a StartSnapshot request apart from its ClientToken: a repeat must match it.
std::string request_digest(json request) {
  request.erase("ClientToken");
  return to_hex(sha256(request.dump()));
}

json start_snapshot(Call& c, const json& request) {
  int64_t size_gib = request["VolumeSize"].get<int64_t>();
  if (size_gib > kMaxVolumeGiB) fail("ValidationException", "The volume size must be at most 65536 GiB.");
  std::string parent = str(request, "ParentSnapshotId");
  if (!parent.empty() && request.contains("Encrypted")) {
    fail("ValidationException", "ParentSnapshotId and Encrypted cannot be given together.");
  }
  block::Manifest base{size_gib << 30, {}};
  if (!parent.empty()) {
    block::Manifest inherited = completed_manifest(c, parent);
    if (inherited.size_bytes > base.size_bytes) {
      fail("ValidationException", "The volume size must be at least the parent snapshot's.");
    }
    base.blocks = std::move(inherited.blocks);
  }
  std::string description = str(request, "Description");
  model::Snapshot snapshot;
  model::SnapshotSpec& spec = snapshot.spec;
  spec.snapshot_id = new_resource_id("snap");
  spec.volume_id = "vol-ffffffff";  // written through the API: of no volume here
  spec.volume_size_gib = size_gib;
  spec.description = description;
  spec.encrypted = request.value("Encrypted", false);
  spec.owner_id = c.account;
  spec.start_time = format_iso8601(unix_now());
  spec.direct = true;
  spec.client_token = str(request, "ClientToken");
  spec.request_digest = request_digest(request);
  spec.timeout_minutes = request.value("Timeout", kDefaultTimeoutMinutes);
  snapshot.tags = request.value("Tags", json::array());
  auto writing = c.manifests.writing();  // the partial manifest and the record appear together for the sweep
  auto txn = c.store.begin_write();      // one writer at a time: a token's repeats see its first snapshot
  if (!spec.client_token.empty()) {
    for (const store::Record& record : txn->find("snapshot", c.region, "Spec.ClientToken", spec.client_token)) {
      model::Snapshot earlier = model::snapshot_from_doc(record.doc);
      if (earlier.spec.owner_id != c.account) continue;
      if (earlier.spec.request_digest != spec.request_digest) {
        fail("ConflictException", "The request uses the same client token as a previous, but non-identical request.");
      }
      return started(earlier, request);
    }
  }
  auto begun = c.manifests.begin_partial(spec.snapshot_id, base);
  if (!begun.ok()) fail("InternalServerException", begun.error().message);
  txn->put({spec.snapshot_id, "snapshot", c.region, model::snapshot_doc(snapshot)});
  txn->commit();
  return started(snapshot, request);
}

json put_snapshot_block(Call& c, const json& request) {
  std::string id = str(request, "SnapshotId");
  model::Snapshot snapshot = writable(c, id);
  int64_t index = request["BlockIndex"].get<int64_t>();
  if (index >= (snapshot.spec.volume_size_gib << 30) / static_cast<int64_t>(block::kBlockSize)) {
    fail("ValidationException", "Block index " + std::to_string(index) + " is beyond the volume's size.");
  }
  const std::string& data = request["BlockData"].get_ref<const std::string&>();
  if (request["DataLength"].get<int64_t>() != static_cast<int64_t>(block::kBlockSize) || data.size() != block::kBlockSize) {
    fail("ValidationException", "DataLength must be 524288, and the body that many bytes.");
  }
  if (str(request, "ChecksumAlgorithm") != "SHA256") fail("ValidationException", "ChecksumAlgorithm must be SHA256.");
  std::string checksum = checksum_of(data);
  if (str(request, "Checksum") != checksum) fail("ValidationException", "The checksum does not match the block's data.");
  {
    auto writing = c.manifests.writing();  // stored and named before a sweep may look
    auto hash = c.blocks.put(data);
    if (!hash.ok()) fail("InternalServerException", hash.error().message);
    auto recorded = c.manifests.record_block(id, index, hash.value());
    if (!recorded.ok()) fail("InternalServerException", recorded.error().message);
  }
  return {{"Checksum", checksum}, {"ChecksumAlgorithm", "SHA256"}};
}

json complete_snapshot(Call& c, const json& request) {
  std::string id = str(request, "SnapshotId");
  writable(c, id);
  std::set<int64_t> written;
  auto partial = c.manifests.read_partial(id, &written);
  if (!partial.ok()) fail("InternalServerException", partial.error().message);
  if (request["ChangedBlocksCount"].get<int64_t>() != static_cast<int64_t>(written.size())) {
    fail("ValidationException", "ChangedBlocksCount is " + std::to_string(request["ChangedBlocksCount"].get<int64_t>()) +
                                    " but " + std::to_string(written.size()) + " blocks were written.");
  }
  if (request.contains("Checksum")) {
    if (str(request, "ChecksumAlgorithm", "SHA256") != "SHA256" ||
        str(request, "ChecksumAggregationMethod", "LINEAR") != "LINEAR") {
      fail("ValidationException", "Only SHA256 checksums aggregated LINEAR are supported.");
    }
    // The written blocks' checksums in index order, concatenated (as base64 text, or as the
    // digests' bytes), then hashed.
    std::string as_text, as_bytes;
    for (int64_t index : written) {
      auto found = partial.value().blocks.find(index);
      std::string block_checksum = found == partial.value().blocks.end() ? zero_checksum() : token_of(found->second);
      as_text += block_checksum;
      as_bytes += *base64_decode(block_checksum);
    }
    std::string given = str(request, "Checksum");
    if (given != checksum_of(as_text) && given != checksum_of(as_bytes)) {
      fail("ValidationException", "The aggregated checksum does not match the blocks written.");
    }
  }
  {
    auto writing = c.manifests.writing();
    auto done = c.manifests.write(id, partial.value());
    if (!done.ok()) fail("InternalServerException", done.error().message);
    c.manifests.remove_partial(id);
    auto txn = c.store.begin_write();
    auto record = txn->get(id);
    if (record) {
      model::Snapshot snapshot = model::snapshot_from_doc(record->doc);
      snapshot.status.state = SnapshotState::kCompleted;
      snapshot.status.progress = 100;
      snapshot.status.completion_time = format_iso8601(unix_now());
      record->doc = model::snapshot_doc(snapshot);
      txn->put(*record);
      txn->commit();
    }
  }
  return {{"Status", "completed"}};
}

using Action = json (*)(Call&, const json&);

const std::map<std::string, std::pair<Action, bool>, std::less<>>& actions() {
  static const std::map<std::string, std::pair<Action, bool>, std::less<>> table = {
      {"ListSnapshotBlocks", {list_snapshot_blocks, false}}, {"ListChangedBlocks", {list_changed_blocks, false}},
      {"GetSnapshotBlock", {get_snapshot_block, false}},     {"StartSnapshot", {start_snapshot, true}},
      {"PutSnapshotBlock", {put_snapshot_block, true}},      {"CompleteSnapshot", {complete_snapshot, true}}};
  return table;
}

}  // namespace

bool EbsService::implements(std::string_view action) const { return actions().count(action) > 0; }

bool EbsService::mutates(std::string_view action) const {
  auto it = actions().find(action);
  return it != actions().end() && it->second.second;
}

Result<json> EbsService::call(const api::ServiceCall& call) {
  Call c{store_, blocks_, manifests_, call.region, call.account_id};
  try {
    return actions().find(call.action)->second.first(c, call.request);
  } catch (const Failure& failure) {
    return failure.error;
  } catch (const std::exception& e) {  // a request the decoder let through that an action cannot take
    return ApiError{"InternalServerException", e.what()};
  }
}

std::vector<Result<json>> EbsService::call_batch(const std::vector<api::ServiceCall>& calls) {
  std::vector<Result<json>> out;
  for (const api::ServiceCall& call : calls) out.push_back(this->call(call));
  return out;
}

}  // namespace stratus::ebs
