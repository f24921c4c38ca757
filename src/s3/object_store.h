#pragma once
// Where S3 object bytes live, behind an interface: the local directory store now, a distributed
// object store for a user who outgrows one machine later. Only bytes: keys, versions and
// metadata are records in the store, which name stored bytes by the id a commit returns.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "common/result.h"

namespace stratus::s3 {

// One object's bytes being written. Not thread-safe. Destroying it before place() discards them.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends `bytes`. Errors: InternalError (the disk failed or is full).
  virtual Result<bool> write(std::string_view bytes) = 0;
  // Appends the bytes of `range` (stored bytes another writer committed). Errors: InternalError.
  virtual Result<bool> write_range(const api::FileRange& range) = 0;
  // Makes the bytes written durable (not yet visible). May run on any thread, alongside other
  // writers' syncs. REQUIRES: called once, after the last write.
  virtual Result<bool> sync() = 0;
  // Makes the synced bytes readable under a new id and returns it; they are durable under it once
  // the store's sync_placed() returns. REQUIRES: after sync(); called once.
  virtual Result<std::string> place() = 0;
};

// Stored bytes by id. Thread-safe.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Starts writing new bytes. Errors: InternalError.
  virtual Result<std::unique_ptr<ObjectWriter>> create() = 0;
  // Makes every id place() has returned so far durable (one step for a batch of writers).
  virtual Result<bool> sync_placed() = 0;
  // `writer`'s sync(), place() and sync_placed() in one: a crash before it returns leaves nothing
  // visible, one after it loses nothing. Returns the new id.
  Result<std::string> commit(ObjectWriter& writer);
  // `length` bytes of `id` from `offset`, open for sending. Errors: InternalError (absent).
  virtual Result<std::shared_ptr<api::FileRange>> open(const std::string& id, uint64_t offset, uint64_t length) = 0;
  // Removes `id` (nothing when absent).
  virtual void remove(const std::string& id) = 0;
  // Removes every stored id `referenced` says no record names, and every unfinished write (what
  // a crash leaves), except files younger than `spare` (another server sharing the store may be
  // writing them); returns how many. Call before serving.
  virtual size_t collect_garbage(const std::function<bool(const std::string& id)>& referenced,
                                 std::chrono::seconds spare = std::chrono::seconds(0)) = 0;
};

// Stores each object as a file DIR/data/<id>, written as DIR/tmp/<id>, fsync'd and renamed into
// place, the directory fsync'd once for every object placed since the last time.
class LocalObjectStore : public ObjectStore {
 public:
  // Creates DIR and its subdirectories when missing. Throws std::runtime_error when it cannot.
  explicit LocalObjectStore(std::string dir);
  Result<std::unique_ptr<ObjectWriter>> create() override;
  Result<bool> sync_placed() override;
  Result<std::shared_ptr<api::FileRange>> open(const std::string& id, uint64_t offset, uint64_t length) override;
  void remove(const std::string& id) override;
  size_t collect_garbage(const std::function<bool(const std::string& id)>& referenced,
                         std::chrono::seconds spare = std::chrono::seconds(0)) override;

 private:
  std::string dir_;
};

}  // namespace stratus::s3
