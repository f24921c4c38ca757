#pragma once
// Store on a PostgreSQL database that several stratus processes share (libpq).
//
// Write transactions take one database-wide advisory lock, held until they end, so writers are
// serialized across processes exactly as SqliteStore serializes them within one; that is what
// makes a commit-ordered revision number possible (a sequence alone can commit out of order).
// Each committing write transaction bumps the revision, logs the ids it touched in a `changes`
// table and sends NOTIFY; SharedStore readers catch up from there. Old changes are pruned after a
// retention period; a reader further behind loads a whole snapshot.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/shared_store.h"

namespace stratus::store {

// How long the change log is kept, and how often it is pruned.
struct PgStoreOptions {
  std::chrono::seconds retention{600};
  uint64_t prune_every = 256;  // revisions between prunes
};

class PgStore : public SharedStore {
 public:
  // Connects to `url` (a libpq connection URI, "postgresql://..."), creating or migrating the
  // schema. Throws StoreError when the server cannot be reached or its schema is newer than this
  // binary knows.
  explicit PgStore(const std::string& url, PgStoreOptions options = {});
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  std::unique_ptr<Transaction> begin_read() override;
  std::unique_ptr<Transaction> begin_write() override;
  std::unique_ptr<SharedTransaction> begin_shared(bool write) override;
  std::optional<uint64_t> wait_for_change(std::chrono::milliseconds timeout) override;
  void interrupt() override;

  // The schema version after migrations.
  int schema_version();

  // A lock on a connection of its own, held until destroyed or until that connection is lost
  // (when its process dies, say).
  class HeldLock {
   public:
    virtual ~HeldLock() = default;
  };
  // Takes the store-wide lock `name` unless another process holds it: the held lock, or null.
  // Throws StoreError when the server cannot be reached.
  std::unique_ptr<HeldLock> try_hold(const std::string& name);

  // A pooled connection; returned to the pool by release(). Internal to the implementation.
  struct Connection;
  // Returns a connection to the pool, or closes it when it is broken.
  void release(Connection* connection);
  // The options the store was opened with.
  const PgStoreOptions& options() const { return options_; }

 private:
  Connection* acquire();

  std::string url_;
  PgStoreOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> all_;  // GUARDED_BY(mu_)
  std::vector<Connection*> idle_;                 // GUARDED_BY(mu_)
  std::unique_ptr<Connection> listener_;          // LISTENs; used only by wait_for_change()
  int wake_fd_ = -1;                              // eventfd that interrupt() signals
};

// True when `store_url` names a PostgreSQL database ("postgresql://..." or "postgres://...").
bool is_postgresql_url(const std::string& store_url);

}  // namespace stratus::store
