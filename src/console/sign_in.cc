#include "console/sign_in.h"

#include <nlohmann/json.hpp>

#include "common/password_hash.h"
#include "model/iam.h"

namespace stratus::console {
namespace {

using nlohmann::json;

api::HttpResponse json_answer(int status, const json& body) {
  api::HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

}  // namespace

api::HttpResponse SignIn::answer(const api::HttpRequest& request) const {
  if (request.method != "POST") {
    api::HttpResponse refused = json_answer(405, {{"error", "MethodNotAllowed: sign in with POST"}});
    refused.headers.emplace_back("Allow", "POST");
    return refused;
  }
  auto call = api_.authorize_signed(request, "sts", "GetCallerIdentity", json::object());
  if (!call.ok()) return json_answer(403, {{"error", call.error().code + ": " + call.error().message}});
  const api::Principal& principal = call.value().principal;
  if (principal.user.empty() || principal.temporary) return json_answer(200, json::object());
  std::optional<model::LoginProfile> profile;
  {
    auto txn = store_.begin_read();
    auto record = txn->get(model::iam_record_id(model::iam_kind_name(model::IamKind::kUser), call.value().account_id, principal.user));
    if (record) profile = model::iam_entity_from_doc(record->doc).login_profile;
  }
  if (!profile) return json_answer(200, json::object());
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  std::string password = body.is_object() && body.contains("password") && body["password"].is_string()
                             ? body["password"].get<std::string>()
                             : "";
  if (password.empty()) {
    return json_answer(403, {{"error", "PasswordRequired: IAM user " + principal.user +
                                           " has a console password (a login profile): give it to sign in."}});
  }
  if (!password_matches(password, profile->password_hash)) {
    return json_answer(403, {{"error", "InvalidPassword: the password is not IAM user " + principal.user + "'s."}});
  }
  return json_answer(200, json::object());
}

}  // namespace stratus::console
