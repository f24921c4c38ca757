#pragma once
// Where S3 object bytes live, behind an interface: the local directory store now, a distributed
// object store for a user who outgrows one machine later. Only bytes: keys, versions and
// metadata are records in the store, which name stored bytes by the id a commit returns.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "common/result.h"

namespace stratus::s3 {

// One object's bytes being written. Not thread-safe. Destroying it uncommitted discards them.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends `bytes`. Errors: InternalError (the disk failed or is full).
  virtual Result<bool> write(std::string_view bytes) = 0;
  // Appends the bytes of `range` (stored bytes another writer committed). Errors: InternalError.
  virtual Result<bool> write_range(const api::FileRange& range) = 0;
  // Makes the bytes durable under a new id and returns it: a crash before this returns leaves
  // nothing visible, one after it loses nothing. REQUIRES: called at most once.
  virtual Result<std::string> commit() = 0;
};

// Stored bytes by id. Thread-safe.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Starts writing new bytes. Errors: InternalError.
  virtual Result<std::unique_ptr<ObjectWriter>> create() = 0;
  // `length` bytes of `id` from `offset`, open for sending. Errors: InternalError (absent).
  virtual Result<std::shared_ptr<api::FileRange>> open(const std::string& id, uint64_t offset, uint64_t length) = 0;
  // Removes `id` (nothing when absent).
  virtual void remove(const std::string& id) = 0;
  // Removes every stored id `referenced` says no record names, and every unfinished write (what
  // a crash leaves); returns how many. Call before serving.
  virtual size_t collect_garbage(const std::function<bool(const std::string& id)>& referenced) = 0;
};

// Stores each object as a file DIR/<2 hex>/<id>, written as DIR/tmp/<id>, fsync'd and renamed
// into place, then the directory fsync'd.
class LocalObjectStore : public ObjectStore {
 public:
  // Creates DIR and its subdirectories when missing. Throws std::runtime_error when it cannot.
  explicit LocalObjectStore(std::string dir);
  Result<std::unique_ptr<ObjectWriter>> create() override;
  Result<std::shared_ptr<api::FileRange>> open(const std::string& id, uint64_t offset, uint64_t length) override;
  void remove(const std::string& id) override;
  size_t collect_garbage(const std::function<bool(const std::string& id)>& referenced) override;

 private:
  std::string dir_;
};

}  // namespace stratus::s3
