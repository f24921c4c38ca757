#include "s3/routes.h"

#include <algorithm>

namespace stratus::s3 {
namespace {

bool has_query(const RouteRequest& request, const std::string& name, const std::optional<std::string>& value) {
  for (const auto& [k, v] : *request.query) {
    if (k == name && (!value || v == *value)) return true;
  }
  return false;
}

bool has_header(const RouteRequest& request, std::string_view name) {
  for (const auto& [k, v] : *request.headers) {
    if (k == name) return true;
  }
  return false;
}

}  // namespace

Routes::Routes(const api::ServiceModel& model, const std::function<bool(std::string_view)>& implemented) {
  for (const std::string& name : model.operation_names()) {
    const api::Operation* op = model.operation(name);
    const std::string& uri = op->request_uri;
    size_t question = uri.find('?');
    std::string path = uri.substr(0, question);
    std::string where;
    if (path == "/{Bucket}") where = "/b";
    else if (path == "/{Bucket}/{Key+}") where = "/k";
    else if (path == "/") where = "/";
    else continue;  // WriteGetObjectResponse and the like: not on a bucket's path
    Candidate candidate{name, {}};
    if (question != std::string::npos) {
      std::string markers = uri.substr(question + 1);
      size_t start = 0;
      while (start <= markers.size()) {
        size_t amp = markers.find('&', start);
        if (amp == std::string::npos) amp = markers.size();
        std::string marker = markers.substr(start, amp - start);
        size_t eq = marker.find('=');
        if (eq == std::string::npos) candidate.markers.emplace_back(marker, std::nullopt);
        else candidate.markers.emplace_back(marker.substr(0, eq), marker.substr(eq + 1));
        start = amp + 1;
      }
    }
    candidates_[op->http_method + where].push_back(std::move(candidate));
  }
  for (auto& [key, list] : candidates_) {
    // More markers first (the most specific match wins); then the operations the service runs.
    std::stable_sort(list.begin(), list.end(), [&](const Candidate& a, const Candidate& b) {
      if (a.markers.size() != b.markers.size()) return a.markers.size() > b.markers.size();
      return implemented(a.operation) && !implemented(b.operation);
    });
  }
}

std::optional<std::string> Routes::operation(const RouteRequest& request) const {
  const std::string& m = request.method;
  if (!request.has_bucket) {
    if (m == "GET") return std::string("ListBuckets");
    return std::nullopt;
  }
  // The operations that share a path without a marker, told apart by S3's own rules.
  if (request.has_key) {
    // Subresources first ("?tagging", "?uploads"), then S3's rules for the plain key path.
    bool upload = has_query(request, "uploadId", std::nullopt);
    bool copy = has_header(request, "x-amz-copy-source");
    auto it = candidates_.find(m + "/k");
    if (it != candidates_.end()) {
      for (const Candidate& c : it->second) {
        if (c.markers.empty()) continue;
        bool all = std::all_of(c.markers.begin(), c.markers.end(),
                               [&](const auto& marker) { return has_query(request, marker.first, marker.second); });
        if (all) return c.operation;
      }
    }
    if (m == "PUT" && upload && has_query(request, "partNumber", std::nullopt)) {
      return std::string(copy ? "UploadPartCopy" : "UploadPart");
    }
    if (m == "PUT") return std::string(copy ? "CopyObject" : "PutObject");
    if (m == "GET") return std::string(upload ? "ListParts" : "GetObject");
    if (m == "HEAD") return std::string("HeadObject");
    if (m == "DELETE") return std::string(upload ? "AbortMultipartUpload" : "DeleteObject");
    if (m == "POST" && upload) return std::string("CompleteMultipartUpload");
    return std::nullopt;
  }
  auto it = candidates_.find(m + "/b");
  if (it == candidates_.end()) return std::nullopt;
  for (const Candidate& c : it->second) {
    bool all = std::all_of(c.markers.begin(), c.markers.end(),
                           [&](const auto& marker) { return has_query(request, marker.first, marker.second); });
    if (all) return c.operation;
  }
  return std::nullopt;
}

}  // namespace stratus::s3
