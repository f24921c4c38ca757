#pragma once
// A Store that meters: every write transaction tells the Meter of each change to a billable
// record, so that usage segments are written in the same transaction as the change (the
// service's writes and the reconciler's alike). Reads pass straight through.

#include <memory>

#include "billing/meter.h"
#include "store/store.h"

namespace stratus::billing {

class MeteredStore : public store::Store {
 public:
  // REQUIRES: `inner` and `meter` outlive the store.
  MeteredStore(store::Store& inner, const Meter& meter) : inner_(inner), meter_(meter) {}

  std::unique_ptr<store::Transaction> begin_read() override { return inner_.begin_read(); }
  std::unique_ptr<store::Transaction> begin_write() override;

 private:
  store::Store& inner_;
  const Meter& meter_;
};

}  // namespace stratus::billing
