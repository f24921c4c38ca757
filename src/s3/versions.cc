// S3Service's versions: the staging of writes by the bucket's versioning rules, versioning's
// state, ListObjectVersions.

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/rest_members.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/timestamp.h"
#include "s3/staging.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

std::string new_version_id() {
  std::string id = base64_encode(random_bytes(24));
  for (char& c : id) c = c == '+' ? '.' : c == '/' ? '_' : c;  // URL-safe, as S3's
  return id;
}

}  // namespace

const S3Service::KeyVersions& S3Service::Staging::versions(Bucket& bucket, const std::string& key) {
  auto where = std::make_pair(&bucket, key);
  auto it = touched_.find(where);
  if (it != touched_.end()) return it->second;
  KeyVersions state;
  {
    std::shared_lock lock(service_.mu_);
    auto current = bucket.objects.find(key);
    if (current != bucket.objects.end()) state.current = current->second;
    auto older = bucket.history.find(key);
    if (older != bucket.history.end()) state.older = older->second;
  }
  return touched_.emplace(where, std::move(state)).first->second;
}

std::shared_ptr<const json> S3Service::Staging::put_version(Bucket& bucket, const std::string& key, json doc) {
  std::string name = bucket.doc.value("Name", "");
  std::string mode = service_.versioning(bucket);
  versions(bucket, key);
  KeyVersions& state = touched_[std::make_pair(&bucket, key)];
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  service_.last_sequence_ = std::max(service_.last_sequence_ + 1, now_ns);
  doc["Sequence"] = service_.last_sequence_;
  doc["VersionId"] = mode == "Enabled" ? new_version_id() : "null";
  auto version = std::make_shared<const json>(std::move(doc));
  tx_.put({object_record_id(name, key, (*version)["VersionId"]), "s3-object", bucket.doc.value("Region", ""), *version});
  if (mode != "Enabled") {
    // The null version is replaced (same record id): its bytes go, wherever it is.
    auto is_null = [](const std::shared_ptr<const json>& v) { return v && v->value("VersionId", "") == "null"; };
    if (is_null(state.current)) {
      if (state.current->contains("Data")) doomed_.push_back((*state.current)["Data"]);
      state.current = nullptr;
    }
    for (auto it = state.older.begin(); it != state.older.end();) {
      if (!is_null(*it)) {
        ++it;
        continue;
      }
      if ((*it)->contains("Data")) doomed_.push_back((**it)["Data"]);
      it = state.older.erase(it);
    }
  }
  if (state.current) state.older.insert(state.older.begin(), state.current);
  state.current = version;
  return version;
}

void S3Service::Staging::replace_version(Bucket& bucket, const std::string& key, json doc) {
  versions(bucket, key);
  KeyVersions& state = touched_[std::make_pair(&bucket, key)];
  auto version = std::make_shared<const json>(std::move(doc));
  std::string id = (*version)["VersionId"];
  tx_.put({object_record_id(bucket.doc.value("Name", ""), key, id), "s3-object", bucket.doc.value("Region", ""), *version});
  if (state.current && state.current->value("VersionId", "") == id) state.current = version;
  for (auto& older : state.older) {
    if (older->value("VersionId", "") == id) older = version;
  }
}

std::shared_ptr<const json> S3Service::Staging::remove_version(Bucket& bucket, const std::string& key,
                                                              const std::string& version_id) {
  versions(bucket, key);
  KeyVersions& state = touched_[std::make_pair(&bucket, key)];
  std::shared_ptr<const json> removed;
  if (state.current && state.current->value("VersionId", "") == version_id) {
    removed = state.current;
    state.current = nullptr;
    if (!state.older.empty()) {
      state.current = state.older.front();
      state.older.erase(state.older.begin());
    }
  } else {
    for (auto it = state.older.begin(); it != state.older.end(); ++it) {
      if ((*it)->value("VersionId", "") != version_id) continue;
      removed = *it;
      state.older.erase(it);
      break;
    }
  }
  if (!removed) return nullptr;
  tx_.erase(object_record_id(bucket.doc.value("Name", ""), key, version_id));
  if (removed->contains("Data")) doomed_.push_back((*removed)["Data"]);
  return removed;
}

void S3Service::Staging::apply() {
  {
    std::unique_lock lock(service_.mu_);
    for (auto& [where, state] : touched_) {
      auto& [bucket, key] = where;
      if (state.current) {
        bucket->objects[key] = state.current;
      } else {
        bucket->objects.erase(key);
      }
      if (state.older.empty()) {
        bucket->history.erase(key);
      } else {
        bucket->history[key] = state.older;
      }
    }
  }
  for (const std::string& data : doomed_) service_.objects_.remove(data);
}

Result<Answer> S3Service::staged(Change& change, const std::function<Result<Answer>(Staging&)>& stage) {
  Staging staging(*this, change.tx());
  auto answer = stage(staging);
  if (!answer.ok()) return answer;  // the transaction rolls back, the index is untouched
  change.commit();
  staging.apply();
  return answer;
}

std::shared_ptr<const json> S3Service::find_version(const Bucket& bucket, const std::string& key,
                                                   const std::string& version_id) const {
  std::shared_lock lock(mu_);
  auto current = bucket.objects.find(key);
  if (current == bucket.objects.end()) return nullptr;
  if (version_id.empty() || current->second->value("VersionId", "") == version_id) return current->second;
  auto older = bucket.history.find(key);
  if (older == bucket.history.end()) return nullptr;
  for (const auto& version : older->second) {
    if (version->value("VersionId", "") == version_id) return version;
  }
  return nullptr;
}

std::string S3Service::versioning(const Bucket& bucket) const {
  std::shared_lock lock(mu_);
  return bucket.doc.value("Versioning", "");
}

Result<Answer> S3Service::list_object_versions(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  const json& request = call.request;
  std::string prefix = request.value("Prefix", "");
  std::string delimiter = request.value("Delimiter", "");
  std::string key_marker = request.value("KeyMarker", "");
  std::string version_marker = request.value("VersionIdMarker", "");
  int64_t max_keys = std::min<int64_t>(request.value("MaxKeys", int64_t{1000}), 1000);
  if (!version_marker.empty() && key_marker.empty()) {
    return ApiError{"InvalidArgument", "A version-id marker cannot be specified without a key marker."};
  }
  std::string encoding = request.value("EncodingType", "");
  auto text = [&](const std::string& s) { return encoding == "url" ? api::uri_encode(s, true) : s; };
  json versions = json::array(), markers = json::array(), prefixes = json::array();
  bool truncated = false;
  std::string next_key, next_version, last_prefix;
  int64_t count = 0;
  std::shared_lock lock(mu_);
  const Bucket& b = *bucket.value();
  for (auto it = b.objects.lower_bound(std::max(prefix, key_marker)); it != b.objects.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, prefix.size(), prefix) != 0) break;
    if (!delimiter.empty()) {
      size_t at = key.find(delimiter, prefix.size());
      if (at != std::string::npos) {
        std::string rolled = key.substr(0, at + delimiter.size());
        if (rolled == last_prefix || rolled <= key_marker) continue;
        if (count == max_keys) {
          truncated = true;
          break;
        }
        prefixes.push_back({{"Prefix", text(rolled)}});
        last_prefix = rolled;
        next_key = rolled;
        next_version.clear();
        ++count;
        continue;
      }
    }
    std::vector<std::shared_ptr<const json>> all{it->second};
    if (auto older = b.history.find(key); older != b.history.end()) all.insert(all.end(), older->second.begin(), older->second.end());
    bool skipping = key == key_marker;  // after the marker: later versions of its key, or none
    for (size_t i = 0; i < all.size(); ++i) {
      const json& v = *all[i];
      if (skipping) {
        if (!version_marker.empty() && v.value("VersionId", "") == version_marker) skipping = false;
        continue;
      }
      if (count == max_keys) {
        truncated = true;
        break;
      }
      std::string owner = v.value("Owner", call.account_id);
      json entry = {{"Key", text(key)}, {"VersionId", v.value("VersionId", "null")}, {"IsLatest", i == 0},
                    {"LastModified", v.value("LastModified", "")},
                    {"Owner", {{"ID", canonical_user_id(owner)}, {"DisplayName", owner}}}};
      if (v.value("DeleteMarker", false)) {
        markers.push_back(std::move(entry));
      } else {
        entry["ETag"] = v.value("ETag", "");
        entry["Size"] = v.value("Size", uint64_t{0});
        entry["StorageClass"] = v.value("StorageClass", "STANDARD");
        versions.push_back(std::move(entry));
      }
      next_key = key;
      next_version = v.value("VersionId", "null");
      ++count;
    }
    if (truncated) break;
  }
  Answer answer;
  json& r = answer.result;
  r = {{"Name", request.value("Bucket", "")}, {"Prefix", text(prefix)}, {"KeyMarker", text(key_marker)},
       {"VersionIdMarker", version_marker}, {"MaxKeys", max_keys}, {"IsTruncated", truncated}};
  if (!versions.empty()) r["Versions"] = versions;
  if (!markers.empty()) r["DeleteMarkers"] = markers;
  if (!prefixes.empty()) r["CommonPrefixes"] = prefixes;
  if (!delimiter.empty()) r["Delimiter"] = text(delimiter);
  if (!encoding.empty()) r["EncodingType"] = encoding;
  if (truncated) {
    r["NextKeyMarker"] = text(next_key);
    if (!next_version.empty()) r["NextVersionIdMarker"] = next_version;
  }
  return answer;
}

}  // namespace stratus::s3
