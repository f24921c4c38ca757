#pragma once
// The S3 service: buckets and their objects. Bucket and object metadata are store records
// ("s3-bucket", "s3-object"); object bytes live in an ObjectStore, written and made durable
// before the record that names them commits, so a crash never shows a partial object and never
// loses an acknowledged one. A sorted index of each bucket's objects, built from the records at
// load(), answers reads and listings.

#include <cstdint>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "api/query_service.h"
#include "common/digest.h"
#include "common/result.h"
#include "s3/checksums.h"
#include "s3/listing.h"
#include "s3/object_store.h"
#include "store/store.h"

namespace stratus::s3 {

// What an S3 call answers: its typed result, and for GetObject the bytes to send.
struct Answer {
  nlohmann::json result = nlohmann::json::object();
  std::shared_ptr<api::FileRange> body;  // GetObject: the object's bytes (or the range asked for)
  int status = 0;                        // the HTTP status when not the operation's own (206 for a range)
};

class S3Service;

// An object or part whose bytes are arriving (PutObject, UploadPart), from S3Service::begin_upload
// to finish_uploads.
class Upload {
 public:
  // Takes the next bytes of the object. Errors: InternalError (the disk failed).
  Result<bool> write(std::string_view bytes);
  // The bytes taken so far.
  uint64_t size() const { return size_; }

 private:
  friend class S3Service;
  api::ServiceCall call_;
  std::unique_ptr<ObjectWriter> writer_;
  DigestStream md5_{DigestAlgorithm::kMd5};
  std::map<std::string, std::unique_ptr<Checksum>> checksums_;  // by algorithm: CRC32 and the one asked for
  uint64_t size_ = 0;
};

class S3Service {
 public:
  // REQUIRES: `store` and `objects` outlive the service.
  S3Service(store::Store& store, ObjectStore& objects);

  // Builds the index from the store's records and removes stored bytes no record names (what a
  // crash mid-upload leaves), sparing those younger than `spare` (when other servers share the
  // bytes, their uploads in flight). REQUIRES: before any call.
  void load(std::chrono::seconds spare = std::chrono::seconds(0));
  // Builds the index again from the store's records: other servers sharing the store changed
  // them. Thread-safe (waits for the change in progress).
  void reload();

  // Checks a bucket policy document for `bucket` before PutBucketPolicy keeps it: nothing when
  // it is valid, else MalformedPolicy's message. REQUIRES: set before calls (without one,
  // PutBucketPolicy is refused).
  using PolicyCheck = std::function<std::optional<std::string>(const std::string& policy, const std::string& bucket)>;
  void set_policy_check(PolicyCheck check) { policy_check_ = std::move(check); }

  // True when the service runs `action`.
  bool implements(std::string_view action) const;
  // The tags of object `key` in bucket `name` ([{Key, Value}]), or nullopt when there is no such
  // object.
  std::optional<nlohmann::json> object_tags(const std::string& name, const std::string& key) const;
  // The policy of bucket `name` as it applies to a caller from `account` ("" for an anonymous
  // one): nullopt when it has none (or there is no such bucket), and for a caller outside the
  // owner's account when the policy is public and the bucket's RestrictPublicBuckets is on.
  std::optional<std::string> bucket_policy(const std::string& name, const std::string& account) const;
  // The region bucket `name` lives in, or nullopt when there is no such bucket.
  std::optional<std::string> bucket_region(const std::string& name) const;

  // Runs `call` (any implemented action but PutObject and UploadPart, whose bodies stream through
  // begin_upload).
  // Thread-safe; writes are serialised.
  Result<Answer> call(const api::ServiceCall& call);

  // Starts the PutObject or UploadPart `call` describes, checking what its header alone decides
  // (the bucket, the key, If-None-Match, tags; the upload and the part number). `trailer` is the
  // x-amz-trailer header ("x-amz-checksum-sha256": the checksum follows the body), or "".
  // Thread-safe.
  Result<std::unique_ptr<Upload>> begin_upload(const api::ServiceCall& call, const std::string& trailer = "");
  // An upload whose body is complete, and the trailer fields that came after it (lower-case names).
  struct FinishedUpload {
    Upload* upload = nullptr;
    std::map<std::string, std::string> trailers;
  };
  // Commits the uploads of `batch` together, answering each in order: checks the checksums each
  // client sent (headers, or trailers), makes every body durable (their fsyncs at once, one
  // directory sync), then the new objects' records in one store transaction. Errors per upload:
  // BadDigest, InvalidDigest, NotImplemented (a checksum other than CRC32), PreconditionFailed,
  // NoSuchBucket, NoSuchUpload, InternalError. Thread-safe; the uploads are done with after it.
  std::vector<Result<Answer>> finish_uploads(const std::vector<FinishedUpload>& batch);

 private:
  // A bucket: its record's document, the current version of each key (an object, or a delete
  // marker once versioning is on) and the older versions of keys, newest first.
  struct Bucket {
    nlohmann::json doc;
    ObjectIndex objects;
    std::map<std::string, std::vector<std::shared_ptr<const nlohmann::json>>> history;
  };
  // A key's versions as a batch of writes leaves them.
  struct KeyVersions {
    std::shared_ptr<const nlohmann::json> current;  // null: the key is gone
    std::vector<std::shared_ptr<const nlohmann::json>> older;
  };
  class Staging;
  // One change to S3's records: holds write_mu_ and a store write transaction, in which the index
  // was first built again if another server changed S3's records since it was last built (so
  // bucket names, preconditions and versions are checked against the latest records). Look
  // buckets and uploads up after making one: a new index holds new ones.
  class Change {
   public:
    explicit Change(S3Service& service);
    // The transaction to write into.
    store::Transaction& tx() { return *tx_; }
    // Runs `action` once the change has committed (index updates, removing stored bytes).
    void after_commit(std::function<void()> action) { after_.push_back(std::move(action)); }
    // Commits the transaction, notes that the index holds it, then runs the after_commit actions.
    // Without a commit, the transaction rolls back and nothing is run.
    void commit();

   private:
    S3Service& service_;
    std::lock_guard<std::mutex> writing_;
    std::unique_ptr<store::Transaction> tx_;
    std::string revision_;  // the value this change gives the revision setting
    std::vector<std::function<void()>> after_;
  };
  // A multipart upload in progress: its record's document and its parts' by part number.
  struct MultipartUpload {
    nlohmann::json doc;
    std::map<int, std::shared_ptr<const nlohmann::json>> parts;
  };

  // Bucket operations (buckets.cc).
  Result<Answer> create_bucket(const api::ServiceCall& call);
  Result<Answer> delete_bucket(const api::ServiceCall& call);
  Result<Answer> list_buckets(const api::ServiceCall& call);
  Result<Answer> bucket_location(const api::ServiceCall& call);
  Result<Answer> head_bucket(const api::ServiceCall& call);
  // Get, Put or Delete (by `call`'s action) of one configuration a bucket's record keeps under
  // `field`: Get answers it as result member `member`, or `missing` when unset; Put keeps what
  // `checked_value` returns (or fails as it does); Delete removes it.
  Result<Answer> bucket_setting(const api::ServiceCall& call, const std::string& field, const std::string& member,
                                const ApiError& missing, const std::function<Result<nlohmann::json>()>& checked_value);
  Result<Answer> bucket_tagging(const api::ServiceCall& call);
  Result<Answer> bucket_policy(const api::ServiceCall& call);
  Result<Answer> bucket_versioning(const api::ServiceCall& call);
  Result<Answer> public_access_block(const api::ServiceCall& call);
  // True when the public access block of `call`'s bucket has `setting` ("BlockPublicPolicy", ...) on.
  bool blocks(const api::ServiceCall& call, const char* setting) const;
  Result<Answer> list_object_versions(const api::ServiceCall& call);
  // Multipart uploads (multipart.cc).
  Result<Answer> create_multipart(const api::ServiceCall& call);
  Result<Answer> upload_part_copy(const api::ServiceCall& call);
  Result<Answer> complete_multipart(const api::ServiceCall& call);
  Result<Answer> abort_multipart(const api::ServiceCall& call);
  Result<Answer> list_parts(const api::ServiceCall& call);
  Result<Answer> list_multipart_uploads(const api::ServiceCall& call);
  // The upload an UploadPart or UploadPartCopy `call` names, once its part number is checked:
  // NoSuchUpload, InvalidArgument.
  Result<std::shared_ptr<MultipartUpload>> part_target(const api::ServiceCall& call) const;
  // Records a part's bytes (`stored`: Data, Size, ETag, LastModified, ChecksumCRC32) as part
  // `call`'s PartNumber, replacing one of that number. Makes a Change.
  Result<Answer> commit_part(const api::ServiceCall& call, nlohmann::json stored);
  // Removes upload `id`'s records with `change`, and its stored parts once it commits.
  void drop_upload(Change& change, const std::string& id);
  // Replaces the index with the records of `tx` (and notes the revision setting it holds);
  // returns the stored bytes they name. REQUIRES: write_mu_ held, or no calls yet.
  std::set<std::string> index(store::Transaction& tx);
  // Object operations (objects.cc).
  Result<Answer> get_object(const api::ServiceCall& call, bool head);
  Result<Answer> delete_object(const api::ServiceCall& call);
  // Stages the deletion of `key` in `bucket`: of version `version_id` for good when given, else by
  // the bucket's versioning (the object goes, or a delete marker becomes current). `if_match`:
  // the current version's ETag must match (PreconditionFailed). Errors: NoSuchVersion.
  Result<Answer> delete_key(Staging& staging, Bucket& bucket, const std::string& key, const std::string& version_id,
                            const std::string& if_match);
  Result<Answer> delete_objects(const api::ServiceCall& call);
  Result<Answer> copy_object(const api::ServiceCall& call);
  Result<Answer> list_objects(const api::ServiceCall& call, bool v2);
  Result<Answer> object_tagging(const api::ServiceCall& call);

  // What an upload's body says about itself once checked against what its client sent (Size,
  // ETag, ChecksumCRC32), or the checksum that does not match.
  Result<nlohmann::json> checked_body(Upload& upload, const std::map<std::string, std::string>& trailers);
  // The record of a new object at `call`'s Bucket and Key: `stored` (its bytes) with the
  // headers `request` gives it (Content-Type, user metadata, ...).
  nlohmann::json new_object(const api::ServiceCall& call, const nlohmann::json& request, nlohmann::json stored) const;
  // The bucket `name` as `call`'s account sees it: NoSuchBucket, or AccessDenied when another
  // account owns it. Holds no lock; callers that read its objects hold mu_ shared. Writers look
  // it up after making their Change.
  Result<std::shared_ptr<Bucket>> owned_bucket(const api::ServiceCall& call) const;
  // Replaces `bucket`'s record document with `doc` and commits `change`.
  Result<Answer> save_bucket(Change& change, Bucket& bucket, nlohmann::json doc, Answer answer);
  // Writes `change` through a Staging of its own: `stage` stages it (or fails, staging nothing),
  // then the change commits and the index follows.
  Result<Answer> staged(Change& change, const std::function<Result<Answer>(Staging&)>& stage);
  // The version `version_id` of `key` in `bucket` ("" or absent: the current one), or null.
  std::shared_ptr<const nlohmann::json> find_version(const Bucket& bucket, const std::string& key,
                                                     const std::string& version_id) const;
  // The bucket's versioning state: "" (never turned on), "Enabled" or "Suspended".
  std::string versioning(const Bucket& bucket) const;
  // Writes `length` bytes of stored object `data` from `offset` into a new stored object.
  Result<std::string> copy_bytes(const std::string& data, uint64_t offset, uint64_t length, std::string* md5);

  store::Store& store_;
  ObjectStore& objects_;
  PolicyCheck policy_check_;
  int64_t last_sequence_ = 0;  // orders versions: the last one given; GUARDED_BY(write_mu_)
  std::string indexed_revision_;  // the revision setting the index holds; GUARDED_BY(write_mu_)
  std::mutex write_mu_;  // serialises every change: a store transaction, then the index
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Bucket>> buckets_;  // by name; GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<MultipartUpload>> uploads_;  // by upload id; GUARDED_BY(mu_)
};

// The store record id of bucket `name` and of version `version_id` of object `key` in it.
std::string bucket_record_id(const std::string& name);
std::string object_record_id(const std::string& bucket, const std::string& key, const std::string& version_id);

// True when `version` is an object (not null, not a delete marker).
inline bool live(const std::shared_ptr<const nlohmann::json>& version) {
  return version && !version->value("DeleteMarker", false);
}

// The checksum members a version's record keeps (ChecksumCRC32, ... and ChecksumType).
nlohmann::json checksums_of(const nlohmann::json& doc);

// S3's canonical user id for an account (64 hex digits), as Owner.ID shows it.
std::string canonical_user_id(const std::string& account_id);

}  // namespace stratus::s3
