#include "billing/metered_store.h"

namespace stratus::billing {
namespace {

// A write transaction of the inner store whose puts and erases of billable records go by the
// meter first.
class MeteredTransaction : public store::Transaction {
 public:
  MeteredTransaction(std::unique_ptr<store::Transaction> inner, const Meter& meter)
      : inner_(std::move(inner)), meter_(meter) {}

  std::optional<store::Record> get(const std::string& id) override { return inner_->get(id); }
  std::vector<store::Record> list(const std::string& kind, const std::optional<std::string>& region) override {
    return inner_->list(kind, region);
  }
  void visit(const std::string& kind, const std::optional<std::string>& region,
             const std::function<void(const store::Record&)>& visit) override {
    inner_->visit(kind, region, visit);
  }
  std::vector<store::Record> find(const std::string& kind, const std::string& region, const std::string& field,
                                  const std::string& value) override {
    return inner_->find(kind, region, field, value);
  }
  size_t count(const std::string& kind, const std::string& region) override { return inner_->count(kind, region); }
  void put(const store::Record& record) override {
    if (!Meter::meters(record.kind)) return inner_->put(record);
    auto before = inner_->get(record.id);
    inner_->put(record);
    meter_.on_change(*inner_, before, record);
  }
  void erase(const std::string& id) override {
    auto before = inner_->get(id);
    inner_->erase(id);
    if (before && Meter::meters(before->kind)) meter_.on_change(*inner_, before, std::nullopt);
  }
  std::vector<store::Record> list_all() override { return inner_->list_all(); }
  std::vector<std::pair<std::string, std::string>> all_settings() override { return inner_->all_settings(); }
  std::optional<std::string> setting(const std::string& key) override { return inner_->setting(key); }
  void set_setting(const std::string& key, const std::string& value) override { inner_->set_setting(key, value); }
  void savepoint() override { inner_->savepoint(); }
  void rollback_to_savepoint() override { inner_->rollback_to_savepoint(); }
  void commit() override { inner_->commit(); }

 private:
  std::unique_ptr<store::Transaction> inner_;
  const Meter& meter_;
};

}  // namespace

std::unique_ptr<store::Transaction> MeteredStore::begin_write() {
  return std::make_unique<MeteredTransaction>(inner_.begin_write(), meter_);
}

}  // namespace stratus::billing
