#pragma once
// Part of S3Service (s3_service.h): the versions of keys a batch of writes changes, staged in a
// store transaction and beside the index until the transaction commits, so that later writes in
// the batch see earlier ones and readers see none of them before the commit.

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "s3/s3_service.h"

namespace stratus::s3 {

class S3Service::Staging {
 public:
  // Stages into `tx`. REQUIRES: the service's write_mu_ held for the Staging's life.
  Staging(S3Service& service, store::Transaction& tx) : service_(service), tx_(tx) {}

  // The versions of `key` in `bucket` with what is staged so far.
  const KeyVersions& versions(Bucket& bucket, const std::string& key);
  // Makes `doc` (an object, or a delete marker when it has DeleteMarker) the key's current
  // version by the bucket's versioning rules: unversioned, it replaces the current one; Enabled,
  // it gets a new version id and the current one becomes the newest older one; Suspended, it is
  // the "null" version, replacing the null version wherever it is. Returns the version staged.
  std::shared_ptr<const nlohmann::json> put_version(Bucket& bucket, const std::string& key, nlohmann::json doc);
  // Replaces version doc["VersionId"] of `key` in place (its tags changed; the same bytes).
  void replace_version(Bucket& bucket, const std::string& key, nlohmann::json doc);
  // Removes version `version_id` of `key` for good (and its bytes); when it was the current one,
  // the newest older one becomes current. Returns it, or null when there is no such version.
  std::shared_ptr<const nlohmann::json> remove_version(Bucket& bucket, const std::string& key,
                                                       const std::string& version_id);
  // After the transaction committed: the index takes the staged versions, and the bytes no
  // version names any more are removed.
  void apply();

 private:
  S3Service& service_;
  store::Transaction& tx_;
  std::map<std::pair<Bucket*, std::string>, KeyVersions> touched_;
  std::vector<std::string> doomed_;  // stored bytes to remove once committed
};

}  // namespace stratus::s3
