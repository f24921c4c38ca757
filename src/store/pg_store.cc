#include "store/pg_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace stratus::store {
namespace {

// The advisory lock every write transaction holds until it ends (an arbitrary constant that
// names stratus's writer lock in pg_locks), and the one migrations hold.
constexpr int64_t kWriterLock = 0x5374726174757301;
constexpr int64_t kMigrationLock = 0x5374726174757302;
// The channel commits NOTIFY, with their revision as payload.
constexpr const char* kChannel = "stratus_changes";

// Numbered schema migrations; entry i brings the schema from version i to i+1.
// Append only: never edit a migration that has shipped.
const std::vector<std::string> kMigrations = {
    // 1: records, settings, the change log and the head revision.
    "CREATE TABLE records(seq BIGSERIAL NOT NULL, id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " region TEXT NOT NULL, doc TEXT NOT NULL, rev BIGINT NOT NULL);"
    "CREATE INDEX records_kind_region ON records(kind, region, seq);"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE changes(rev BIGINT NOT NULL, record_id TEXT, setting_key TEXT,"
    " at TIMESTAMPTZ NOT NULL DEFAULT now());"
    "CREATE INDEX changes_rev ON changes(rev);"
    "CREATE TABLE head(one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK(one), rev BIGINT NOT NULL,"
    " pruned_rev BIGINT NOT NULL);"
    "INSERT INTO head(rev, pruned_rev) VALUES(0, 0);",
};

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

uint64_t to_u64(const char* text) {
  uint64_t value = 0;
  std::from_chars(text, text + std::strlen(text), value);
  return value;
}

}  // namespace

struct PgStore::Connection {
  PGconn* conn = nullptr;
  std::unordered_map<std::string, std::string> prepared;  // sql -> statement name

  explicit Connection(const std::string& url) {
    conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      conn = nullptr;
      throw StoreError("postgresql: cannot connect: " + message);
    }
    run("SET client_min_messages = warning");
  }
  ~Connection() { PQfinish(conn); }

  // False once the server connection is lost; such a connection is not pooled again.
  bool healthy() const { return PQstatus(conn) == CONNECTION_OK; }

  // Runs `sql` (one or more statements, no parameters); the last statement's result.
  Result run(const std::string& sql) { return check(PQexec(conn, sql.c_str()), sql); }

  // Runs the statement `sql` with text parameters `params` (nullptr for NULL), prepared once per
  // connection.
  Result query(const std::string& sql, const std::vector<const char*>& params = {}) {
    const std::string& name = statement(sql);
    return check(PQexecPrepared(conn, name.c_str(), static_cast<int>(params.size()), params.data(), nullptr, nullptr, 0),
                 sql);
  }

  // One statement of a pipeline(): its text parameters, and what to do with its result.
  struct Pipelined {
    std::string sql;
    std::vector<std::string> params;
    std::function<void(const PGresult*)> on_result;  // may be empty
  };

  // Runs `statements` in order in one round trip (libpq's pipeline mode), handing each its result.
  // Throws StoreError, after reading every result, when one failed (those after it did not run).
  void pipeline(const std::vector<Pipelined>& statements) {
    for (const Pipelined& s : statements) statement(s.sql);  // PQprepare cannot run in a pipeline
    if (PQenterPipelineMode(conn) != 1) throw StoreError(std::string("postgresql: pipeline: ") + PQerrorMessage(conn));
    std::string failure;
    size_t sent = 0;
    for (const Pipelined& s : statements) {
      std::vector<const char*> values;
      for (const std::string& p : s.params) values.push_back(p.c_str());
      if (PQsendQueryPrepared(conn, prepared.at(s.sql).c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                              nullptr, 0) != 1) {
        failure = PQerrorMessage(conn);
        break;
      }
      ++sent;
    }
    if (PQpipelineSync(conn) != 1 && failure.empty()) failure = PQerrorMessage(conn);
    for (size_t i = 0; i < sent && healthy(); ++i) {
      Result result(PQgetResult(conn), PQclear);
      ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (statements[i].on_result) statements[i].on_result(result.get());
      } else if (failure.empty()) {
        failure = statements[i].sql.substr(0, 60) + ": " +
                  (result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn));
      }
      if (!result) continue;
      while (PGresult* end = PQgetResult(conn)) PQclear(end);  // up to the null that ends the statement's results
    }
    while (healthy()) {  // up to the sync point
      Result result(PQgetResult(conn), PQclear);
      if (result && PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) break;
    }
    PQexitPipelineMode(conn);
    if (!failure.empty()) throw StoreError("postgresql: " + failure);
    if (!healthy()) throw StoreError(std::string("postgresql: connection lost: ") + PQerrorMessage(conn));
  }

 private:
  // The name of the prepared statement for `sql`, preparing it on first use.
  const std::string& statement(const std::string& sql) {
    auto it = prepared.find(sql);
    if (it == prepared.end()) {
      std::string name = "s" + std::to_string(prepared.size());
      check(PQprepare(conn, name.c_str(), sql.c_str(), 0, nullptr), sql);
      it = prepared.emplace(sql, name).first;
    }
    return it->second;
  }

  Result check(PGresult* raw, const std::string& sql) {
    Result result(raw, PQclear);
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      throw StoreError("postgresql: " + sql.substr(0, 60) + ": " +
                       (raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn)));
    }
    return result;
  }
};

namespace {

const char* const kSelectRecord = "SELECT id, kind, region, doc, seq FROM records";

// The record in row `row` of a result of kSelectRecord columns starting at `column`.
Record record_at(const PGresult* result, int row, int column = 0) {
  Record r;
  r.id = PQgetvalue(result, row, column);
  r.kind = PQgetvalue(result, row, column + 1);
  r.region = PQgetvalue(result, row, column + 2);
  r.doc = nlohmann::json::parse(PQgetvalue(result, row, column + 3));
  return r;
}

std::vector<Record> records_of(const Result& result) {
  std::vector<Record> out;
  int rows = PQntuples(result.get());
  out.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) out.push_back(record_at(result.get(), i));
  return out;
}

// "{a,b}": a dotted field (Transaction::find) as a PostgreSQL text[] path.
std::string json_path(const std::string& field) {
  std::string path = "{" + field + "}";
  for (char& c : path) {
    if (c == '.') c = ',';
  }
  return path;
}

// The statements a write transaction sends (prepared once per connection).
const char* const kPutSql =
    "WITH logged AS (INSERT INTO changes(rev, record_id) VALUES($5, $1))"
    " INSERT INTO records(id, kind, region, doc, rev) VALUES($1, $2, $3, $4, $5) ON CONFLICT(id) DO UPDATE SET"
    " kind = excluded.kind, region = excluded.region, doc = excluded.doc, rev = excluded.rev RETURNING seq";
const char* const kEraseSql =
    "WITH logged AS (INSERT INTO changes(rev, record_id) VALUES($2, $1)) DELETE FROM records WHERE id = $1";
const char* const kSetSettingSql =
    "WITH logged AS (INSERT INTO changes(rev, setting_key) VALUES($3, $1))"
    " INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
const char* const kPruneSql =
    "WITH gone AS (DELETE FROM changes WHERE rev <= (SELECT max(rev) FROM changes"
    " WHERE at < now() - make_interval(secs => $1::double precision)) RETURNING rev)"
    " UPDATE head SET pruned_rev = GREATEST(pruned_rev, (SELECT max(rev) FROM gone))"
    " WHERE EXISTS (SELECT 1 FROM gone)";

// A transaction on one pooled connection. A write transaction holds kWriterLock from its start,
// so its revision, the head's next, is its own until it ends; it moves the head at commit.
//
// Writes are kept and sent together, in one round trip, when the transaction commits or reads
// (libpq's pipeline mode), so a batch of calls costs three round trips (begin, catch-up, commit)
// however much it writes. A savepoint is only marked in the list; PostgreSQL hears of it only
// when writes after it are sent before the transaction ends (a read in between), so the batch
// does not pay for a subtransaction per call.
class PgTransaction : public SharedTransaction {
 public:
  PgTransaction(PgStore& store, PgStore::Connection* connection, bool write)
      : store_(store), connection_(connection), write_(write) {
    try {
      if (write_) {
        // Only reads until commit: a transaction that writes nothing costs the server no WAL.
        auto head = connection_->run("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) +
                                     "); SELECT rev + 1, pruned_rev FROM head");
        revision_ = to_u64(PQgetvalue(head.get(), 0, 0));
        pruned_ = to_u64(PQgetvalue(head.get(), 0, 1));
        revision_text_ = std::to_string(revision_);
      } else {
        connection_->run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      }
    } catch (...) {
      store_.release(connection_);
      throw;
    }
  }

  ~PgTransaction() override {
    if (!done_ && connection_->healthy()) {
      PGresult* ignored = PQexec(connection_->conn, "ROLLBACK");
      PQclear(ignored);
    }
    store_.release(connection_);
  }

  std::optional<Record> get(const std::string& id) override {
    flush();
    auto result = connection_->query(std::string(kSelectRecord) + " WHERE id = $1", {id.c_str()});
    if (PQntuples(result.get()) == 0) return std::nullopt;
    return record_at(result.get(), 0);
  }

  std::vector<Record> list(const std::string& kind, const std::optional<std::string>& region) override {
    flush();
    if (region) {
      return records_of(connection_->query(
          std::string(kSelectRecord) + " WHERE kind = $1 AND region = $2 ORDER BY seq", {kind.c_str(), region->c_str()}));
    }
    return records_of(connection_->query(std::string(kSelectRecord) + " WHERE kind = $1 ORDER BY seq", {kind.c_str()}));
  }

  std::vector<Record> find(const std::string& kind, const std::string& region, const std::string& field,
                           const std::string& value) override {
    flush();
    std::string path = json_path(field);
    return records_of(connection_->query(std::string(kSelectRecord) +
                                             " WHERE kind = $1 AND region = $2 AND doc::jsonb #>> $3::text[] = $4"
                                             " ORDER BY seq",
                                         {kind.c_str(), region.c_str(), path.c_str(), value.c_str()}));
  }

  size_t count(const std::string& kind, const std::string& region) override {
    flush();
    auto result =
        connection_->query("SELECT count(*) FROM records WHERE kind = $1 AND region = $2", {kind.c_str(), region.c_str()});
    return static_cast<size_t>(to_u64(PQgetvalue(result.get(), 0, 0)));
  }

  void put(const Record& record) override {
    require_write("put");
    std::string id = record.id;
    pending_.push_back({kPutSql,
                        {record.id, record.kind, record.region, record.doc.dump(), revision_text_},
                        [this, id](const PGresult* result) { note_seq(id, to_u64(PQgetvalue(result, 0, 0))); }});
    wrote_ = true;
  }

  void erase(const std::string& id) override {
    require_write("erase");
    pending_.push_back({kEraseSql, {id, revision_text_}, [this, id](const PGresult*) { note_seq(id, 0); }});
    wrote_ = true;
  }

  std::vector<Record> list_all() override {
    flush();
    return records_of(connection_->query(std::string(kSelectRecord) + " ORDER BY seq"));
  }

  std::vector<std::pair<std::string, std::string>> all_settings() override {
    flush();
    auto result = connection_->query("SELECT key, value FROM settings");
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      out.emplace_back(PQgetvalue(result.get(), i, 0), PQgetvalue(result.get(), i, 1));
    }
    return out;
  }

  std::optional<std::string> setting(const std::string& key) override {
    flush();
    auto result = connection_->query("SELECT value FROM settings WHERE key = $1", {key.c_str()});
    if (PQntuples(result.get()) == 0) return std::nullopt;
    return std::string(PQgetvalue(result.get(), 0, 0));
  }

  void set_setting(const std::string& key, const std::string& value) override {
    require_write("set_setting");
    pending_.push_back({kSetSettingSql, {key, value, revision_text_}, {}});
    wrote_ = true;
  }

  void savepoint() override {
    require_write("savepoint");
    savepoint_at_ = pending_.size();
  }

  void rollback_to_savepoint() override {
    if (!savepoint_at_) throw StoreError("rollback_to_savepoint without a savepoint");
    if (*savepoint_at_ != kSent) {
      pending_.resize(*savepoint_at_);  // nothing after the mark reached the server
      return;
    }
    pending_.clear();
    connection_->run("ROLLBACK TO SAVEPOINT call");
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->second) seqs_[it->first] = *it->second; else seqs_.erase(it->first);
    }
    undo_.clear();
  }

  void commit() override {
    if (!write_ || !wrote_) {
      // Nothing to publish: give the revision back.
      connection_->run(write_ ? "ROLLBACK" : "COMMIT");
      done_ = true;
      return;
    }
    savepoint_at_.reset();  // a rollback can no longer happen: the server needs no savepoint
    if (revision_ % store_.options().prune_every == 0) {
      pending_.push_back({kPruneSql, {std::to_string(store_.options().retention.count())}, {}});
    }
    pending_ = batched(std::move(pending_));
    pending_.push_back({"UPDATE head SET rev = $1", {revision_text_}, {}});
    pending_.push_back({"SELECT pg_notify($1, $2)", {kChannel, revision_text_}, {}});
    pending_.push_back({"COMMIT", {}, {}});
    flush();
    done_ = true;
    committed_ = true;
  }

  Changes changes_after(uint64_t revision) override {
    flush();
    Changes changes;
    uint64_t pruned = pruned_;
    if (write_) {
      changes.revision = revision_ - 1;
      if (revision == changes.revision) return changes;  // nothing committed since: no round trip
    } else {
      auto head = connection_->query("SELECT rev, pruned_rev FROM head");
      changes.revision = to_u64(PQgetvalue(head.get(), 0, 0));
      pruned = to_u64(PQgetvalue(head.get(), 0, 1));
    }
    if (revision < pruned) {
      changes.complete = false;
      return changes;
    }
    std::string after = std::to_string(revision);
    std::string upto = std::to_string(changes.revision);
    auto result = connection_->query(
        "SELECT DISTINCT c.record_id, c.setting_key, r.id, r.kind, r.region, r.doc, r.seq, s.value FROM changes c"
        " LEFT JOIN records r ON r.id = c.record_id LEFT JOIN settings s ON s.key = c.setting_key"
        " WHERE c.rev > $1 AND c.rev <= $2",
        {after.c_str(), upto.c_str()});
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      const PGresult* row = result.get();
      if (!PQgetisnull(row, i, 1)) {
        changes.settings.emplace_back(PQgetvalue(row, i, 1), PQgetvalue(row, i, 7));
      } else if (PQgetisnull(row, i, 2)) {
        changes.records.emplace_back(PQgetvalue(row, i, 0), std::nullopt);
      } else {
        changes.records.emplace_back(PQgetvalue(row, i, 0),
                                     PlacedRecord{to_u64(PQgetvalue(row, i, 6)), record_at(row, i, 2)});
      }
    }
    return changes;
  }

  Snapshot snapshot() override {
    flush();
    Snapshot snapshot;
    if (write_) {
      snapshot.revision = revision_ - 1;
    } else {
      auto head = connection_->query("SELECT rev FROM head");
      snapshot.revision = to_u64(PQgetvalue(head.get(), 0, 0));
    }
    auto result = connection_->query(std::string(kSelectRecord) + " ORDER BY seq");
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      snapshot.records.push_back({to_u64(PQgetvalue(result.get(), i, 4)), record_at(result.get(), i)});
    }
    snapshot.settings = all_settings();
    return snapshot;
  }

  uint64_t seq_of(const std::string& id) override {
    auto it = seqs_.find(id);
    if (it == seqs_.end() || it->second == 0) throw StoreError("seq_of " + id + ": not put by this transaction");
    return it->second;
  }

  std::optional<uint64_t> committed_revision() override {
    return committed_ ? std::optional(revision_) : std::nullopt;
  }

 private:
  // savepoint_at_ once the mark has reached the server (writes after it were sent).
  static constexpr size_t kSent = static_cast<size_t>(-1);

  void require_write(const char* what) {
    if (!write_) throw StoreError(std::string(what) + " in a read transaction");
  }

  // Sends the pending writes (with the savepoint, when writes after it go too) in one round trip.
  void flush() {
    if (pending_.empty()) return;
    std::vector<PgStore::Connection::Pipelined> batch;
    batch.reserve(pending_.size() + 1);
    bool mark = savepoint_at_ && *savepoint_at_ != kSent && *savepoint_at_ < pending_.size();
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (mark && i == *savepoint_at_) batch.push_back({"SAVEPOINT call", {}, [this](const PGresult*) { undo_.clear(); }});
      batch.push_back(std::move(pending_[i]));
    }
    pending_.clear();
    if (savepoint_at_ && *savepoint_at_ != kSent) savepoint_at_ = mark ? kSent : 0;
    connection_->pipeline(batch);
  }

  // `writes` with their record puts and erases folded into three statements (the ids erased,
  // then the records put, then the change log), for a commit, where no rollback can follow: the
  // server's work then grows with the batch's records, not with a statement per write. Each
  // record ends as its last write left it; one created in the batch takes its place (its seq)
  // where it was first put after its last erase, as statement by statement.
  std::vector<PgStore::Connection::Pipelined> batched(std::vector<PgStore::Connection::Pipelined> writes) {
    std::unordered_map<std::string, size_t> last;   // id -> index of its last write
    std::unordered_map<std::string, size_t> first;  // id -> index of its first put after its last erase
    std::unordered_set<std::string> erased;         // ids erased in the batch
    for (size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      if (w.sql != kPutSql && w.sql != kEraseSql) continue;
      const std::string& id = w.params[0];
      last[id] = i;
      if (w.sql == kEraseSql) {
        erased.insert(id);
        first.erase(id);
      } else {
        first.try_emplace(id, i);
      }
    }
    if (last.empty()) return writes;
    std::vector<PgStore::Connection::Pipelined> out;
    nlohmann::json gone = nlohmann::json::array(), touched = nlohmann::json::array();
    std::vector<std::pair<size_t, size_t>> puts;  // (first put, last write) of each record put
    for (size_t i = 0; i < writes.size(); ++i) {
      auto& w = writes[i];
      if (w.sql != kPutSql && w.sql != kEraseSql) {
        out.push_back(std::move(w));
        continue;
      }
      const std::string& id = w.params[0];
      if (last.at(id) != i) continue;
      touched.push_back(id);
      if (erased.count(id)) gone.push_back(id);  // its old row goes; a put makes a new one
      if (w.sql == kPutSql) puts.emplace_back(first.at(id), i); else note_seq(id, 0);
    }
    std::sort(puts.begin(), puts.end());
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [position, i] : puts) {
      const std::vector<std::string>& p = writes[i].params;
      rows.push_back({{"id", p[0]}, {"kind", p[1]}, {"region", p[2]}, {"doc", p[3]}});
    }
    std::vector<PgStore::Connection::Pipelined> records;
    if (!gone.empty()) {
      records.push_back({"DELETE FROM records WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
                         {gone.dump()}, {}});
    }
    if (!rows.empty()) {
      records.push_back(
          {"INSERT INTO records(id, kind, region, doc, rev) SELECT p.id, p.kind, p.region, p.doc, $2::bigint"
           " FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, kind text, region text, doc text))"
           " WITH ORDINALITY AS p(id, kind, region, doc, n)"
           " ORDER BY p.n ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, region = excluded.region,"
           " doc = excluded.doc, rev = excluded.rev RETURNING id, seq",
           {rows.dump(), revision_text_},
           [this](const PGresult* result) {
             for (int row = 0; row < PQntuples(result); ++row) {
               note_seq(PQgetvalue(result, row, 0), to_u64(PQgetvalue(result, row, 1)));
             }
           }});
    }
    records.push_back({"INSERT INTO changes(rev, record_id) SELECT $2::bigint, jsonb_array_elements_text($1::jsonb)",
                       {touched.dump(), revision_text_}, {}});
    records.insert(records.end(), std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
    return records;
  }

  // Remembers `seq` (0: erased) as `id`'s, undoably back to the last savepoint the server knows.
  void note_seq(const std::string& id, uint64_t seq) {
    auto it = seqs_.find(id);
    undo_.emplace_back(id, it == seqs_.end() ? std::nullopt : std::optional(it->second));
    seqs_[id] = seq;
  }

  PgStore& store_;
  PgStore::Connection* connection_;
  bool write_;
  uint64_t revision_ = 0;  // a write transaction's own revision
  uint64_t pruned_ = 0;    // a write transaction's view of head.pruned_rev
  std::string revision_text_;
  bool wrote_ = false;
  bool done_ = false;
  bool committed_ = false;
  std::vector<PgStore::Connection::Pipelined> pending_;  // writes not yet sent
  std::optional<size_t> savepoint_at_;  // the mark: an index into pending_, or kSent
  std::unordered_map<std::string, uint64_t> seqs_;                     // id -> seq put at (0: erased)
  std::vector<std::pair<std::string, std::optional<uint64_t>>> undo_;  // since the server's savepoint: id, earlier seqs_ entry
};

}  // namespace

bool is_postgresql_url(const std::string& store_url) {
  return store_url.rfind("postgresql://", 0) == 0 || store_url.rfind("postgres://", 0) == 0;
}

PgStore::PgStore(const std::string& url, PgStoreOptions options) : url_(url), options_(options) {
  Connection* c = acquire();
  try {
    c->run("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
    c->run("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    int version = schema_version();
    if (static_cast<size_t>(version) > kMigrations.size()) {
      throw StoreError("postgresql: the database's schema is version " + std::to_string(version) +
                       ", newer than this stratus knows (" + std::to_string(kMigrations.size()) + ")");
    }
    for (size_t v = static_cast<size_t>(version); v < kMigrations.size(); ++v) {
      c->run("BEGIN; " + kMigrations[v] + "; DELETE FROM schema_version; INSERT INTO schema_version VALUES(" +
             std::to_string(v + 1) + "); COMMIT");
    }
    c->run("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
  } catch (...) {
    release(c);
    throw;
  }
  release(c);
  listener_ = std::make_unique<Connection>(url_);
  listener_->run(std::string("LISTEN ") + kChannel);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

PgStore::~PgStore() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

namespace {

// A session advisory lock on its own connection. Released explicitly, so that it is free for
// others when the destructor returns: PostgreSQL frees it on disconnect too, but only once the
// server has noticed, after PQfinish has returned.
class SessionLock : public PgStore::HeldLock {
 public:
  SessionLock(std::unique_ptr<PgStore::Connection> connection, std::string key)
      : connection_(std::move(connection)), key_(std::move(key)) {}
  ~SessionLock() override {
    try {
      connection_->query("SELECT pg_advisory_unlock(hashtext($1))", {key_.c_str()});
    } catch (const StoreError&) {
      // The connection is gone, and the lock with it.
    }
  }

 private:
  std::unique_ptr<PgStore::Connection> connection_;
  std::string key_;
};

}  // namespace

std::unique_ptr<PgStore::HeldLock> PgStore::try_hold(const std::string& name) {
  auto connection = std::make_unique<Connection>(url_);
  std::string key = "stratus:" + name;
  auto taken = connection->query("SELECT pg_try_advisory_lock(hashtext($1))", {key.c_str()});
  if (std::string(PQgetvalue(taken.get(), 0, 0)) != "t") return nullptr;
  return std::make_unique<SessionLock>(std::move(connection), key);
}

int PgStore::schema_version() {
  Connection* c = acquire();
  int version = 0;
  try {
    auto result = c->run("SELECT version FROM schema_version");
    if (PQntuples(result.get()) > 0) version = std::atoi(PQgetvalue(result.get(), 0, 0));
  } catch (...) {
    release(c);
    throw;
  }
  release(c);
  return version;
}

PgStore::Connection* PgStore::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      return c;
    }
  }
  auto connection = std::make_unique<Connection>(url_);
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(std::move(connection));
  return all_.back().get();
}

void PgStore::release(Connection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->healthy()) {
    idle_.push_back(connection);
    return;
  }
  // A lost connection most often means the server restarted: the idle ones are likely gone too,
  // and new connections are cheap.
  idle_.push_back(connection);
  std::erase_if(all_, [&](const std::unique_ptr<Connection>& c) {
    return std::find(idle_.begin(), idle_.end(), c.get()) != idle_.end();
  });
  idle_.clear();
}

std::unique_ptr<Transaction> PgStore::begin_read() { return begin_shared(false); }

std::unique_ptr<Transaction> PgStore::begin_write() { return begin_shared(true); }

std::unique_ptr<SharedTransaction> PgStore::begin_shared(bool write) {
  try {
    return std::make_unique<PgTransaction>(*this, acquire(), write);
  } catch (const StoreError&) {
    // A pooled connection the server has since closed (a restart, pg_terminate_backend) fails
    // its first statement and is dropped from the pool; a new connection may well succeed.
    return std::make_unique<PgTransaction>(*this, acquire(), write);
  }
}

std::optional<uint64_t> PgStore::wait_for_change(std::chrono::milliseconds timeout) {
  if (!listener_->healthy()) {
    // Reconnect and LISTEN again before the caller catches up, so nothing falls between.
    PQreset(listener_->conn);
    if (listener_->healthy()) {
      listener_->prepared.clear();
      listener_->run(std::string("LISTEN ") + kChannel);
      return std::nullopt;
    }
  }
  // Without a connection PQsocket is -1, which poll() ignores: the wait is for the timeout.
  pollfd fds[2] = {{PQsocket(listener_->conn), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int ready = ::poll(fds, 2, static_cast<int>(timeout.count()));
  uint64_t ignored;
  if (ready > 0 && (fds[1].revents & POLLIN)) {
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &ignored, sizeof ignored);
  }
  std::optional<uint64_t> newest;
  if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
    PQconsumeInput(listener_->conn);
    while (PGnotify* notice = PQnotifies(listener_->conn)) {
      newest = std::max(newest.value_or(0), to_u64(notice->extra));
      PQfreemem(notice);
    }
  }
  return newest;
}

void PgStore::interrupt() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace stratus::store
