#pragma once
// The store: durable desired state behind an interface that SQLite implements now
// and PostgreSQL can implement later without touching services.
//
// State is a set of records, each a JSON document with a globally unique id, a kind
// ("vpc", "subnet", ...) and the region it lives in ("" for account-wide records),
// plus a small key/value table of settings (account id, schema facts).
// Failures of the backend throw StoreError; services turn that into InternalError.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
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
  // Calls `visit` with each record list() would return, in its order, without copying them where
  // the store can (CachedStore's snapshots): for readers of many records (the bill).
  virtual void visit(const std::string& kind, const std::optional<std::string>& region,
                     const std::function<void(const Record&)>& visit) {
    for (const Record& record : list(kind, region)) visit(record);
  }
  // The records of `kind` in `region` whose document holds the string `value` at `field`, oldest
  // first. `field` names a member, or a member of nested objects joined by '.' (no arrays), e.g.
  // "GroupId" or "ReferencedGroupInfo.GroupId". Stores may answer it from an index (see
  // CachedStore), so services use it where a write would otherwise read every record of a kind.
  virtual std::vector<Record> find(const std::string& kind, const std::string& region, const std::string& field,
                                   const std::string& value) = 0;
  // The number of records of `kind` in `region`: what list() would return, without reading them.
  virtual size_t count(const std::string& kind, const std::string& region) = 0;
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

// The string at dotted `field` of `doc` (see Transaction::find), or null when there is none.
inline const std::string* field_string(const nlohmann::json& doc, std::string_view field) {
  const nlohmann::json* node = &doc;
  while (true) {
    size_t dot = field.find('.');
    if (!node->is_object()) return nullptr;
    auto it = node->find(std::string(field.substr(0, dot)));
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string_view::npos) break;
    field.remove_prefix(dot + 1);
  }
  return node->is_string() ? node->get_ptr<const std::string*>() : nullptr;
}

// A document field of records of `kind` that a store may index for Transaction::find.
struct IndexedField {
  std::string kind;
  std::string field;  // as Transaction::find names it
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
