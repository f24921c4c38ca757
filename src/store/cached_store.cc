#include "store/cached_store.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace stratus::store {
namespace {

using State = CachedStore::State;

// The by_field key of records of `kind` in `region` holding `value` at `field`.
std::string index_key(const std::string& kind, const std::string& field, const std::string& region,
                      const std::string& value) {
  std::string key;
  key.reserve(kind.size() + field.size() + region.size() + value.size() + 3);
  key.append(kind).push_back('\0');
  key.append(field).push_back('\0');
  key.append(region).push_back('\0');
  key.append(value);
  return key;
}

// The index keys `record` is filed under: one per field indexed for its kind that holds a string.
std::vector<std::string> index_keys(const State& state, const Record& record) {
  std::vector<std::string> keys;
  auto fields = state.indexed_fields.find(record.kind);
  if (fields == state.indexed_fields.end()) return keys;
  for (const std::string& field : fields->second) {
    if (const std::string* value = field_string(record.doc, field)) {
      keys.push_back(index_key(record.kind, field, record.region, *value));
    }
  }
  return keys;
}

// Adds (`add`) or removes the index entries of `record`, stored at `seq`.
void index_record(State& state, const std::shared_ptr<const Record>& record, uint64_t seq, bool add) {
  for (const std::string& key : index_keys(state, *record)) {
    if (add) {
      state.by_field[key][seq] = record;
    } else if (auto bucket = state.by_field.find(key); bucket != state.by_field.end()) {
      bucket->second.erase(seq);
      if (bucket->second.empty()) state.by_field.erase(bucket);
    }
  }
}

void apply_erase(State& state, const std::string& id);

// Adds or replaces `record` in `state`, keeping the position of a replaced record. With a `seq`
// (a shared store's), the record goes there: a cached record at another seq was erased and
// created again since, and moves.
void apply_put(State& state, Record record, std::optional<uint64_t> seq = std::nullopt) {
  auto shared = std::make_shared<const Record>(std::move(record));
  if (seq) {
    if (auto cached = state.by_id.find(shared->id); cached != state.by_id.end() && cached->second.seq != *seq) {
      apply_erase(state, shared->id);
    }
    state.next_seq = std::max(state.next_seq, *seq + 1);
  }
  auto [it, inserted] = state.by_id.try_emplace(shared->id);
  if (inserted) {
    it->second.seq = seq ? *seq : state.next_seq++;
  } else {
    const Record& old = *it->second.record;
    if (old.kind != shared->kind || old.region != shared->region) {
      state.by_kind[{old.kind, old.region}].erase(it->second.seq);
    }
    index_record(state, it->second.record, it->second.seq, false);
  }
  it->second.record = shared;
  state.by_kind[{shared->kind, shared->region}][it->second.seq] = shared;
  index_record(state, shared, it->second.seq, true);
}

void apply_erase(State& state, const std::string& id) {
  auto it = state.by_id.find(id);
  if (it == state.by_id.end()) return;
  auto bucket = state.by_kind.find({it->second.record->kind, it->second.record->region});
  if (bucket != state.by_kind.end()) bucket->second.erase(it->second.seq);
  index_record(state, it->second.record, it->second.seq, false);
  state.by_id.erase(it);
}

std::optional<Record> get_from(const State& state, const std::string& id) {
  auto it = state.by_id.find(id);
  if (it == state.by_id.end()) return std::nullopt;
  return *it->second.record;
}

// Records of `kind` (in `region`, or every region) from `state`, as (seq, record) in seq order.
std::vector<std::pair<uint64_t, std::shared_ptr<const Record>>> list_from(const State& state, const std::string& kind,
                                                                           const std::optional<std::string>& region) {
  std::vector<std::pair<uint64_t, std::shared_ptr<const Record>>> out;
  if (region) {
    auto bucket = state.by_kind.find({kind, *region});
    if (bucket != state.by_kind.end()) out.assign(bucket->second.begin(), bucket->second.end());
    return out;
  }
  for (auto it = state.by_kind.lower_bound({kind, ""}); it != state.by_kind.end() && it->first.first == kind; ++it) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// The number of records of `kind` in `region` in `state`.
size_t count_from(const State& state, const std::string& kind, const std::string& region) {
  auto bucket = state.by_kind.find({kind, region});
  return bucket == state.by_kind.end() ? 0 : bucket->second.size();
}

// True when `state` indexes `field` of records of `kind`.
bool is_indexed(const State& state, const std::string& kind, const std::string& field) {
  auto fields = state.indexed_fields.find(kind);
  return fields != state.indexed_fields.end() &&
         std::find(fields->second.begin(), fields->second.end(), field) != fields->second.end();
}

// Records of `kind` in `region` holding `value` at `field`, as (seq, record) in seq order: from
// the index when the field is indexed, else by reading every record of the kind.
std::vector<std::pair<uint64_t, std::shared_ptr<const Record>>> find_from(const State& state, const std::string& kind,
                                                                           const std::string& region,
                                                                           const std::string& field,
                                                                           const std::string& value) {
  std::vector<std::pair<uint64_t, std::shared_ptr<const Record>>> out;
  if (is_indexed(state, kind, field)) {
    auto bucket = state.by_field.find(index_key(kind, field, region, value));
    if (bucket != state.by_field.end()) out.assign(bucket->second.begin(), bucket->second.end());
    return out;
  }
  for (auto& entry : list_from(state, kind, region)) {
    const std::string* found = field_string(entry.second->doc, field);
    if (found != nullptr && *found == value) out.push_back(std::move(entry));
  }
  return out;
}

// A read transaction: the shared lock is held for its whole life, so it sees one state.
class CachedReadTransaction : public Transaction {
 public:
  CachedReadTransaction(const State& state, pthread_rwlock_t* lock) : state_(state), lock_(lock) {
    pthread_rwlock_rdlock(lock_);
  }
  ~CachedReadTransaction() override { pthread_rwlock_unlock(lock_); }

  std::optional<Record> get(const std::string& id) override { return get_from(state_, id); }
  std::vector<Record> list(const std::string& kind, const std::optional<std::string>& region) override {
    std::vector<Record> out;
    for (const auto& [seq, record] : list_from(state_, kind, region)) out.push_back(*record);
    return out;
  }
  void visit(const std::string& kind, const std::optional<std::string>& region,
             const std::function<void(const Record&)>& visit) override {
    for (const auto& [seq, record] : list_from(state_, kind, region)) visit(*record);
  }
  std::vector<Record> find(const std::string& kind, const std::string& region, const std::string& field,
                           const std::string& value) override {
    std::vector<Record> out;
    for (const auto& [seq, record] : find_from(state_, kind, region, field, value)) out.push_back(*record);
    return out;
  }
  size_t count(const std::string& kind, const std::string& region) override { return count_from(state_, kind, region); }
  std::vector<Record> list_all() override {
    std::vector<std::pair<uint64_t, const Record*>> all;
    for (const auto& [id, entry] : state_.by_id) all.emplace_back(entry.seq, entry.record.get());
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Record> out;
    for (const auto& [seq, record] : all) out.push_back(*record);
    return out;
  }
  void put(const Record&) override { throw StoreError("put in a read transaction"); }
  void erase(const std::string&) override { throw StoreError("erase in a read transaction"); }
  std::vector<std::pair<std::string, std::string>> all_settings() override {
    return {state_.settings.begin(), state_.settings.end()};
  }
  std::optional<std::string> setting(const std::string& key) override {
    auto it = state_.settings.find(key);
    if (it == state_.settings.end()) return std::nullopt;
    return it->second;
  }
  void set_setting(const std::string&, const std::string&) override {
    throw StoreError("set_setting in a read transaction");
  }
  void savepoint() override { throw StoreError("savepoint in a read transaction"); }
  void rollback_to_savepoint() override { throw StoreError("rollback in a read transaction"); }
  void commit() override {}

 private:
  const State& state_;
  pthread_rwlock_t* lock_;
};

}  // namespace

// A write transaction: reads the cache (safe without the rwlock: only writers change it, and
// this one holds the writer mutex) overlaid with its own pending writes; commit() commits the
// backend, then publishes the writes under the exclusive lock.
class CachedWriteTransaction : public Transaction {
 public:
  // Over a SharedStore, first brings the cache up to the revision before this transaction's.
  CachedWriteTransaction(CachedStore& store, std::unique_lock<std::mutex> writer)
      : store_(store), writer_(std::move(writer)) {
    if (store_.shared_ == nullptr) {
      backend_ = store_.backend_->begin_write();
      return;
    }
    auto shared = store_.shared_->begin_shared(true);
    shared_ = shared.get();
    backend_ = std::move(shared);
    store_.apply_remote(*shared_, shared_->changes_after(store_.applied_));
  }

  std::optional<Record> get(const std::string& id) override {
    auto pending = pending_.find(id);
    if (pending != pending_.end()) return pending->second;
    return get_from(store_.state_, id);
  }

  std::vector<Record> list(const std::string& kind, const std::optional<std::string>& region) override {
    std::vector<Record> out;
    for (const auto& [seq, record] : list_from(store_.state_, kind, region)) {
      auto pending = pending_.find(record->id);
      if (pending == pending_.end()) {
        out.push_back(*record);
      } else if (pending->second && matches(*pending->second, kind, region)) {
        out.push_back(*pending->second);
      }
    }
    for (const std::string& id : created_) {
      const auto& pending = pending_.at(id);
      if (pending && matches(*pending, kind, region) && !store_.state_.by_id.count(id)) out.push_back(*pending);
    }
    return out;
  }

  std::vector<Record> find(const std::string& kind, const std::string& region, const std::string& field,
                           const std::string& value) override {
    // The cache's matches this transaction has not touched, then every record of the kind it
    // wrote that matches now, each at its place in creation order (new ones after the cache's).
    std::vector<std::pair<uint64_t, const Record*>> found;
    for (const auto& [seq, record] : find_from(store_.state_, kind, region, field, value)) {
      if (!pending_.count(record->id)) found.emplace_back(seq, record.get());
    }
    // The ids this transaction wrote that may match: from its own index when the field is
    // indexed (so a batch's cost does not grow with its other writes), else all of the kind.
    const std::unordered_set<std::string>* written = nullptr;
    if (is_indexed(store_.state_, kind, field)) {
      auto bucket = pending_by_field_.find(index_key(kind, field, region, value));
      if (bucket != pending_by_field_.end()) written = &bucket->second;
    } else if (auto of_kind = pending_by_kind_.find(kind); of_kind != pending_by_kind_.end()) {
      written = &of_kind->second;
    }
    if (written != nullptr) {
      for (const std::string& id : *written) {
        const std::optional<Record>& pending = pending_.at(id);
        if (!pending || !matches(*pending, kind, region)) continue;
        const std::string* found_value = field_string(pending->doc, field);
        if (found_value == nullptr || *found_value != value) continue;
        auto cached = store_.state_.by_id.find(id);
        uint64_t seq = cached != store_.state_.by_id.end() ? cached->second.seq
                                                           : store_.state_.next_seq + created_position_.at(id);
        found.emplace_back(seq, &*pending);
      }
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Record> out;
    out.reserve(found.size());
    for (const auto& [seq, record] : found) out.push_back(*record);
    return out;
  }

  size_t count(const std::string& kind, const std::string& region) override {
    // The cache's count, corrected for each record of the kind this transaction wrote or erased
    // (created, erased or moved to another region).
    size_t n = count_from(store_.state_, kind, region);
    auto written = pending_by_kind_.find(kind);
    if (written == pending_by_kind_.end()) return n;
    for (const std::string& id : written->second) {
      auto cached = store_.state_.by_id.find(id);
      bool was = cached != store_.state_.by_id.end() && matches(*cached->second.record, kind, region);
      const std::optional<Record>& pending = pending_.at(id);
      bool is = pending && matches(*pending, kind, region);
      if (is && !was) ++n;
      if (was && !is) --n;
    }
    return n;
  }

  std::vector<Record> list_all() override { throw StoreError("list_all in a write transaction"); }
  std::vector<std::pair<std::string, std::string>> all_settings() override {
    throw StoreError("all_settings in a write transaction");
  }

  void put(const Record& record) override {
    backend_->put(record);
    if (!store_.state_.by_id.count(record.id) && created_position_.emplace(record.id, created_.size()).second) {
      created_.push_back(record.id);
    }
    pending_[record.id] = record;
    note_pending(record);
    last_write_[record.id] = log_.size();
    log_.emplace_back(record.id, record);
  }

  void erase(const std::string& id) override {
    backend_->erase(id);
    pending_[id] = std::nullopt;
    note_cached_kind(id);
    last_write_[id] = log_.size();
    log_.emplace_back(id, std::nullopt);
  }

  std::optional<std::string> setting(const std::string& key) override {
    auto pending = pending_settings_.find(key);
    if (pending != pending_settings_.end()) return pending->second;
    auto it = store_.state_.settings.find(key);
    if (it == store_.state_.settings.end()) return std::nullopt;
    return it->second;
  }

  void set_setting(const std::string& key, const std::string& value) override {
    backend_->set_setting(key, value);
    pending_settings_[key] = value;
  }

  void savepoint() override {
    backend_->savepoint();
    mark_ = Mark{log_.size(), created_.size(), pending_settings_};
  }

  void rollback_to_savepoint() override {
    backend_->rollback_to_savepoint();
    log_.resize(mark_.log_size);
    for (size_t i = mark_.created_size; i < created_.size(); ++i) created_position_.erase(created_[i]);
    created_.resize(mark_.created_size);
    pending_settings_ = mark_.settings;
    pending_.clear();
    pending_by_kind_.clear();
    pending_by_field_.clear();
    last_write_.clear();
    for (size_t i = 0; i < log_.size(); ++i) {
      const auto& [id, record] = log_[i];
      pending_[id] = record;
      last_write_[id] = i;
      if (record) note_pending(*record); else note_cached_kind(id);
    }
  }

  void commit() override {
    backend_->commit();
    // A shared store places each record itself: only the last write of each id matters, at the
    // seq the store gave it.
    std::vector<std::optional<uint64_t>> seqs(log_.size());
    if (shared_ != nullptr) {
      for (size_t i = 0; i < log_.size(); ++i) {
        if (log_[i].second && last_write_.at(log_[i].first) == i) seqs[i] = shared_->seq_of(log_[i].first);
      }
    }
    pthread_rwlock_wrlock(&store_.rwlock_);
    // Replaying the writes in order gives the backend's ordering: a replaced record keeps
    // its place, a new (or erased and re-created) one goes last.
    for (size_t i = 0; i < log_.size(); ++i) {
      auto& [id, record] = log_[i];
      if (shared_ != nullptr && last_write_.at(id) != i) continue;
      if (record) apply_put(store_.state_, std::move(*record), seqs[i]); else apply_erase(store_.state_, id);
    }
    for (auto& [key, value] : pending_settings_) store_.state_.settings[key] = value;
    pthread_rwlock_unlock(&store_.rwlock_);
    if (shared_ != nullptr) {
      if (auto revision = shared_->committed_revision()) store_.applied_ = *revision;
    }
  }

 private:
  // Files `record` (just put) under its kind and its indexed fields' values. Entries are never
  // removed when the record changes again: find() checks every candidate.
  void note_pending(const Record& record) {
    pending_by_kind_[record.kind].insert(record.id);
    note_cached_kind(record.id);
    for (const std::string& key : index_keys(store_.state_, record)) pending_by_field_[key].insert(record.id);
  }

  // Files the id of a record this transaction wrote or erased under the kind the cache holds it
  // as, so that count() of that kind sees it go.
  void note_cached_kind(const std::string& id) {
    auto cached = store_.state_.by_id.find(id);
    if (cached != store_.state_.by_id.end()) pending_by_kind_[cached->second.record->kind].insert(id);
  }

  static bool matches(const Record& record, const std::string& kind, const std::optional<std::string>& region) {
    return record.kind == kind && (!region || record.region == *region);
  }

  CachedStore& store_;
  std::unique_lock<std::mutex> writer_;
  std::unique_ptr<Transaction> backend_;
  SharedTransaction* shared_ = nullptr;  // backend_, over a SharedStore
  std::unordered_map<std::string, size_t> last_write_;  // id -> index in log_ of its last write
  std::unordered_map<std::string, std::optional<Record>> pending_;  // nullopt = erased
  std::vector<std::string> created_;                                // ids new to the cache, in order
  std::unordered_map<std::string, size_t> created_position_;        // id -> its index in created_
  // kind -> ids of the records of that kind this transaction has put, and of the cached records
  // of that kind it has replaced or erased (some since changed again).
  std::unordered_map<std::string, std::unordered_set<std::string>> pending_by_kind_;
  // index_key(...) -> ids this transaction has put with that value of an indexed field.
  std::unordered_map<std::string, std::unordered_set<std::string>> pending_by_field_;
  std::vector<std::pair<std::string, std::optional<Record>>> log_;  // every write, in order
  // The state at the last savepoint().
  struct Mark {
    size_t log_size = 0;
    size_t created_size = 0;
    std::unordered_map<std::string, std::string> settings;
  } mark_;
  std::unordered_map<std::string, std::string> pending_settings_;
};

CachedStore::CachedStore(std::unique_ptr<Store> backend, std::vector<IndexedField> indexes)
    : backend_(std::move(backend)) {
  for (IndexedField& index : indexes) state_.indexed_fields[index.kind].push_back(std::move(index.field));
  pthread_rwlockattr_t attributes;
  pthread_rwlockattr_init(&attributes);
  pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&rwlock_, &attributes);
  pthread_rwlockattr_destroy(&attributes);

  shared_ = dynamic_cast<SharedStore*>(backend_.get());
  if (shared_ != nullptr) {
    auto txn = shared_->begin_shared(false);
    Changes everything;
    everything.complete = false;
    std::lock_guard<std::mutex> writer(writer_);
    apply_remote(*txn, std::move(everything));
    remote_kinds_.clear();
    follower_ = std::thread([this] { follow(); });
    return;
  }
  auto txn = backend_->begin_read();
  for (Record& record : txn->list_all()) apply_put(state_, std::move(record));
  for (auto& [key, value] : txn->all_settings()) state_.settings[key] = std::move(value);
}

CachedStore::~CachedStore() {
  if (follower_.joinable()) {
    stopping_ = true;
    shared_->interrupt();
    follower_.join();
  }
  pthread_rwlock_destroy(&rwlock_);
}

void CachedStore::apply_remote(SharedTransaction& source, Changes changes) {
  std::optional<Snapshot> snapshot;
  if (!changes.complete) snapshot = source.snapshot();
  pthread_rwlock_wrlock(&rwlock_);
  if (snapshot) {
    // Too far behind for the change log: start again from the whole state.
    std::unordered_map<std::string, std::vector<std::string>> indexed = std::move(state_.indexed_fields);
    for (const auto& [id, entry] : state_.by_id) remote_kinds_.insert(entry.record->kind);
    state_ = State{};
    state_.indexed_fields = std::move(indexed);
    for (PlacedRecord& placed : snapshot->records) {
      remote_kinds_.insert(placed.record.kind);
      apply_put(state_, std::move(placed.record), placed.seq);
    }
    for (auto& [key, value] : snapshot->settings) state_.settings[key] = std::move(value);
    applied_ = snapshot->revision;
  } else if (changes.revision > applied_) {
    for (auto& [id, placed] : changes.records) {
      if (auto cached = state_.by_id.find(id); cached != state_.by_id.end()) {
        remote_kinds_.insert(cached->second.record->kind);
      }
      if (placed) {
        remote_kinds_.insert(placed->record.kind);
        apply_put(state_, std::move(placed->record), placed->seq);
      } else {
        apply_erase(state_, id);
      }
    }
    for (auto& [key, value] : changes.settings) state_.settings[key] = std::move(value);
    applied_ = changes.revision;
  }
  pthread_rwlock_unlock(&rwlock_);
}

void CachedStore::catch_up() {
  if (shared_ == nullptr) return;
  {
    std::lock_guard<std::mutex> writer(writer_);
    auto txn = shared_->begin_shared(false);
    apply_remote(*txn, txn->changes_after(applied_));
  }
  tell_remote_listener();
}

void CachedStore::tell_remote_listener() {
  std::set<std::string> kinds;
  {
    std::lock_guard<std::mutex> writer(writer_);
    kinds.swap(remote_kinds_);
  }
  if (kinds.empty()) return;
  std::lock_guard<std::mutex> lock(listener_mu_);
  if (remote_listener_) remote_listener_(kinds);
}

void CachedStore::set_remote_listener(std::function<void(const std::set<std::string>& kinds)> listener) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  remote_listener_ = std::move(listener);
}

void CachedStore::follow() {
  // Notifications are hints that can be lost, so the cache also catches up every few seconds.
  constexpr auto kPeriodicCatchUp = std::chrono::seconds(5);
  std::optional<uint64_t> notified;
  while (!stopping_) {
    try {
      // A notification of a revision the cache holds (its own commit, or one a write
      // transaction caught up on) needs no query; what such a catch-up applied is still told.
      if (!notified || *notified > applied_) catch_up(); else tell_remote_listener();
      notified = shared_->wait_for_change(kPeriodicCatchUp);
    } catch (const StoreError& e) {  // the store is unreachable: try again shortly
      std::fprintf(stderr, "stratus: catching up with the store failed: %s\n", e.what());
      if (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

std::unique_ptr<Transaction> CachedStore::begin_read() {
  return std::make_unique<CachedReadTransaction>(state_, &rwlock_);
}

std::unique_ptr<Transaction> CachedStore::begin_write() {
  std::unique_lock<std::mutex> writer(writer_);
  return std::make_unique<CachedWriteTransaction>(*this, std::move(writer));
}

}  // namespace stratus::store
