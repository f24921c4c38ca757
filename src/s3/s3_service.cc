#include "s3/s3_service.h"

#include <algorithm>
#include <future>
#include <set>

#include "common/base64.h"
#include "common/ascii_case.h"
#include "common/timestamp.h"
#include "s3/object_tags.h"
#include "s3/public_access.h"
#include "s3/staging.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

constexpr const char* kBucketKind = "s3-bucket";
constexpr const char* kObjectKind = "s3-object";
// The setting every change to S3's records gives a new value: a server whose index was built at
// another value must build it again before it checks anything.
constexpr const char* kRevisionSetting = "s3-revision";

// The header the client sent, or "".
std::string header_value(const json& request, const char* member) {
  auto it = request.find(member);
  return it != request.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string bucket_record_id(const std::string& name) { return std::string(kBucketKind) + ":" + name; }

std::string object_record_id(const std::string& bucket, const std::string& key, const std::string& version_id) {
  return std::string(kObjectKind) + ":" + bucket + "/" + key + "\n" + version_id;  // version ids hold no newline
}

json checksums_of(const json& doc) {
  json out = json::object();
  for (const std::string& algorithm : checksum_algorithms()) {
    if (doc.contains("Checksum" + algorithm)) out["Checksum" + algorithm] = doc["Checksum" + algorithm];
  }
  if (!out.empty()) out["ChecksumType"] = doc.value("ChecksumType", "FULL_OBJECT");
  return out;
}

std::string canonical_user_id(const std::string& account_id) { return to_hex(sha256("stratus-s3-owner:" + account_id)); }

Result<bool> Upload::write(std::string_view bytes) {
  md5_.update(bytes);
  for (auto& [algorithm, checksum] : checksums_) checksum->update(bytes);
  size_ += bytes.size();
  return writer_->write(bytes);
}

S3Service::S3Service(store::Store& store, ObjectStore& objects) : store_(store), objects_(objects) {}

S3Service::Change::Change(S3Service& service)
    : service_(service), writing_(service.write_mu_), tx_(service.store_.begin_write()) {
  if (tx_->setting(kRevisionSetting).value_or("") != service_.indexed_revision_) service_.index(*tx_);
  revision_ = to_hex(random_bytes(12));
  tx_->set_setting(kRevisionSetting, revision_);
}

void S3Service::Change::commit() {
  tx_->commit();
  service_.indexed_revision_ = revision_;
  for (auto& action : after_) action();
  after_.clear();
}

void S3Service::load(std::chrono::seconds spare) {
  auto tx = store_.begin_read();
  std::set<std::string> referenced = index(*tx);
  objects_.collect_garbage([&](const std::string& id) { return referenced.count(id) > 0; }, spare);
}

void S3Service::reload() {
  std::lock_guard write(write_mu_);
  auto tx = store_.begin_read();
  index(*tx);
}

std::set<std::string> S3Service::index(store::Transaction& tx) {
  std::map<std::string, std::shared_ptr<Bucket>> buckets;
  std::map<std::string, std::shared_ptr<MultipartUpload>> uploads;
  for (const store::Record& record : tx.list(kBucketKind, std::nullopt)) {
    auto bucket = std::make_shared<Bucket>();
    bucket->doc = record.doc;
    buckets[record.doc.value("Name", "")] = bucket;
  }
  indexed_revision_ = tx.setting(kRevisionSetting).value_or("");
  std::set<std::string> referenced;
  int64_t last_sequence = 0;
  for (const store::Record& record : tx.list(kObjectKind, std::nullopt)) {
    auto it = buckets.find(record.doc.value("Bucket", ""));
    if (it == buckets.end()) continue;
    if (record.doc.contains("Data")) referenced.insert(record.doc.value("Data", ""));
    last_sequence = std::max(last_sequence, record.doc.value("Sequence", int64_t{0}));
    it->second->history[record.doc.value("Key", "")].push_back(std::make_shared<const json>(record.doc));
  }
  // Each key's newest version is its current one; the rest, newest first, its history.
  for (auto& [name, bucket] : buckets) {
    for (auto& [key, versions] : bucket->history) {
      std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
        return a->value("Sequence", int64_t{0}) > b->value("Sequence", int64_t{0});
      });
      bucket->objects[key] = versions.front();
      versions.erase(versions.begin());
    }
    std::erase_if(bucket->history, [](const auto& entry) { return entry.second.empty(); });
  }
  for (const store::Record& record : tx.list("s3-upload", std::nullopt)) {
    auto upload = std::make_shared<MultipartUpload>();
    upload->doc = record.doc;
    uploads[record.doc.value("UploadId", "")] = upload;
  }
  for (const store::Record& record : tx.list("s3-part", std::nullopt)) {
    auto it = uploads.find(record.doc.value("UploadId", ""));
    if (it == uploads.end()) continue;
    referenced.insert(record.doc.value("Data", ""));
    it->second->parts[record.doc.value("PartNumber", 0)] = std::make_shared<const json>(record.doc);
  }
  std::unique_lock lock(mu_);
  buckets_ = std::move(buckets);
  uploads_ = std::move(uploads);
  last_sequence_ = std::max(last_sequence_, last_sequence);
  return referenced;
}

bool S3Service::implements(std::string_view action) const {
  static const std::set<std::string_view> kActions = {
      "CreateBucket",       "DeleteBucket",       "ListBuckets",        "HeadBucket",          "GetBucketLocation",
      "PutBucketTagging",   "GetBucketTagging",   "DeleteBucketTagging", "PutBucketPolicy",    "GetBucketPolicy",
      "DeleteBucketPolicy", "GetBucketVersioning", "PutObject",          "GetObject",           "HeadObject",
      "DeleteObject",       "DeleteObjects",      "CopyObject",         "ListObjects",         "ListObjectsV2",
      "CreateMultipartUpload", "UploadPart",      "UploadPartCopy",     "CompleteMultipartUpload",
      "AbortMultipartUpload", "ListParts",        "ListMultipartUploads", "PutObjectTagging",
      "GetObjectTagging",   "DeleteObjectTagging", "PutBucketVersioning", "ListObjectVersions",
      "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock"};
  return kActions.count(action) > 0;
}

std::optional<std::string> S3Service::bucket_region(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return std::nullopt;
  return it->second->doc.value("Region", "");
}

std::optional<json> S3Service::object_tags(const std::string& name, const std::string& key) const {
  std::shared_lock lock(mu_);
  auto bucket = buckets_.find(name);
  if (bucket == buckets_.end()) return std::nullopt;
  auto it = bucket->second->objects.find(key);
  if (it == bucket->second->objects.end() || !live(it->second)) return std::nullopt;
  return it->second->value("Tags", json::array());
}

std::optional<std::string> S3Service::bucket_policy(const std::string& name, const std::string& account) const {
  std::shared_lock lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end() || !it->second->doc.contains("Policy")) return std::nullopt;
  const json& doc = it->second->doc;
  std::string policy = doc["Policy"].get<std::string>();
  bool restricted = doc.value("PublicAccessBlock", json::object()).value("RestrictPublicBuckets", false);
  if (restricted && account != doc.value("Owner", "") && public_policy(policy)) return std::nullopt;
  return policy;
}

Result<Answer> S3Service::call(const api::ServiceCall& call) {
  const std::string& a = call.action;
  if (a == "CreateBucket") return create_bucket(call);
  if (a == "DeleteBucket") return delete_bucket(call);
  if (a == "ListBuckets") return list_buckets(call);
  if (a == "HeadBucket") return head_bucket(call);
  if (a == "GetBucketLocation") return bucket_location(call);
  if (a.find("BucketTagging") != std::string::npos) return bucket_tagging(call);
  if (a.find("BucketPolicy") != std::string::npos) return bucket_policy(call);
  if (a.find("BucketVersioning") != std::string::npos) return bucket_versioning(call);
  if (a == "ListObjectVersions") return list_object_versions(call);
  if (a.find("PublicAccessBlock") != std::string::npos) return public_access_block(call);
  if (a == "GetObject" || a == "HeadObject") return get_object(call, a == "HeadObject");
  if (a == "DeleteObject") return delete_object(call);
  if (a == "DeleteObjects") return delete_objects(call);
  if (a == "CopyObject") return copy_object(call);
  if (a == "ListObjects" || a == "ListObjectsV2") return list_objects(call, a == "ListObjectsV2");
  if (a.find("ObjectTagging") != std::string::npos) return object_tagging(call);
  if (a == "CreateMultipartUpload") return create_multipart(call);
  if (a == "UploadPartCopy") return upload_part_copy(call);
  if (a == "CompleteMultipartUpload") return complete_multipart(call);
  if (a == "AbortMultipartUpload") return abort_multipart(call);
  if (a == "ListParts") return list_parts(call);
  if (a == "ListMultipartUploads") return list_multipart_uploads(call);
  return ApiError{"NotImplemented", "A header you provided implies functionality that is not implemented"};
}

Result<std::shared_ptr<S3Service::Bucket>> S3Service::owned_bucket(const api::ServiceCall& call) const {
  std::string name = call.request.value("Bucket", "");
  std::shared_lock lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return ApiError{"NoSuchBucket", "The specified bucket does not exist"};
  // An anonymous caller got here through the bucket's policy (the authorizer's judgement).
  if (!call.principal.anonymous && it->second->doc.value("Owner", "") != call.account_id) {
    return ApiError{"AccessDenied", "Access Denied"};
  }
  return it->second;
}

Result<Answer> S3Service::save_bucket(Change& change, Bucket& bucket, json doc, Answer answer) {
  change.tx().put({bucket_record_id(doc.value("Name", "")), kBucketKind, doc.value("Region", ""), doc});
  change.commit();
  std::unique_lock lock(mu_);
  bucket.doc = std::move(doc);
  return answer;
}

Result<std::unique_ptr<Upload>> S3Service::begin_upload(const api::ServiceCall& call, const std::string& trailer) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string key = call.request.value("Key", "");
  if (key.size() > 1024) return ApiError{"KeyTooLongError", "Your key is too long"};
  if (call.action == "PutObject" && header_value(call.request, "IfNoneMatch") == "*" && live(find_version(*bucket.value(), key, ""))) {
    return ApiError{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold"};
  }
  if (call.request.contains("Tagging")) {
    if (auto problem = tag_set_problem(tags_from_header(call.request["Tagging"]))) return *problem;
  }
  if (public_acl(call.request) && blocks(call, "BlockPublicAcls")) return ApiError{"AccessDenied", "Access Denied"};
  if (call.action == "UploadPart") {
    auto part = part_target(call);
    if (!part.ok()) return part.error();
  }
  // CRC32 always (S3 keeps it for every object); and the algorithm the client names, in
  // x-amz-sdk-checksum-algorithm, a checksum header or the trailer (a multipart upload's, for a part).
  std::set<std::string> algorithms = {"CRC32"};
  std::string named = header_value(call.request, "ChecksumAlgorithm");
  if (call.action == "UploadPart") {
    auto part = part_target(call);
    if (part.ok()) named = part.value()->doc.value("Request", json::object()).value("ChecksumAlgorithm", named);
  }
  for (const std::string& algorithm : checksum_algorithms()) {
    if (call.request.contains("Checksum" + algorithm) || trailer == "x-amz-checksum-" + ascii_lower(algorithm)) named = algorithm;
  }
  if (!named.empty()) {
    if (!make_checksum(named)) return ApiError{"InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid."};
    algorithms.insert(named);
  }
  auto writer = objects_.create();
  if (!writer.ok()) return writer.error();
  auto upload = std::make_unique<Upload>();
  upload->call_ = call;
  upload->writer_ = std::move(writer.value());
  for (const std::string& algorithm : algorithms) upload->checksums_[algorithm] = make_checksum(algorithm);
  return upload;
}

Result<json> S3Service::checked_body(Upload& upload, const std::map<std::string, std::string>& trailers) {
  const json& request = upload.call_.request;
  std::string md5 = upload.md5_.finish();
  std::string content_md5 = header_value(request, "ContentMD5");
  if (!content_md5.empty() && base64_decode(content_md5) != md5) {
    if (!base64_decode(content_md5) || base64_decode(content_md5)->size() != 16) {
      return ApiError{"InvalidDigest", "The Content-MD5 you specified was invalid."};
    }
    return ApiError{"BadDigest", "The Content-MD5 you specified did not match what we received."};
  }
  json body = {{"Size", upload.size_}, {"ETag", "\"" + to_hex(md5) + "\""}};
  for (auto& [algorithm, checksum] : upload.checksums_) {
    std::string computed = checksum->value();
    std::string sent = header_value(request, ("Checksum" + algorithm).c_str());
    if (auto it = trailers.find("x-amz-checksum-" + ascii_lower(algorithm)); it != trailers.end()) sent = it->second;
    if (!sent.empty() && sent != computed) {
      return ApiError{"BadDigest", "The " + algorithm + " you specified did not match the calculated checksum."};
    }
    body["Checksum" + algorithm] = computed;
  }
  body["ChecksumType"] = "FULL_OBJECT";
  return body;
}

std::vector<Result<Answer>> S3Service::finish_uploads(const std::vector<FinishedUpload>& batch) {
  std::vector<Result<Answer>> answers(batch.size(), Result<Answer>(ApiError{"InternalError", "not run"}));
  std::vector<std::optional<json>> stored(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    auto checked = checked_body(*batch[i].upload, batch[i].trailers);
    if (checked.ok()) {
      stored[i] = std::move(checked.value());
    } else {
      answers[i] = checked.error();
    }
  }
  // The bodies' bytes made durable together: concurrent fsyncs share the file system's journal
  // commits, and one directory sync covers every rename.
  std::vector<std::future<Result<bool>>> syncs(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!stored[i]) continue;
    ObjectWriter* writer = batch[i].upload->writer_.get();
    syncs[i] = std::async(batch.size() > 1 ? std::launch::async : std::launch::deferred, [writer] { return writer->sync(); });
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!stored[i]) continue;
    auto synced = syncs[i].get();
    auto id = synced.ok() ? batch[i].upload->writer_->place() : Result<std::string>(synced.error());
    if (!id.ok()) {
      answers[i] = id.error();
      stored[i].reset();
      continue;
    }
    (*stored[i])["Data"] = id.value();
    (*stored[i])["LastModified"] = format_iso8601(unix_now());
  }
  auto durable = objects_.sync_placed();
  std::vector<size_t> puts;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!stored[i]) continue;
    if (!durable.ok()) {
      answers[i] = durable.error();
      objects_.remove((*stored[i])["Data"]);
    } else if (batch[i].upload->call_.action == "UploadPart") {
      answers[i] = commit_part(batch[i].upload->call_, std::move(*stored[i]));
      if (!answers[i].ok()) objects_.remove((*stored[i])["Data"]);
    } else {
      puts.push_back(i);
    }
  }
  // Every new object's record in one transaction, then the index.
  if (puts.empty()) return answers;
  Change change(*this);
  Staging staging(*this, change.tx());
  for (size_t i : puts) {
    const api::ServiceCall& call = batch[i].upload->call_;
    json doc = new_object(call, call.request, std::move(*stored[i]));
    auto bucket = owned_bucket(call);  // it may have been deleted meanwhile
    std::string key = doc["Key"];
    if (!bucket.ok()) {
      answers[i] = bucket.error();
    } else if (header_value(call.request, "IfNoneMatch") == "*" && live(staging.versions(*bucket.value(), key).current)) {
      answers[i] = ApiError{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold"};
    } else {
      std::string data = doc["Data"];
      auto version = staging.put_version(*bucket.value(), key, std::move(doc));
      Answer answer;
      answer.result = checksums_of(*version);
      answer.result["ETag"] = (*version)["ETag"];
      if (versioning(*bucket.value()) != "") answer.result["VersionId"] = (*version)["VersionId"];
      answers[i] = std::move(answer);
      continue;
    }
    objects_.remove(doc["Data"]);
  }
  change.commit();
  staging.apply();
  return answers;
}

json S3Service::new_object(const api::ServiceCall& call, const json& request, json stored) const {
  json doc = std::move(stored);
  doc["Bucket"] = call.request.value("Bucket", "");
  doc["Key"] = call.request.value("Key", "");
  doc["StorageClass"] = request.value("StorageClass", "STANDARD");
  doc["Owner"] = call.account_id;
  for (const char* member : {"ContentType", "CacheControl", "ContentDisposition", "ContentEncoding",
                             "ContentLanguage", "Expires", "Metadata", "WebsiteRedirectLocation"}) {
    if (request.contains(member)) doc[member] = request[member];
  }
  if (!doc.contains("ContentType")) doc["ContentType"] = "binary/octet-stream";
  if (request.contains("Tagging")) doc["Tags"] = tags_from_header(request["Tagging"]);
  return doc;
}

Result<std::string> S3Service::copy_bytes(const std::string& data, uint64_t offset, uint64_t length, std::string* md5) {
  auto source = objects_.open(data, offset, length);
  if (!source.ok()) return source.error();
  auto writer = objects_.create();
  if (!writer.ok()) return writer.error();
  DigestStream digest(DigestAlgorithm::kMd5);
  std::string buffer(1 << 20, '\0');
  uint64_t done = 0;
  while (done < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - done));
    ssize_t got = ::pread(source.value()->fd, buffer.data(), want, static_cast<off_t>(offset + done));
    if (got <= 0) return ApiError{"InternalError", "cannot read stored object " + data};
    std::string_view piece(buffer.data(), static_cast<size_t>(got));
    digest.update(piece);
    auto wrote = writer.value()->write(piece);
    if (!wrote.ok()) return wrote.error();
    done += static_cast<uint64_t>(got);
  }
  *md5 = digest.finish();
  return objects_.commit(*writer.value());
}

}  // namespace stratus::s3
