// S3Service's multipart uploads: create, upload a part (streamed, see S3Service::begin_upload) or
// copy one from an object, complete (AWS's part rules; the -N ETag), abort, list parts and
// uploads. Each upload is an "s3-upload" record; each part an "s3-part" record naming its bytes.

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/digest.h"
#include "common/timestamp.h"
#include "s3/conditions.h"
#include "s3/public_access.h"
#include "s3/s3_service.h"
#include "s3/staging.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

constexpr int kMaxPartNumber = 10000;
// Every part but the last must hold at least this many bytes.
constexpr uint64_t kMinPartBytes = 5 * 1024 * 1024;
constexpr uint64_t kMaxPartBytes = uint64_t{5} << 30;

ApiError no_such_upload() {
  return ApiError{"NoSuchUpload",
                  "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
                  "aborted or completed."};
}

ApiError invalid_part() {
  return ApiError{"InvalidPart",
                  "One or more of the specified parts could not be found.  The part may not have been uploaded, or the "
                  "specified entity tag may not match the part's entity tag."};
}

std::string part_record_id(const std::string& upload, int number) {
  return "s3-part:" + upload + ":" + std::to_string(number);
}

// The entry ListParts shows for a part's record.
json part_entry(const json& part) {
  json entry = {{"PartNumber", part["PartNumber"]}, {"ETag", part["ETag"]}, {"Size", part["Size"]},
                {"LastModified", part["LastModified"]}};
  json sums = checksums_of(part);
  sums.erase("ChecksumType");
  entry.update(sums);
  return entry;
}

}  // namespace

Result<Answer> S3Service::create_multipart(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string key = call.request.value("Key", "");
  if (key.size() > 1024) return ApiError{"KeyTooLongError", "Your key is too long"};
  if (public_acl(call.request) && blocks(call, "BlockPublicAcls")) return ApiError{"AccessDenied", "Access Denied"};
  std::string algorithm = call.request.value("ChecksumAlgorithm", "");
  if (!algorithm.empty() && !make_checksum(algorithm)) {
    return ApiError{"InvalidRequest", "Value for x-amz-checksum-algorithm header is invalid."};
  }
  std::string id = base64_encode(random_bytes(36));
  for (char& c : id) c = c == '+' ? '-' : c == '/' ? '_' : c;  // URL-safe, as S3's upload ids
  json doc = {{"UploadId", id},
              {"Bucket", call.request.value("Bucket", "")},
              {"Key", key},
              {"Initiated", format_iso8601(unix_now())},
              {"Owner", call.account_id},
              {"Request", call.request}};  // the headers the object gets at completion
  Change change(*this);
  bucket = owned_bucket(call);  // it may have been deleted meanwhile
  if (!bucket.ok()) return bucket.error();
  change.tx().put({"s3-upload:" + id, "s3-upload", bucket.value()->doc.value("Region", ""), doc});
  change.commit();
  {
    std::unique_lock lock(mu_);
    auto upload = std::make_shared<MultipartUpload>();
    upload->doc = std::move(doc);
    uploads_[id] = upload;
  }
  Answer answer;
  answer.result = {{"Bucket", call.request.value("Bucket", "")}, {"Key", key}, {"UploadId", id}};
  if (!algorithm.empty()) answer.result["ChecksumAlgorithm"] = algorithm;
  return answer;
}

Result<std::shared_ptr<S3Service::MultipartUpload>> S3Service::part_target(const api::ServiceCall& call) const {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  int64_t number = call.request.value("PartNumber", int64_t{0});
  std::shared_lock lock(mu_);
  auto it = uploads_.find(call.request.value("UploadId", ""));
  if (it == uploads_.end() || it->second->doc.value("Bucket", "") != call.request.value("Bucket", "") ||
      it->second->doc.value("Key", "") != call.request.value("Key", "")) {
    return no_such_upload();
  }
  if (number < 1 || number > kMaxPartNumber) {
    return ApiError{"InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive"};
  }
  return it->second;
}

Result<Answer> S3Service::commit_part(const api::ServiceCall& call, json stored) {
  Change change(*this);
  auto upload = part_target(call);  // it may have been completed or aborted meanwhile
  if (!upload.ok()) return upload.error();
  int number = static_cast<int>(call.request.value("PartNumber", int64_t{0}));
  std::string id = upload.value()->doc.value("UploadId", "");
  json part = std::move(stored);
  part["UploadId"] = id;
  part["PartNumber"] = number;
  change.tx().put({part_record_id(id, number), "s3-part", "", part});
  change.commit();
  std::shared_ptr<const json> replaced;
  {
    std::unique_lock lock(mu_);
    auto& slot = upload.value()->parts[number];
    replaced = std::move(slot);
    slot = std::make_shared<const json>(part);
  }
  if (replaced) objects_.remove(replaced->value("Data", ""));
  Answer answer;
  answer.result = checksums_of(part);
  answer.result.erase("ChecksumType");
  answer.result["ETag"] = part["ETag"];
  if (call.action == "UploadPartCopy") {
    answer.result = {{"CopyPartResult", {{"ETag", part["ETag"]}, {"LastModified", part["LastModified"]}}}};
  }
  return answer;
}

Result<Answer> S3Service::upload_part_copy(const api::ServiceCall& call) {
  auto target = part_target(call);
  if (!target.ok()) return target.error();
  auto source = parse_copy_source(call.request.value("CopySource", ""));
  if (!source.ok()) return source.error();
  api::ServiceCall source_call = call;
  source_call.request = {{"Bucket", source.value().bucket}};
  auto source_bucket = owned_bucket(source_call);
  if (!source_bucket.ok()) return source_bucket.error();
  auto doc = find_version(*source_bucket.value(), source.value().key, source.value().version_id);
  if (!live(doc)) {
    if (source.value().version_id.empty()) return ApiError{"NoSuchKey", "The specified key does not exist."};
    return ApiError{doc ? "InvalidRequest" : "NoSuchVersion",
                    doc ? "The source of a copy request may not specifically refer to a delete marker by version id."
                        : "The specified version does not exist."};
  }
  auto modified = parse_iso8601(doc->value("LastModified", "")).value_or(0);
  if (auto failed = check_conditions(conditions_of(call.request, "CopySource"), doc->value("ETag", ""), modified, false)) {
    return *failed;
  }
  uint64_t size = doc->value("Size", uint64_t{0});
  uint64_t first = 0, length = size;
  if (call.request.contains("CopySourceRange")) {
    // Only "bytes=FIRST-LAST", within the object.
    std::string range = call.request["CopySourceRange"];
    unsigned long long a = 0, b = 0;
    if (std::sscanf(range.c_str(), "bytes=%llu-%llu", &a, &b) != 2 || b < a || b >= size) {
      return ApiError{"InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
                                         "and last are the zero-based offsets of the first and last bytes to copy"};
    }
    first = a;
    length = b - a + 1;
  }
  if (length > kMaxPartBytes) return ApiError{"EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"};
  std::string md5;
  auto data = copy_bytes(doc->value("Data", ""), first, length, &md5);
  if (!data.ok()) return data.error();
  json stored = {{"Data", data.value()}, {"Size", length}, {"ETag", "\"" + to_hex(md5) + "\""},
                 {"LastModified", format_iso8601(unix_now())}};
  auto answer = commit_part(call, std::move(stored));
  if (!answer.ok()) objects_.remove(data.value());
  return answer;
}

Result<Answer> S3Service::complete_multipart(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string id = call.request.value("UploadId", "");
  std::shared_ptr<MultipartUpload> upload;
  std::map<int, std::shared_ptr<const json>> parts;
  {
    std::shared_lock lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end() || it->second->doc.value("Key", "") != call.request.value("Key", "")) return no_such_upload();
    upload = it->second;
    parts = upload->parts;
  }
  const json listed = call.request.value("MultipartUpload", json::object()).value("Parts", json::array());
  if (listed.empty()) {
    return ApiError{"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"};
  }
  // Check every listed part before anything is written: order, presence, ETag, sizes.
  std::vector<std::shared_ptr<const json>> chosen;
  int previous = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    int number = static_cast<int>(listed[i].value("PartNumber", int64_t{0}));
    if (number <= previous) {
      return ApiError{"InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number."};
    }
    previous = number;
    auto it = parts.find(number);
    std::string etag = listed[i].value("ETag", "");
    if (!etag.empty() && etag.front() != '"') etag = "\"" + etag + "\"";
    if (it == parts.end() || etag != it->second->value("ETag", "")) return invalid_part();
    for (const std::string& algorithm : checksum_algorithms()) {
      std::string member = "Checksum" + algorithm;
      if (listed[i].contains(member) && listed[i][member] != it->second->value(member, "")) return invalid_part();
    }
    if (i + 1 < listed.size() && it->second->value("Size", uint64_t{0}) < kMinPartBytes) {
      return ApiError{"EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"};
    }
    chosen.push_back(it->second);
  }
  // The object's bytes are the parts' in order; its ETag the MD5 of their MD5s, "-N".
  auto writer = objects_.create();
  if (!writer.ok()) return writer.error();
  std::string md5s;
  uint64_t size = 0;
  for (const auto& part : chosen) {
    uint64_t length = part->value("Size", uint64_t{0});
    auto source = objects_.open(part->value("Data", ""), 0, length);
    if (!source.ok()) return source.error();
    auto copied = writer.value()->write_range(*source.value());
    if (!copied.ok()) return copied.error();
    size += length;
    std::string etag = part->value("ETag", "");
    std::string hex = etag.size() > 2 ? etag.substr(1, etag.size() - 2) : etag;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) md5s.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  auto data = objects_.commit(*writer.value());
  if (!data.ok()) return data.error();
  std::string count = std::to_string(chosen.size());
  json stored = {{"Data", data.value()}, {"Size", size}, {"ETag", "\"" + to_hex(md5(md5s)) + "-" + count + "\""},
                 {"LastModified", format_iso8601(unix_now())}, {"Parts", chosen.size()}};
  // The composite checksum of each algorithm every part has, as S3 shows it ("...-N").
  for (const std::string& algorithm : checksum_algorithms()) {
    std::vector<std::string> values;
    for (const auto& part : chosen) {
      if (part->contains("Checksum" + algorithm)) values.push_back((*part)["Checksum" + algorithm]);
    }
    if (values.size() != chosen.size()) continue;
    if (auto composite = composite_checksum(algorithm, values)) {
      stored["Checksum" + algorithm] = *composite;
      stored["ChecksumType"] = "COMPOSITE";
    }
  }
  json doc = new_object(call, upload->doc.value("Request", json::object()), std::move(stored));
  Change change(*this);
  bucket = owned_bucket(call);
  if (!bucket.ok()) {
    objects_.remove(data.value());
    return bucket.error();
  }
  {
    // Completed, aborted or given other parts meanwhile (by this server or another).
    std::shared_lock lock(mu_);
    auto it = uploads_.find(id);
    bool same = it != uploads_.end();
    for (size_t i = 0; same && i < chosen.size(); ++i) {
      auto part = it->second->parts.find(chosen[i]->value("PartNumber", 0));
      same = part != it->second->parts.end() && part->second->value("Data", "") == chosen[i]->value("Data", "");
    }
    if (!same) {
      objects_.remove(data.value());
      return it == uploads_.end() ? no_such_upload() : invalid_part();
    }
  }
  std::string bucket_name = call.request.value("Bucket", "");
  std::string key = call.request.value("Key", "");
  Staging staging(*this, change.tx());
  auto version = staging.put_version(*bucket.value(), key, doc);
  drop_upload(change, id);
  change.commit();
  staging.apply();
  Answer done;
  done.result = {{"Location", "/" + bucket_name + "/" + key}, {"Bucket", bucket_name}, {"Key", key}, {"ETag", doc["ETag"]}};
  if (versioning(*bucket.value()) != "") done.result["VersionId"] = (*version)["VersionId"];
  return done;
}

void S3Service::drop_upload(Change& change, const std::string& id) {
  std::shared_ptr<MultipartUpload> upload;
  {
    std::shared_lock lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return;
    upload = it->second;
  }
  change.tx().erase("s3-upload:" + id);
  for (const auto& [number, part] : upload->parts) change.tx().erase(part_record_id(id, number));
  change.after_commit([this, id, upload] {
    {
      std::unique_lock lock(mu_);
      uploads_.erase(id);
    }
    for (const auto& [number, part] : upload->parts) objects_.remove(part->value("Data", ""));
  });
}

Result<Answer> S3Service::abort_multipart(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string id = call.request.value("UploadId", "");
  Change change(*this);
  {
    std::shared_lock lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end() || it->second->doc.value("Key", "") != call.request.value("Key", "")) return no_such_upload();
  }
  drop_upload(change, id);
  change.commit();
  return Answer{};
}

Result<Answer> S3Service::list_parts(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  int64_t max_parts = std::min<int64_t>(call.request.value("MaxParts", int64_t{1000}), 1000);
  int64_t marker = 0;
  if (call.request.contains("PartNumberMarker")) {
    try {
      marker = std::stoll(call.request["PartNumberMarker"].get<std::string>());
    } catch (const std::exception&) {
      return ApiError{"InvalidArgument", "Provided part-number-marker not an integer or within integer range"};
    }
  }
  std::shared_lock lock(mu_);
  auto it = uploads_.find(call.request.value("UploadId", ""));
  if (it == uploads_.end() || it->second->doc.value("Key", "") != call.request.value("Key", "")) return no_such_upload();
  const json& doc = it->second->doc;
  json parts = json::array();
  bool truncated = false;
  int last = 0;
  for (auto part = it->second->parts.upper_bound(static_cast<int>(marker)); part != it->second->parts.end(); ++part) {
    if (static_cast<int64_t>(parts.size()) == max_parts) {
      truncated = true;
      break;
    }
    parts.push_back(part_entry(*part->second));
    last = part->first;
  }
  std::string owner = doc.value("Owner", "");
  json who = {{"ID", canonical_user_id(owner)}, {"DisplayName", owner}};
  Answer answer;
  answer.result = {{"Bucket", doc["Bucket"]}, {"Key", doc["Key"]}, {"UploadId", doc["UploadId"]},
                   {"MaxParts", max_parts}, {"IsTruncated", truncated}, {"PartNumberMarker", std::to_string(marker)},
                   {"Initiator", who}, {"Owner", who}, {"StorageClass", "STANDARD"}};
  if (!parts.empty()) answer.result["Parts"] = parts;
  if (truncated) answer.result["NextPartNumberMarker"] = std::to_string(last);
  return answer;
}

Result<Answer> S3Service::list_multipart_uploads(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string name = call.request.value("Bucket", "");
  std::string prefix = call.request.value("Prefix", "");
  std::string key_marker = call.request.value("KeyMarker", "");
  std::string id_marker = call.request.value("UploadIdMarker", "");
  int64_t max_uploads = std::min<int64_t>(call.request.value("MaxUploads", int64_t{1000}), 1000);
  // In key order, then by when each began.
  std::vector<std::shared_ptr<MultipartUpload>> matching;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, upload] : uploads_) {
      const json& doc = upload->doc;
      std::string key = doc.value("Key", "");
      if (doc.value("Bucket", "") != name || key.compare(0, prefix.size(), prefix) != 0) continue;
      matching.push_back(upload);
    }
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a->doc.value("Key", ""), a->doc.value("Initiated", "")) <
           std::make_pair(b->doc.value("Key", ""), b->doc.value("Initiated", ""));
  });
  json uploads = json::array();
  bool truncated = false;
  bool past_marker = key_marker.empty();
  for (const auto& upload : matching) {
    const json& doc = upload->doc;
    std::string key = doc.value("Key", "");
    if (!past_marker) {
      // After the marker: later keys, or (with an upload id marker) later uploads of that key.
      if (key < key_marker || (key == key_marker && (id_marker.empty() || doc.value("UploadId", "") != id_marker))) continue;
      past_marker = true;
      if (key == key_marker) continue;  // the marker's own upload
    }
    if (static_cast<int64_t>(uploads.size()) == max_uploads) {
      truncated = true;
      break;
    }
    std::string owner = doc.value("Owner", "");
    json who = {{"ID", canonical_user_id(owner)}, {"DisplayName", owner}};
    uploads.push_back({{"UploadId", doc["UploadId"]}, {"Key", key}, {"Initiated", doc["Initiated"]},
                       {"StorageClass", "STANDARD"}, {"Owner", who}, {"Initiator", who}});
  }
  Answer answer;
  answer.result = {{"Bucket", name}, {"KeyMarker", key_marker}, {"UploadIdMarker", id_marker},
                   {"MaxUploads", max_uploads}, {"IsTruncated", truncated}};
  if (!prefix.empty()) answer.result["Prefix"] = prefix;
  if (!uploads.empty()) answer.result["Uploads"] = uploads;
  if (truncated && !uploads.empty()) {
    answer.result["NextKeyMarker"] = uploads.back()["Key"];
    answer.result["NextUploadIdMarker"] = uploads.back()["UploadId"];
  }
  return answer;
}

}  // namespace stratus::s3
