#pragma once
// A Store that answers reads from memory: every record is kept parsed, indexed by id and
// by (kind, region) in creation order. Writes go to the backend first and reach memory only
// once the backend has committed them, so what readers see is always durable.
//
// Over a SharedStore (PostgreSQL, which other processes write too) the cache follows the
// store's revisions: a thread of its own catches up on each change notification, on reconnect
// and every few seconds, and each write transaction first catches up under the store-wide
// write lock, so writes are checked against the latest state and a server reads its own writes
// at once. Other processes' writes are seen within a notification's delay.

#include <pthread.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/shared_store.h"
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

  // Over a SharedStore: brings the cache up to the store's latest revision now (the follower
  // thread does this on its own). Throws StoreError on backend failure. No-op otherwise.
  void catch_up();
  // Over a SharedStore: calls `listener` on the follower thread with the kinds of the records
  // other processes changed, after the cache holds them (replacing any earlier listener).
  void set_remote_listener(std::function<void(const std::set<std::string>& kinds)> listener);
  // Over a SharedStore: the revision the cache holds.
  uint64_t revision() const { return applied_; }

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

  // Applies `changes` (or, when they are incomplete, a snapshot read with `source`) to the
  // state, notes the kinds they touch for the remote listener and advances applied_.
  // REQUIRES: writer_ held.
  void apply_remote(SharedTransaction& source, Changes changes);
  // Calls the remote listener with the kinds applied_remote() noted since it was last called.
  void tell_remote_listener();
  // Body of the follower thread: waits for changes and catches up until stopping_.
  void follow();

  std::unique_ptr<Store> backend_;
  SharedStore* shared_ = nullptr;  // backend_, when other processes write it too
  State state_;                 // read under rwlock_ (shared), changed under rwlock_ (exclusive) + writer_
  pthread_rwlock_t rwlock_;     // writer-preferring, so a stream of readers cannot starve a publish
  std::mutex writer_;           // serialises write transactions (and catching up)
  std::atomic<uint64_t> applied_{0};  // over a SharedStore: the revision state_ holds
  std::set<std::string> remote_kinds_;  // GUARDED_BY(writer_): changed by others, not yet told
  std::mutex listener_mu_;
  std::function<void(const std::set<std::string>&)> remote_listener_;  // GUARDED_BY(listener_mu_)
  std::atomic<bool> stopping_{false};
  std::thread follower_;
};

}  // namespace stratus::store
