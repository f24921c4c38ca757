#include "s3/authorization.h"

#include <map>

#include "common/ascii_case.h"
#include "s3/conditions.h"
#include "s3/object_tags.h"
#include "iam/policy.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

// The s3: action each operation needs, when it is not "s3:" + its own name.
const std::map<std::string, std::string>& renamed_actions() {
  static const std::map<std::string, std::string> kActions = {
      {"ListBuckets", "s3:ListAllMyBuckets"},
      {"HeadBucket", "s3:ListBucket"},
      {"ListObjects", "s3:ListBucket"},
      {"ListObjectsV2", "s3:ListBucket"},
      {"ListObjectVersions", "s3:ListBucketVersions"},
      {"HeadObject", "s3:GetObject"},
      {"DeleteObjects", "s3:DeleteObject"},
      {"DeleteBucketTagging", "s3:PutBucketTagging"},
      {"CreateMultipartUpload", "s3:PutObject"},
      {"UploadPart", "s3:PutObject"},
      {"UploadPartCopy", "s3:PutObject"},
      {"CompleteMultipartUpload", "s3:PutObject"},
      {"ListParts", "s3:ListMultipartUploadParts"},
      {"ListMultipartUploads", "s3:ListBucketMultipartUploads"},
      {"GetObjectTagging", "s3:GetObjectTagging"},
      {"DeleteObjectTagging", "s3:DeleteObjectTagging"},
  };
  return kActions;
}

std::string str(const json& request, const char* member) {
  auto it = request.find(member);
  return it != request.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string bucket_arn(const std::string& bucket) { return "arn:aws:s3:::" + bucket; }

}  // namespace

std::vector<iam::RequestResource> s3_resources(const api::ServiceCall& call, const S3Service& service) {
  const json& request = call.request;
  std::string action = "s3:" + call.action;
  if (auto it = renamed_actions().find(call.action); it != renamed_actions().end()) action = it->second;
  if (call.action == "ListBuckets") return {{"arn:aws:s3:::*", {}, action, ""}};
  if (request.contains("VersionId") && (action == "s3:GetObject" || action == "s3:DeleteObject")) {
    action += "Version";  // a named version: s3:GetObjectVersion, s3:DeleteObjectVersion
  }
  std::string bucket = str(request, "Bucket");
  std::string policy = service.bucket_policy(bucket, call.account_id).value_or("");
  if (call.action == "CreateBucket") policy.clear();
  iam::RequestResource target{bucket_arn(bucket), {}, action, policy};
  if (request.contains("Key")) target.arn += "/" + str(request, "Key");
  if (action == "s3:ListBucket") {
    // Absent parameters are absent keys (what Null and ...IfExists test), as on AWS.
    if (request.contains("Prefix")) target.keys["s3:prefix"] = {str(request, "Prefix")};
    if (request.contains("Delimiter")) target.keys["s3:delimiter"] = {str(request, "Delimiter")};
    if (request.contains("MaxKeys")) target.keys["s3:max-keys"] = {std::to_string(request["MaxKeys"].get<int64_t>())};
  }
  if (request.contains("Key") && call.action != "PutObject" && call.action != "CopyObject") {
    // The tags of the object the call acts on, as s3:ExistingObjectTag/<key>.
    if (auto tags = service.object_tags(bucket, str(request, "Key"))) {
      for (const json& tag : *tags) target.keys["s3:existingobjecttag/" + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
    }
  }
  json requested = call.action == "PutObjectTagging" ? request["Tagging"].value("TagSet", json::array())
                   : request.contains("Tagging") && request["Tagging"].is_string() ? tags_from_header(str(request, "Tagging"))
                                                                                   : json::array();
  std::vector<std::string> tag_keys;
  for (const json& tag : requested) {
    target.keys["s3:requestobjecttag/" + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
    tag_keys.push_back(tag.value("Key", ""));
  }
  if (!tag_keys.empty()) target.keys["s3:requestobjecttagkeys"] = tag_keys;
  if (request.contains("ACL")) target.keys["s3:x-amz-acl"] = {str(request, "ACL")};
  if (request.contains("StorageClass")) target.keys["s3:x-amz-storage-class"] = {str(request, "StorageClass")};
  if (request.contains("MetadataDirective")) target.keys["s3:x-amz-metadata-directive"] = {str(request, "MetadataDirective")};
  if (call.action == "DeleteObjects") {
    std::vector<iam::RequestResource> each;
    for (const json& object : request["Delete"].value("Objects", json::array())) {
      each.push_back({bucket_arn(bucket) + "/" + object.value("Key", ""), {}, action, policy});
    }
    return each;
  }
  if (call.action == "CopyObject") {
    auto source = parse_copy_source(str(request, "CopySource"));
    if (!source.ok()) return {target};  // the call fails on it; the copy's own permission still applies
    std::string object = source.value().bucket + "/" + source.value().key;
    target.keys["s3:x-amz-copy-source"] = {object};
    return {{bucket_arn(object), {}, "s3:GetObject", service.bucket_policy(source.value().bucket, call.account_id).value_or("")}, target};
  }
  return {target};
}

std::optional<std::string> bucket_policy_problem(const std::string& policy, const std::string& bucket) {
  auto parsed = iam::parse_policy(policy, iam::PolicyKind::kResource);
  if (!parsed.ok()) return parsed.error().message;
  std::string arn = bucket_arn(bucket);
  for (const iam::Statement& statement : parsed.value().statements) {
    if (!statement.principals) return std::string("Missing required field Principal");
    for (const std::string& resource : statement.resources) {
      if (resource != arn && resource.rfind(arn + "/", 0) != 0) return std::string("Policy has invalid resource");
    }
  }
  return std::nullopt;
}

}  // namespace stratus::s3
