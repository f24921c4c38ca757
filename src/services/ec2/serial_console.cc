#include "services/ec2/serial_console.h"

namespace stratus::ec2 {
namespace {

using nlohmann::json;

// The setting that holds an account's access in a region ("1" when enabled).
std::string setting_key(const std::string& account, const std::string& region) {
  return "serial_console_access/" + account + "/" + region;
}

json set_access(CallContext& ctx, bool enabled) {
  ctx.txn.set_setting(setting_key(ctx.account_id, ctx.region), enabled ? "1" : "0");
  return {{"SerialConsoleAccessEnabled", enabled}};
}

json enable(CallContext& ctx, const json&) { return set_access(ctx, true); }

json disable(CallContext& ctx, const json&) { return set_access(ctx, false); }

json status(CallContext& ctx, const json&) {
  return {{"SerialConsoleAccessEnabled", serial_console_access_enabled(ctx.txn, ctx.account_id, ctx.region)},
          {"ManagedBy", "account"}};
}

}  // namespace

bool serial_console_access_enabled(store::Transaction& txn, const std::string& account, const std::string& region) {
  return txn.setting(setting_key(account, region)).value_or("0") == "1";
}

void add_serial_console_actions(ActionTable& table) {
  table["EnableSerialConsoleAccess"] = {enable, true};
  table["DisableSerialConsoleAccess"] = {disable, true};
  table["GetSerialConsoleAccessStatus"] = {status, false};
}

}  // namespace stratus::ec2
