#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <map>

namespace stratus::store {
namespace {

// How often committed WAL frames are copied back into the database file.
constexpr auto kCheckpointInterval = std::chrono::milliseconds(100);
// WAL length (in pages) beyond which a checkpoint rewinds it to the start.
constexpr int kMaxWalFrames = 1024;

// Numbered schema migrations; entry i brings the schema from version i to i+1.
// Append only: never edit a migration that has shipped.
const std::vector<std::string> kMigrations = {
    // 1: records and settings.
    "CREATE TABLE records(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL);"
    "CREATE INDEX records_kind_region ON records(kind, region, seq);"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
};

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "no database") + " (code " +
                   std::to_string(db ? sqlite3_extended_errcode(db) : 0) + ")");
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw StoreError("sqlite: " + sql.substr(0, 60) + ": " + message + " (code " +
                     std::to_string(sqlite3_extended_errcode(db)) + ")");
  }
}

}  // namespace

struct SqliteStore::Connection {
  sqlite3* db = nullptr;
  std::map<std::string, sqlite3_stmt*> statements;

  ~Connection() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
  }

  // Runs a statement without results (BEGIN, COMMIT, ...) from the statement cache.
  void run(const std::string& sql) {
    auto stmt = prepare(sql);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(db, sql);
  }

  // A prepared statement for `sql`, cached per connection, reset when the returned handle
  // goes out of scope (an unreset statement would keep its read snapshot open).
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_reset)> prepare(const std::string& sql) {
    return {prepare_cached(sql), sqlite3_reset};
  }

 private:
  sqlite3_stmt* prepare_cached(const std::string& sql) {
    auto it = statements.find(sql);
    if (it != statements.end()) {
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      fail(db, "prepare");
    }
    statements.emplace(sql, stmt);
    return stmt;
  }
};

namespace {

void bind_text(sqlite3_stmt* stmt, int index, const std::string& value) {
  sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* stmt, int index) {
  const unsigned char* text = sqlite3_column_text(stmt, index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt, index)))
              : std::string();
}

// A transaction on one pooled connection; holds the writer lock for write transactions.
class SqliteTransaction : public Transaction {
 public:
  SqliteTransaction(SqliteStore& store, SqliteStore::Connection* connection, std::unique_lock<std::mutex> writer)
      : store_(store), connection_(connection), writer_(std::move(writer)) {
    connection_->run(writer_.owns_lock() ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  ~SqliteTransaction() override {
    if (!done_) sqlite3_step(connection_->prepare("ROLLBACK").get());
    store_.release(connection_);
  }

  std::optional<Record> get(const std::string& id) override {
    auto stmt = connection_->prepare("SELECT id, kind, region, doc FROM records WHERE id = ?");
    bind_text(stmt.get(), 1, id);
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail(connection_->db, "get");
    return read_row(stmt.get());
  }

  std::vector<Record> list(const std::string& kind, const std::optional<std::string>& region) override {
    auto stmt =
        region ? connection_->prepare("SELECT id, kind, region, doc FROM records WHERE kind = ? AND region = ? ORDER BY seq")
               : connection_->prepare("SELECT id, kind, region, doc FROM records WHERE kind = ? ORDER BY seq");
    bind_text(stmt.get(), 1, kind);
    if (region) bind_text(stmt.get(), 2, *region);
    std::vector<Record> records;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) records.push_back(read_row(stmt.get()));
    if (rc != SQLITE_DONE) fail(connection_->db, "list");
    return records;
  }

  std::vector<Record> find(const std::string& kind, const std::string& region, const std::string& field,
                           const std::string& value) override {
    auto stmt = connection_->prepare(
        "SELECT id, kind, region, doc FROM records WHERE kind = ? AND region = ? AND json_extract(doc, ?) = ?"
        " ORDER BY seq");
    bind_text(stmt.get(), 1, kind);
    bind_text(stmt.get(), 2, region);
    bind_text(stmt.get(), 3, "$." + field);
    bind_text(stmt.get(), 4, value);
    std::vector<Record> records;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) records.push_back(read_row(stmt.get()));
    if (rc != SQLITE_DONE) fail(connection_->db, "find");
    return records;
  }

  size_t count(const std::string& kind, const std::string& region) override {
    auto stmt = connection_->prepare("SELECT COUNT(*) FROM records WHERE kind = ? AND region = ?");
    bind_text(stmt.get(), 1, kind);
    bind_text(stmt.get(), 2, region);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) fail(connection_->db, "count");
    return static_cast<size_t>(sqlite3_column_int64(stmt.get(), 0));
  }

  std::vector<Record> list_all() override {
    auto stmt = connection_->prepare("SELECT id, kind, region, doc FROM records ORDER BY seq");
    std::vector<Record> records;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) records.push_back(read_row(stmt.get()));
    if (rc != SQLITE_DONE) fail(connection_->db, "list_all");
    return records;
  }

  void put(const Record& record) override {
    auto stmt = connection_->prepare(
        "INSERT INTO records(id, kind, region, doc) VALUES(?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
        " kind = excluded.kind, region = excluded.region, doc = excluded.doc");
    bind_text(stmt.get(), 1, record.id);
    bind_text(stmt.get(), 2, record.kind);
    bind_text(stmt.get(), 3, record.region);
    bind_text(stmt.get(), 4, record.doc.dump());
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(connection_->db, "put");
  }

  void erase(const std::string& id) override {
    auto stmt = connection_->prepare("DELETE FROM records WHERE id = ?");
    bind_text(stmt.get(), 1, id);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(connection_->db, "erase");
  }

  std::vector<std::pair<std::string, std::string>> all_settings() override {
    auto stmt = connection_->prepare("SELECT key, value FROM settings");
    std::vector<std::pair<std::string, std::string>> out;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      out.emplace_back(column_text(stmt.get(), 0), column_text(stmt.get(), 1));
    }
    if (rc != SQLITE_DONE) fail(connection_->db, "all_settings");
    return out;
  }

  std::optional<std::string> setting(const std::string& key) override {
    auto stmt = connection_->prepare("SELECT value FROM settings WHERE key = ?");
    bind_text(stmt.get(), 1, key);
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail(connection_->db, "setting");
    return column_text(stmt.get(), 0);
  }

  void set_setting(const std::string& key, const std::string& value) override {
    auto stmt = connection_->prepare(
        "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    bind_text(stmt.get(), 1, key);
    bind_text(stmt.get(), 2, value);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(connection_->db, "set_setting");
  }

  void savepoint() override {
    if (has_savepoint_) connection_->run("RELEASE call");
    connection_->run("SAVEPOINT call");
    has_savepoint_ = true;
  }

  void rollback_to_savepoint() override { connection_->run("ROLLBACK TO call"); }

  void commit() override {
    connection_->run("COMMIT");
    done_ = true;
  }

 private:
  static Record read_row(sqlite3_stmt* stmt) {
    Record r;
    r.id = column_text(stmt, 0);
    r.kind = column_text(stmt, 1);
    r.region = column_text(stmt, 2);
    r.doc = nlohmann::json::parse(column_text(stmt, 3));
    return r;
  }

  SqliteStore& store_;
  SqliteStore::Connection* connection_;
  std::unique_lock<std::mutex> writer_;
  bool done_ = false;
  bool has_savepoint_ = false;
};

// Serialises writers inside this process so that BEGIN IMMEDIATE never waits on a sibling.
std::mutex& writer_mutex(const std::string& path) {
  static std::mutex registry_mu;
  static std::map<std::string, std::unique_ptr<std::mutex>> registry;
  std::lock_guard<std::mutex> lock(registry_mu);
  auto& mu = registry[path];
  if (!mu) mu = std::make_unique<std::mutex>();
  return *mu;
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path) : path_(path) {
  Connection* c = acquire();
  try {
    exec(c->db, "PRAGMA journal_mode=WAL");
    int version = schema_version();
    for (size_t v = static_cast<size_t>(version); v < kMigrations.size(); ++v) {
      exec(c->db, "BEGIN IMMEDIATE");
      exec(c->db, kMigrations[v]);
      exec(c->db, "PRAGMA user_version = " + std::to_string(v + 1));
      exec(c->db, "COMMIT");
    }
  } catch (...) {
    release(c);
    throw;
  }
  release(c);
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  checkpointer_.join();
}

void SqliteStore::checkpoint_loop() {
  Connection* c = acquire();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, kCheckpointInterval);
    lock.unlock();
    // PASSIVE never blocks writers, but under constant load it never lets the WAL rewind; a WAL
    // past kMaxWalFrames is rewound (RESTART: already backfilled and synced, so writers wait
    // only for readers still in the WAL), and the final checkpoint truncates it.
    int wal_frames = 0;
    sqlite3_wal_checkpoint_v2(c->db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, nullptr);
    if (stopping_ || wal_frames > kMaxWalFrames) {
      sqlite3_wal_checkpoint_v2(c->db, nullptr, stopping_ ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_RESTART,
                                nullptr, nullptr);
    }
    lock.lock();
  }
  lock.unlock();
  release(c);
}

int SqliteStore::schema_version() {
  Connection* c = acquire();
  int version = 0;
  {
    auto stmt = c->prepare("PRAGMA user_version");
    version = sqlite3_step(stmt.get()) == SQLITE_ROW ? sqlite3_column_int(stmt.get(), 0) : 0;
  }
  release(c);
  return version;
}

SqliteStore::Connection* SqliteStore::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      return c;
    }
  }
  auto connection = std::make_unique<Connection>();
  if (sqlite3_open_v2(path_.c_str(), &connection->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    fail(connection->db, "open " + path_);
  }
  sqlite3_busy_timeout(connection->db, 10000);
  // FULL: a commit is on disk (WAL fsync'd) before any caller hears of it, so an acknowledged
  // write survives power loss; group commit pays one fsync per batch (docs/benchmarks.md).
  exec(connection->db, "PRAGMA synchronous=FULL");
  exec(connection->db, "PRAGMA foreign_keys=ON");
  // Checkpoints run on the checkpointer thread, off the request path (see checkpoint_loop).
  exec(connection->db, "PRAGMA wal_autocheckpoint=0");
  exec(connection->db, "PRAGMA journal_size_limit=67108864");
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(std::move(connection));
  return all_.back().get();
}

void SqliteStore::release(Connection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(connection);
}

std::unique_ptr<Transaction> SqliteStore::begin_read() {
  return std::make_unique<SqliteTransaction>(*this, acquire(), std::unique_lock<std::mutex>());
}

std::unique_ptr<Transaction> SqliteStore::begin_write() {
  std::unique_lock<std::mutex> writer(writer_mutex(path_));
  return std::make_unique<SqliteTransaction>(*this, acquire(), std::move(writer));
}

}  // namespace stratus::store
