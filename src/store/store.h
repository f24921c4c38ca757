#pragma once
// The store: durable desired state behind an interface that SQLite implements now
// and PostgreSQL can implement later without touching services.
//
// State is a set of records, each a JSON document with a globally unique id, a kind
// ("vpc", "subnet", ...) and the region it lives in ("" for account-wide records),
// plus a small key/value table of settings (account id, schema facts).
// Failures of the backend throw StoreError; services turn that into InternalError.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace stratus::store {

// A backend failure (disk, corruption, lock timeout). Never a user error.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One stored resource.
struct Record {
  std::string id;       // globally unique, e.g. "vpc-0a1b2c3d4e5f60718"
  std::string kind;     // e.g. "vpc"
  std::string region;   // e.g. "us-east-1"; "" for account-wide records
  nlohmann::json doc;   // the resource, in the service model's member names
};

// A unit of work. Reads see a consistent snapshot; writes become visible and durable
// only at commit(). Destroying an uncommitted transaction rolls it back.
// Not thread-safe: one transaction belongs to one thread.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // The record with `id`, or nullopt.
  virtual std::optional<Record> get(const std::string& id) = 0;
  // All records of `kind` in `region`, oldest first. A null region means every region.
  virtual std::vector<Record> list(const std::string& kind, const std::optional<std::string>& region) = 0;
  // Inserts or replaces the record with record.id; a replaced record keeps its position in list().
  // REQUIRES: a write transaction.
  virtual void put(const Record& record) = 0;
  // Removes the record with `id` if present. REQUIRES: a write transaction.
  virtual void erase(const std::string& id) = 0;
  // Every record of every kind and region, oldest first (for loading caches).
  virtual std::vector<Record> list_all() = 0;
  // Every setting (for loading caches).
  virtual std::vector<std::pair<std::string, std::string>> all_settings() = 0;
  // The setting `key`, or nullopt.
  virtual std::optional<std::string> setting(const std::string& key) = 0;
  // Sets `key` to `value`. REQUIRES: a write transaction.
  virtual void set_setting(const std::string& key, const std::string& value) = 0;
  // Marks the point rollback_to_savepoint() returns to (one level: a new mark replaces the
  // last). Lets several calls share one transaction, each undone alone when it fails.
  // REQUIRES: a write transaction.
  virtual void savepoint() = 0;
  // Undoes every write since the last savepoint(). REQUIRES: savepoint() was called.
  virtual void rollback_to_savepoint() = 0;
  // Makes all writes durable. REQUIRES: called at most once.
  virtual void commit() = 0;
};

// A durable store. Thread-safe: any thread may begin transactions, but a thread holds at
// most one transaction at a time (implementations may lock for a transaction's life).
class Store {
 public:
  virtual ~Store() = default;
  // Begins a read-only transaction over a consistent snapshot.
  virtual std::unique_ptr<Transaction> begin_read() = 0;
  // Begins a read-write transaction; write transactions are serialised.
  virtual std::unique_ptr<Transaction> begin_write() = 0;
};

}  // namespace stratus::store
