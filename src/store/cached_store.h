#pragma once
// A Store that answers reads from memory: every record is kept parsed, indexed by id and
// by (kind, region) in creation order. Writes go to the backend first and reach memory only
// once the backend has committed them, so what readers see is always durable.
//
// REQUIRES: this process is the only writer of the backend (true of the embedded SQLite
// store; hosts sharing PostgreSQL will need invalidation before they can use this).

#include <pthread.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace stratus::store {

// Read-through-nothing, write-through cache over a backend Store. Thread-safe.
class CachedStore : public Store {
 public:
  // Loads every record and setting of `backend` and indexes `indexes`; find() on other fields
  // reads every record of the kind. Throws StoreError on backend failure.
  explicit CachedStore(std::unique_ptr<Store> backend, std::vector<IndexedField> indexes = {});
  ~CachedStore() override;
  CachedStore(const CachedStore&) = delete;
  CachedStore& operator=(const CachedStore&) = delete;

  // A snapshot read: holds the cache's read lock until destroyed (writers wait to publish).
  std::unique_ptr<Transaction> begin_read() override;
  // A write: serialised with other writes; reads see the cache plus this transaction's writes.
  std::unique_ptr<Transaction> begin_write() override;

  // The in-memory state. Internal to the implementation; exposed for its transactions.
  struct State {
    struct Entry {
      uint64_t seq = 0;  // creation order; kept when a record is replaced
      std::shared_ptr<const Record> record;
    };
    std::unordered_map<std::string, Entry> by_id;
    // (kind, region) -> seq -> record, for list() in creation order.
    std::map<std::pair<std::string, std::string>, std::map<uint64_t, std::shared_ptr<const Record>>> by_kind;
    std::unordered_map<std::string, std::string> settings;
    uint64_t next_seq = 1;
    // kind -> the fields indexed for it.
    std::unordered_map<std::string, std::vector<std::string>> indexed_fields;
    // index_key(kind, field, region, value) -> seq -> record, for find() in creation order.
    std::unordered_map<std::string, std::map<uint64_t, std::shared_ptr<const Record>>> by_field;
  };

 private:
  friend class CachedWriteTransaction;

  std::unique_ptr<Store> backend_;
  State state_;                 // read under rwlock_ (shared), changed under rwlock_ (exclusive) + writer_
  pthread_rwlock_t rwlock_;     // writer-preferring, so a stream of readers cannot starve a publish
  std::mutex writer_;           // serialises write transactions
};

}  // namespace stratus::store
