// S3Service's object operations: get and head (ranges, conditions, response overrides), delete,
// delete many, copy, list (v1 and v2).

#include <nlohmann/json.hpp>

#include "api/rest_members.h"
#include "common/timestamp.h"
#include "s3/conditions.h"
#include "s3/object_tags.h"
#include "s3/public_access.h"
#include "s3/s3_service.h"
#include "s3/staging.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

// The most keys one DeleteObjects request may name.
constexpr size_t kMaxDeleteKeys = 1000;
// The largest object CopyObject copies in one request (larger ones take UploadPartCopy).
constexpr uint64_t kMaxCopyBytes = uint64_t{5} << 30;

// The object members GetObject and HeadObject answer with, from the object's record.
json object_headers(const json& doc) {
  json out = json::object();
  for (const char* member : {"ETag", "LastModified", "ContentType", "CacheControl", "ContentDisposition",
                             "ContentEncoding", "ContentLanguage", "Expires", "Metadata", "StorageClass",
                             "WebsiteRedirectLocation"}) {
    if (doc.contains(member)) out[member] = doc[member];
  }
  if (out.value("StorageClass", "") == "STANDARD") out.erase("StorageClass");  // S3 omits the default
  if (doc.contains("Tags") && !doc["Tags"].empty()) out["TagCount"] = doc["Tags"].size();
  out["ContentLength"] = doc.value("Size", uint64_t{0});
  out["AcceptRanges"] = "bytes";
  return out;
}

int64_t modified_of(const json& doc) { return parse_iso8601(doc.value("LastModified", "")).value_or(0); }

ApiError no_such_key() { return ApiError{"NoSuchKey", "The specified key does not exist."}; }

bool is_marker(const std::shared_ptr<const json>& doc) { return doc && doc->value("DeleteMarker", false); }

}  // namespace

Result<Answer> S3Service::get_object(const api::ServiceCall& call, bool head) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  const json& request = call.request;
  std::string version_id = request.value("VersionId", "");
  auto doc = find_version(*bucket.value(), request.value("Key", ""), version_id);
  if (!doc) return version_id.empty() ? no_such_key() : ApiError{"NoSuchVersion", "The specified version does not exist."};
  if (is_marker(doc)) {
    if (version_id.empty()) return no_such_key();  // the key's current version is a delete marker
    return ApiError{"MethodNotAllowed", "The specified method is not allowed against this resource."};
  }
  if (auto failed = check_conditions(conditions_of(request, ""), doc->value("ETag", ""), modified_of(*doc))) {
    return *failed;
  }
  Answer answer;
  answer.result = object_headers(*doc);
  if (versioning(*bucket.value()) != "") answer.result["VersionId"] = doc->value("VersionId", "null");
  uint64_t size = doc->value("Size", uint64_t{0});
  uint64_t offset = 0, length = size;
  if (request.contains("Range")) {
    auto range = parse_range(request["Range"].get<std::string>(), size);
    if (!range.ok()) return range.error();
    if (range.value()) {
      offset = range.value()->first;
      length = range.value()->length;
      answer.status = 206;
      answer.result["ContentRange"] = "bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) +
                                      "/" + std::to_string(size);
      answer.result["ContentLength"] = length;
    }
  }
  if (request.value("ChecksumMode", "") == "ENABLED" && answer.status != 206) answer.result.update(checksums_of(*doc));
  // response-content-type and the like replace what the object says (signed requests only, as S3).
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"ResponseContentType", "ContentType"},         {"ResponseContentLanguage", "ContentLanguage"},
      {"ResponseExpires", "Expires"},                 {"ResponseCacheControl", "CacheControl"},
      {"ResponseContentDisposition", "ContentDisposition"}, {"ResponseContentEncoding", "ContentEncoding"}};
  for (const auto& [given, member] : kOverrides) {
    if (!request.contains(given)) continue;
    answer.result[member] = request[given];
    if (std::string(member) == "Expires") answer.result[member] = format_http_date(parse_iso8601(request[given].get<std::string>()).value_or(0));
  }
  if (head || length == 0) return answer;
  auto bytes = objects_.open(doc->value("Data", ""), offset, length);
  if (!bytes.ok()) return bytes.error();
  answer.body = std::move(bytes.value());
  return answer;
}

Result<Answer> S3Service::delete_key(Staging& staging, Bucket& bucket, const std::string& key,
                                     const std::string& version_id, const std::string& if_match) {
  Answer answer;
  if (!version_id.empty()) {  // that version, for good
    auto removed = staging.remove_version(bucket, key, version_id);
    if (!removed) return ApiError{"NoSuchVersion", "The specified version does not exist."};
    answer.result["VersionId"] = version_id;
    if (is_marker(removed)) answer.result["DeleteMarker"] = true;
    return answer;
  }
  auto current = staging.versions(bucket, key).current;
  if (!if_match.empty() && (!live(current) || check_conditions({if_match, "", {}, {}}, current->value("ETag", ""), 0, false))) {
    return ApiError{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold"};
  }
  if (versioning(bucket).empty()) {  // unversioned: the object goes; a key that is not there succeeds too
    if (current) staging.remove_version(bucket, key, current->value("VersionId", "null"));
    return answer;
  }
  // Versioned: a delete marker becomes the current version.
  auto marker = staging.put_version(bucket, key, {{"Bucket", bucket.doc.value("Name", "")}, {"Key", key},
                                                  {"DeleteMarker", true}, {"LastModified", format_iso8601(unix_now())},
                                                  {"Owner", bucket.doc.value("Owner", "")}});
  answer.result["DeleteMarker"] = true;
  answer.result["VersionId"] = (*marker)["VersionId"];
  return answer;
}

Result<Answer> S3Service::delete_object(const api::ServiceCall& call) {
  Change change(*this);
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  return staged(change, [&](Staging& staging) {
    return delete_key(staging, *bucket.value(), call.request.value("Key", ""), call.request.value("VersionId", ""),
                      call.request.value("IfMatch", ""));
  });
}

Result<Answer> S3Service::delete_objects(const api::ServiceCall& call) {
  const json& del = call.request["Delete"];
  const json& objects = del.value("Objects", json::array());
  if (objects.empty() || objects.size() > kMaxDeleteKeys) {
    return ApiError{"MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our published schema"};
  }
  Change change(*this);
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  bool quiet = del.value("Quiet", false);
  return staged(change, [&](Staging& staging) -> Result<Answer> {
    json deleted = json::array(), errors = json::array();
    for (const json& object : objects) {
      std::string key = object.value("Key", "");
      auto one = delete_key(staging, *bucket.value(), key, object.value("VersionId", ""), "");
      if (!one.ok()) {
        json error = {{"Key", key}, {"Code", one.error().code}, {"Message", one.error().message}};
        if (object.contains("VersionId")) error["VersionId"] = object["VersionId"];
        errors.push_back(std::move(error));
        continue;
      }
      if (quiet) continue;
      json entry = {{"Key", key}};
      const json& r = one.value().result;
      if (object.contains("VersionId")) entry["VersionId"] = object["VersionId"];
      if (r.value("DeleteMarker", false)) {
        entry["DeleteMarker"] = true;
        if (!object.contains("VersionId")) entry["DeleteMarkerVersionId"] = r["VersionId"];
      }
      deleted.push_back(std::move(entry));
    }
    Answer answer;
    if (!deleted.empty()) answer.result["Deleted"] = deleted;
    if (!errors.empty()) answer.result["Errors"] = errors;
    return answer;
  });
}

Result<Answer> S3Service::copy_object(const api::ServiceCall& call) {
  const json& request = call.request;
  if (public_acl(request) && blocks(call, "BlockPublicAcls")) return ApiError{"AccessDenied", "Access Denied"};
  auto source = parse_copy_source(request.value("CopySource", ""));
  if (!source.ok()) return source.error();
  const std::string& version = source.value().version_id;
  api::ServiceCall source_call = call;
  source_call.request = {{"Bucket", source.value().bucket}, {"Key", source.value().key}};
  auto source_bucket = owned_bucket(source_call);
  if (!source_bucket.ok()) return source_bucket.error();
  auto source_doc = find_version(*source_bucket.value(), source.value().key, version);
  if (!source_doc) return version.empty() ? no_such_key() : ApiError{"NoSuchVersion", "The specified version does not exist."};
  if (is_marker(source_doc)) {
    if (version.empty()) return no_such_key();
    return ApiError{"InvalidRequest", "The source of a copy request may not specifically refer to a delete marker by version id."};
  }
  if (auto failed = check_conditions(conditions_of(request, "CopySource"), source_doc->value("ETag", ""),
                                     modified_of(*source_doc), false)) {
    return *failed;
  }
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::string key = request.value("Key", "");
  bool replace = request.value("MetadataDirective", "COPY") == "REPLACE";
  bool same = source_bucket.value() == bucket.value() && source.value().key == key;
  if (same && !replace && !request.contains("StorageClass")) {
    return ApiError{"InvalidRequest",
                    "This copy request is illegal because it is trying to copy an object to itself without changing the "
                    "object's metadata, storage class, website redirect location or encryption attributes."};
  }
  uint64_t size = source_doc->value("Size", uint64_t{0});
  if (size > kMaxCopyBytes) {
    return ApiError{"InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"};
  }
  std::string md5;
  auto data = copy_bytes(source_doc->value("Data", ""), 0, size, &md5);
  if (!data.ok()) return data.error();
  json doc = *source_doc;
  doc["Bucket"] = request.value("Bucket", "");
  doc["Key"] = key;
  doc["Data"] = data.value();
  if (doc.contains("Parts")) {  // a multipart object
    // A copy is one object, not parts: its ETag is its bytes' MD5, and a composite checksum no
    // longer describes it.
    doc["ETag"] = "\"" + to_hex(md5) + "\"";
    if (doc.value("ChecksumType", "") == "COMPOSITE") {
      for (const std::string& algorithm : checksum_algorithms()) doc.erase("Checksum" + algorithm);
      doc.erase("ChecksumType");
    }
    doc.erase("Parts");
  }
  doc["LastModified"] = format_iso8601(unix_now());
  doc["Owner"] = call.account_id;
  if (replace) {
    for (const char* member : {"ContentType", "CacheControl", "ContentDisposition", "ContentEncoding",
                               "ContentLanguage", "Expires", "Metadata", "WebsiteRedirectLocation"}) {
      doc.erase(member);
      if (request.contains(member)) doc[member] = request[member];
    }
    if (!doc.contains("ContentType")) doc["ContentType"] = "binary/octet-stream";
  }
  if (request.contains("StorageClass")) doc["StorageClass"] = request["StorageClass"];
  if (request.value("TaggingDirective", "COPY") == "REPLACE") {
    doc["Tags"] = tags_from_header(request.value("Tagging", ""));
    if (auto problem = tag_set_problem(doc["Tags"])) {
      objects_.remove(data.value());
      return *problem;
    }
  }
  Change change(*this);
  bucket = owned_bucket(call);
  if (!bucket.ok()) {
    objects_.remove(data.value());
    return bucket.error();
  }
  doc.erase("VersionId");
  doc.erase("Sequence");
  auto answer = staged(change, [&](Staging& staging) -> Result<Answer> {
    auto version = staging.put_version(*bucket.value(), key, doc);
    Answer copied;
    copied.result["CopyObjectResult"] = {{"ETag", doc["ETag"]}, {"LastModified", doc["LastModified"]}};
    copied.result["CopyObjectResult"].update(checksums_of(doc));
    copied.result["CopyObjectResult"].erase("ChecksumType");
    if (versioning(*bucket.value()) != "") copied.result["VersionId"] = (*version)["VersionId"];
    if (versioning(*source_bucket.value()) != "") copied.result["CopySourceVersionId"] = source_doc->value("VersionId", "null");
    return copied;
  });
  if (!answer.ok()) objects_.remove(data.value());
  return answer;
}

Result<Answer> S3Service::object_tagging(const api::ServiceCall& call) {
  if (call.request.contains("VersionId") && call.request["VersionId"] != "null") {
    return ApiError{"NoSuchVersion", "The specified version does not exist."};
  }
  std::string key = call.request.value("Key", "");
  std::string version_id = call.request.value("VersionId", "");
  auto missing = [&] {
    return version_id.empty() ? no_such_key() : ApiError{"NoSuchVersion", "The specified version does not exist."};
  };
  if (call.action == "GetObjectTagging") {
    auto bucket = owned_bucket(call);
    if (!bucket.ok()) return bucket.error();
    auto doc = find_version(*bucket.value(), key, version_id);
    if (!live(doc)) return missing();
    Answer answer;
    answer.result["TagSet"] = doc->value("Tags", json::array());
    if (versioning(*bucket.value()) != "") answer.result["VersionId"] = doc->value("VersionId", "null");
    return answer;
  }
  json tags = json::array();
  if (call.action == "PutObjectTagging") {
    tags = call.request["Tagging"].value("TagSet", json::array());
    if (auto problem = tag_set_problem(tags)) return *problem;
  }
  Change change(*this);
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  auto doc = find_version(*bucket.value(), key, version_id);
  if (!live(doc)) return missing();
  json changed = *doc;
  changed["Tags"] = tags;  // the same bytes, a new record
  return staged(change, [&](Staging& staging) -> Result<Answer> {
    staging.replace_version(*bucket.value(), key, changed);
    Answer answer;
    if (versioning(*bucket.value()) != "") answer.result["VersionId"] = changed.value("VersionId", "null");
    return answer;
  });
}

Result<Answer> S3Service::list_objects(const api::ServiceCall& call, bool v2) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  const json& request = call.request;
  ListingQuery query;
  query.prefix = request.value("Prefix", "");
  query.delimiter = request.value("Delimiter", "");
  int64_t max_keys = request.value("MaxKeys", int64_t{1000});
  if (max_keys < 0) return ApiError{"InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647"};
  query.max_keys = static_cast<size_t>(std::min<int64_t>(max_keys, 1000));
  std::string encoding = request.value("EncodingType", "");
  if (!encoding.empty() && encoding != "url") return ApiError{"InvalidArgument", "Invalid Encoding Method specified in Request"};
  if (v2 && request.contains("ContinuationToken")) {
    if (!resume_from_token(request["ContinuationToken"], query)) {
      return ApiError{"InvalidArgument", "The continuation token provided is incorrect"};
    }
  } else {
    query.after = request.value(v2 ? "StartAfter" : "Marker", "");
  }
  ListingPage page;
  {
    std::shared_lock lock(mu_);
    page = list_page(bucket.value()->objects, query);
  }
  auto text = [&](const std::string& s) { return encoding == "url" ? api::uri_encode(s, /*keep_slash=*/true) : s; };
  bool owners = !v2 || request.value("FetchOwner", false);
  json contents = json::array();
  for (const auto& doc : page.objects) {
    json entry = {{"Key", text(doc->value("Key", ""))},
                  {"LastModified", doc->value("LastModified", "")},
                  {"ETag", doc->value("ETag", "")},
                  {"Size", doc->value("Size", uint64_t{0})},
                  {"StorageClass", doc->value("StorageClass", "STANDARD")}};
    json algorithms = json::array();
    for (const std::string& algorithm : checksum_algorithms()) {
      if (doc->contains("Checksum" + algorithm)) algorithms.push_back(algorithm);
    }
    if (!algorithms.empty()) entry["ChecksumAlgorithm"] = algorithms;
    if (owners) {
      std::string owner = doc->value("Owner", call.account_id);
      entry["Owner"] = {{"ID", canonical_user_id(owner)}, {"DisplayName", owner}};
    }
    contents.push_back(std::move(entry));
  }
  json prefixes = json::array();
  for (const std::string& prefix : page.common_prefixes) prefixes.push_back({{"Prefix", text(prefix)}});
  Answer answer;
  json& r = answer.result;
  r = {{"Name", request.value("Bucket", "")}, {"Prefix", text(query.prefix)}, {"MaxKeys", max_keys},
       {"IsTruncated", page.truncated}};
  if (!contents.empty()) r["Contents"] = contents;
  if (!prefixes.empty()) r["CommonPrefixes"] = prefixes;
  if (!query.delimiter.empty()) r["Delimiter"] = text(query.delimiter);
  if (!encoding.empty()) r["EncodingType"] = encoding;
  if (v2) {
    r["KeyCount"] = contents.size() + prefixes.size();
    if (request.contains("ContinuationToken")) r["ContinuationToken"] = request["ContinuationToken"];
    if (request.contains("StartAfter")) r["StartAfter"] = text(request["StartAfter"]);
    if (page.truncated) r["NextContinuationToken"] = continuation_token(page);
  } else {
    r["Marker"] = text(request.value("Marker", ""));
    if (page.truncated && !query.delimiter.empty()) r["NextMarker"] = text(page.last);
  }
  return answer;
}

}  // namespace stratus::s3
