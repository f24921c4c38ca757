#include "reconciler/disk_host.h"

#include "model/instance.h"

namespace stratus::reconciler {

std::string disk_host(store::Transaction& txn, const model::Volume& volume) {
  if (!volume.spec.attachment) return "";
  auto instance = txn.get(volume.spec.attachment->instance_id);
  return instance ? model::instance_from_doc(instance->doc).spec.host_id : "";
}

}  // namespace stratus::reconciler
