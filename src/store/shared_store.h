#pragma once
// A store that several processes write (PostgreSQL): what a cache in each of them needs to stay
// current. Every write transaction that changes something commits as the next revision, and
// revisions are numbered in commit order, so "everything after revision R" is well defined; a
// record's position (its seq) is the store's, the same in every process.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace stratus::store {

// A record with its position among all records (list() order is seq order).
struct PlacedRecord {
  uint64_t seq = 0;
  Record record;
};

// Everything in the store at one revision.
struct Snapshot {
  uint64_t revision = 0;
  std::vector<PlacedRecord> records;  // in seq order
  std::vector<std::pair<std::string, std::string>> settings;
};

// What was committed after a revision, as the records' and settings' current values.
struct Changes {
  uint64_t revision = 0;  // the revision these bring a reader to
  // False when the store no longer keeps every change after the reader's revision (it prunes
  // old ones): the reader must load a whole Snapshot instead.
  bool complete = true;
  // Each changed record once: its current value, or nullopt when it no longer exists. A record
  // erased and created again has a new seq.
  std::vector<std::pair<std::string, std::optional<PlacedRecord>>> records;
  std::vector<std::pair<std::string, std::string>> settings;  // changed settings, current values
};

// A transaction on a SharedStore: a Transaction that can also say what others committed.
class SharedTransaction : public Transaction {
 public:
  // What was committed after `revision` and is visible to this transaction. A write transaction
  // holds the store-wide write lock, so nothing else commits while it lives: Changes::revision is
  // the last revision before its own.
  virtual Changes changes_after(uint64_t revision) = 0;
  // Everything visible to this transaction, for a reader whose revision was pruned.
  virtual Snapshot snapshot() = 0;
  // The seq of record `id` as this write transaction last put it. REQUIRES: its last write of
  // `id` was a put.
  virtual uint64_t seq_of(const std::string& id) = 0;
  // After commit(): the revision it made, or nullopt when the transaction changed nothing (and
  // made none).
  virtual std::optional<uint64_t> committed_revision() = 0;
};

// A Store whose state other processes change too.
class SharedStore : public Store {
 public:
  // Begins a transaction like begin_read() (`write` false) or begin_write() (true).
  virtual std::unique_ptr<SharedTransaction> begin_shared(bool write) = 0;
  // Waits until a process (this one too) may have committed (a hint: notifications can be lost,
  // so callers also catch up after a timeout), `timeout` passes, or interrupt() is called, and
  // returns the newest revision notified; nullopt when none was (a timeout, an interrupt, or a
  // lost connection just restored, after which changes may have been missed). Called by one
  // thread at a time.
  virtual std::optional<uint64_t> wait_for_change(std::chrono::milliseconds timeout) = 0;
  // Makes the current or next wait_for_change() return.
  virtual void interrupt() = 0;
};

}  // namespace stratus::store
