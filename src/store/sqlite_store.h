#pragma once
// Store on an embedded SQLite database in WAL mode.

#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "store/store.h"

struct sqlite3;

namespace stratus::store {

// SQLite-backed Store. Opens (creating if needed) the database file and applies the
// numbered migrations. Connections are pooled, one in use per transaction.
// Committed writes survive a crash of the process (WAL, synchronous=NORMAL). A background
// thread checkpoints the WAL so that no request pays for it.
class SqliteStore : public Store {
 public:
  // Opens `path` (":memory:" is not supported: connections must share a file).
  // Throws StoreError when the file cannot be opened or migrated.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::unique_ptr<Transaction> begin_read() override;
  std::unique_ptr<Transaction> begin_write() override;

  // The schema version after migrations (PRAGMA user_version).
  int schema_version();

  // A pooled connection; returned to the pool by release(). Internal to the implementation.
  struct Connection;
  // Returns a connection to the pool.
  void release(Connection* connection);

 private:
  Connection* acquire();
  // Body of the checkpointer thread: checkpoints the WAL until the store is destroyed.
  void checkpoint_loop();

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> all_;  // GUARDED_BY(mu_)
  std::vector<Connection*> idle_;                 // GUARDED_BY(mu_)
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::condition_variable wake_;
  std::thread checkpointer_;
};

}  // namespace stratus::store
