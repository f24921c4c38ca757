#include "services/ec2/instance_records.h"

#include "services/ec2/resources.h"

namespace stratus::ec2 {

model::Instance require_instance(CallContext& ctx, const std::string& id) {
  return model::instance_from_doc(require(ctx, kinds::kInstance, id));
}

std::optional<model::Instance> find_instance(CallContext& ctx, const std::string& id) {
  auto doc = find(ctx, kinds::kInstance, id);
  if (!doc) return std::nullopt;
  return model::instance_from_doc(*doc);
}

std::vector<model::Instance> list_instances(CallContext& ctx) {
  std::vector<model::Instance> out;
  for (const json& doc : list(ctx, kinds::kInstance)) out.push_back(model::instance_from_doc(doc));
  return out;
}

void save_instance(CallContext& ctx, const model::Instance& instance) {
  save(ctx, kinds::kInstance, instance.id(), model::instance_doc(instance));
}

}  // namespace stratus::ec2
