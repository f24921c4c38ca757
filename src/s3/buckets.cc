// S3Service's bucket operations: create, delete, list, head, location, tagging, policy,
// versioning state.

#include <nlohmann/json.hpp>
#include <set>

#include "common/timestamp.h"
#include "s3/bucket_names.h"
#include "s3/object_tags.h"
#include "s3/public_access.h"
#include "s3/s3_service.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

// The most buckets one account may have (S3's default quota).
constexpr size_t kMaxBuckets = 10000;

}  // namespace

Result<Answer> S3Service::create_bucket(const api::ServiceCall& call) {
  std::string name = call.request.value("Bucket", "");
  if (auto problem = bucket_name_problem(name)) return ApiError{"InvalidBucketName", "The specified bucket is not valid. " + *problem};
  std::string region = "us-east-1";
  if (call.request.contains("CreateBucketConfiguration")) {
    const json& config = call.request["CreateBucketConfiguration"];
    std::string constraint = config.value("LocationConstraint", "");
    if (constraint == "EU") constraint = "eu-west-1";
    if (constraint == "us-east-1") {
      return ApiError{"InvalidLocationConstraint", "The specified location-constraint is not valid"};
    }
    if (!constraint.empty()) region = constraint;
  }
  // A request signed for one region creates buckets there only (S3 answers each region at its own endpoint).
  if (region != call.region) {
    return ApiError{"IllegalLocationConstraintException",
                    region == "us-east-1"
                        ? "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."
                        : "The " + region + " location constraint is incompatible for the region specific endpoint this request was sent to."};
  }
  Change change(*this);
  size_t owned = 0;
  {
    std::shared_lock lock(mu_);
    auto it = buckets_.find(name);
    if (it != buckets_.end()) {
      if (it->second->doc.value("Owner", "") != call.account_id) {
        return ApiError{"BucketAlreadyExists",
                        "The requested bucket name is not available. The bucket namespace is shared by all users of the "
                        "system. Please select a different name and try again."};
      }
      return ApiError{"BucketAlreadyOwnedByYou",
                      "Your previous request to create the named bucket succeeded and you already own it."};
    }
    for (const auto& [other, bucket] : buckets_) owned += bucket->doc.value("Owner", "") == call.account_id ? 1 : 0;
  }
  if (owned >= kMaxBuckets) return ApiError{"TooManyBuckets", "You have attempted to create more buckets than allowed"};
  auto bucket = std::make_shared<Bucket>();
  bucket->doc = {{"Name", name}, {"Region", region}, {"Owner", call.account_id}, {"CreationDate", format_iso8601(unix_now())},
                 // New buckets block public access, as on AWS since April 2023.
                 {"PublicAccessBlock", {{"BlockPublicAcls", true}, {"IgnorePublicAcls", true},
                                        {"BlockPublicPolicy", true}, {"RestrictPublicBuckets", true}}}};
  change.tx().put({bucket_record_id(name), "s3-bucket", region, bucket->doc});
  change.commit();
  {
    std::unique_lock lock(mu_);
    buckets_[name] = bucket;
  }
  Answer answer;
  answer.result["Location"] = "/" + name;
  return answer;
}

Result<Answer> S3Service::delete_bucket(const api::ServiceCall& call) {
  Change change(*this);
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  {
    std::shared_lock lock(mu_);
    if (!bucket.value()->objects.empty()) {
      return ApiError{"BucketNotEmpty", "The bucket you tried to delete is not empty"};
    }
  }
  std::string name = call.request.value("Bucket", "");
  std::vector<std::string> unfinished;  // multipart uploads into it: aborted with it
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, upload] : uploads_) {
      if (upload->doc.value("Bucket", "") == name) unfinished.push_back(id);
    }
  }
  for (const std::string& id : unfinished) drop_upload(change, id);
  change.tx().erase(bucket_record_id(name));
  change.commit();
  std::unique_lock lock(mu_);
  buckets_.erase(name);
  return Answer{};
}

Result<Answer> S3Service::list_buckets(const api::ServiceCall& call) {
  std::string prefix = call.request.value("Prefix", "");
  json buckets = json::array();
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, bucket] : buckets_) {
      if (bucket->doc.value("Owner", "") != call.account_id || name.compare(0, prefix.size(), prefix) != 0) continue;
      json entry = {{"Name", name}, {"CreationDate", bucket->doc.value("CreationDate", "")}};
      entry["BucketRegion"] = bucket->doc.value("Region", "");
      buckets.push_back(std::move(entry));
    }
  }
  Answer answer;
  answer.result = {{"Buckets", buckets},
                   {"Owner", {{"ID", canonical_user_id(call.account_id)}, {"DisplayName", call.account_id}}}};
  if (!prefix.empty()) answer.result["Prefix"] = prefix;
  return answer;
}

Result<Answer> S3Service::head_bucket(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  Answer answer;
  std::shared_lock lock(mu_);
  answer.result = {{"BucketRegion", bucket.value()->doc.value("Region", "")}, {"AccessPointAlias", false}};
  return answer;
}

Result<Answer> S3Service::bucket_location(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  std::shared_lock lock(mu_);
  std::string region = bucket.value()->doc.value("Region", "");
  Answer answer;
  answer.result["LocationConstraint"] = region == "us-east-1" ? "" : region;  // us-east-1 shows as empty
  return answer;
}

Result<Answer> S3Service::bucket_setting(const api::ServiceCall& call, const std::string& field, const std::string& member,
                                         const ApiError& missing, const std::function<Result<json>()>& checked_value) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  if (call.action.rfind("Get", 0) == 0) {
    std::shared_lock lock(mu_);
    const json& doc = bucket.value()->doc;
    if (!doc.contains(field)) return missing;
    Answer answer;
    answer.result[member] = doc[field];
    return answer;
  }
  Change change(*this);
  bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  json value;
  if (call.action.rfind("Put", 0) == 0) {
    auto checked = checked_value();
    if (!checked.ok()) return checked.error();
    value = std::move(checked.value());
  }
  json doc;
  {
    std::shared_lock lock(mu_);
    doc = bucket.value()->doc;
  }
  if (value.is_null()) {
    doc.erase(field);
  } else {
    doc[field] = std::move(value);
  }
  return save_bucket(change, *bucket.value(), std::move(doc), Answer{});
}

Result<Answer> S3Service::bucket_tagging(const api::ServiceCall& call) {
  return bucket_setting(call, "Tags", "TagSet", {"NoSuchTagSet", "The TagSet does not exist"}, [&]() -> Result<json> {
    const json& tags = call.request["Tagging"]["TagSet"];
    if (auto problem = tag_set_problem(tags, 50)) return *problem;
    return tags;
  });
}

Result<Answer> S3Service::bucket_policy(const api::ServiceCall& call) {
  return bucket_setting(call, "Policy", "Policy", {"NoSuchBucketPolicy", "The bucket policy does not exist"},
                        [&]() -> Result<json> {
                          std::string policy = call.request.value("Policy", "");
                          if (!policy_check_) return ApiError{"NotImplemented", "Bucket policies need the IAM evaluator."};
                          if (auto problem = policy_check_(policy, call.request.value("Bucket", ""))) {
                            return ApiError{"MalformedPolicy", *problem};
                          }
                          if (blocks(call, "BlockPublicPolicy") && public_policy(policy)) {
                            return ApiError{"AccessDenied", "User is not authorized to perform: s3:PutBucketPolicy on resource: "
                                                            "\"arn:aws:s3:::" + call.request.value("Bucket", "") +
                                                            "\" because public policies are blocked by the "
                                                            "BlockPublicPolicy block public access setting."};
                          }
                          return json(policy);
                        });
}

Result<Answer> S3Service::public_access_block(const api::ServiceCall& call) {
  return bucket_setting(call, "PublicAccessBlock", "PublicAccessBlockConfiguration",
                        {"NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"},
                        [&]() -> Result<json> {
                          json config = json::object();
                          const json& given = call.request.value("PublicAccessBlockConfiguration", json::object());
                          for (const char* flag : {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                   "RestrictPublicBuckets"}) {
                            config[flag] = given.value(flag, false);
                          }
                          return config;
                        });
}

bool S3Service::blocks(const api::ServiceCall& call, const char* setting) const {
  std::shared_lock lock(mu_);
  auto it = buckets_.find(call.request.value("Bucket", ""));
  if (it == buckets_.end()) return false;
  return it->second->doc.value("PublicAccessBlock", json::object()).value(setting, false);
}

Result<Answer> S3Service::bucket_versioning(const api::ServiceCall& call) {
  auto bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  if (call.action == "GetBucketVersioning") {
    Answer answer;
    std::string status = versioning(*bucket.value());
    if (!status.empty()) answer.result["Status"] = status;  // never versioned: an empty configuration
    return answer;
  }
  const json& config = call.request.value("VersioningConfiguration", json::object());
  std::string status = config.value("Status", "");
  if (status != "Enabled" && status != "Suspended") {
    return ApiError{"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"};
  }
  if (config.value("MFADelete", "Disabled") == "Enabled") {
    return ApiError{"NotImplemented", "MFA Delete is not implemented by this stratus region."};
  }
  Change change(*this);
  bucket = owned_bucket(call);
  if (!bucket.ok()) return bucket.error();
  json doc;
  {
    std::shared_lock lock(mu_);
    doc = bucket.value()->doc;
  }
  doc["Versioning"] = status;
  return save_bucket(change, *bucket.value(), std::move(doc), Answer{});
}

}  // namespace stratus::s3
