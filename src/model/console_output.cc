#include "model/console_output.h"

#include "common/base64.h"

namespace stratus::model {

std::string console_output_id(const std::string& instance_id) { return "console-output/" + instance_id; }

store::Record console_output_record(const std::string& instance_id, const std::string& region, const std::string& text,
                                    int64_t at) {
  return {console_output_id(instance_id), kConsoleOutputKind, region,
          // Base64: a serial console's bytes need not be UTF-8, which JSON strings must be.
          {{"InstanceId", instance_id}, {"OutputBase64", base64_encode(text)}, {"PublishedAt", at}}};
}

std::optional<std::string> published_console_output(store::Transaction& txn, const std::string& instance_id) {
  auto record = txn.get(console_output_id(instance_id));
  if (!record) return std::nullopt;
  return base64_decode(record->doc.value("OutputBase64", "")).value_or("");
}

}  // namespace stratus::model
