#pragma once
// Which S3 operation a request names. S3 shares one path between several operations (PUT on a
// key is PutObject, CopyObject, UploadPart or UploadPartCopy) and tells them apart by query
// parameters and headers; the model's request URIs give the subresource markers ("?tagging",
// "?list-type=2"), and the rules here the rest.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/service_model.h"

namespace stratus::s3 {

// A request as routing sees it.
struct RouteRequest {
  std::string method;  // "GET", ...
  bool has_bucket = false;
  bool has_key = false;
  const std::vector<std::pair<std::string, std::string>>* query = nullptr;    // decoded pairs
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // lower-case names
};

// Routes requests by the operations of one S3 model. Immutable; thread-safe.
class Routes {
 public:
  // `implemented` says which operations the service runs: where several operations share a
  // method and subresource (GetBucketLifecycle and GetBucketLifecycleConfiguration), the one it
  // runs wins. REQUIRES: `model` outlives the Routes.
  Routes(const api::ServiceModel& model, const std::function<bool(std::string_view)>& implemented);
  // The operation `request` names, or nullopt (S3 answers MethodNotAllowed).
  std::optional<std::string> operation(const RouteRequest& request) const;

 private:
  // One operation a (method, bucket-or-key) pair may name, and the query markers it needs.
  struct Candidate {
    std::string operation;
    std::vector<std::pair<std::string, std::optional<std::string>>> markers;  // name, and the value when fixed
  };
  // Candidates by method + "/b" (a bucket) or "/k" (a key), with the most markers first.
  std::map<std::string, std::vector<Candidate>> candidates_;
};

}  // namespace stratus::s3
