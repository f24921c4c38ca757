#include "store/secrets.h"

#include "common/digest.h"

namespace stratus::store {

std::string data_dir_secret(Store& store, const std::string& name) {
  if (auto secret = store.begin_read()->setting(name)) return *secret;
  auto txn = store.begin_write();
  if (auto secret = txn->setting(name)) return *secret;  // made meanwhile
  std::string secret = to_hex(random_bytes(32));
  txn->set_setting(name, secret);
  txn->commit();
  return secret;
}

}  // namespace stratus::store
