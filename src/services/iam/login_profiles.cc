#include "services/iam/login_profiles.h"

#include <cctype>

#include "common/password_hash.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;

// The user a request is about: its UserName, else the calling user.
IamEntity subject(Call& call, const json& request) {
  std::string name = request.contains("UserName") ? str(request, "UserName") : call.caller.user;
  if (name.empty()) fail("ValidationError", "Must specify userName when calling with non-User credentials");
  return require_entity(call, IamKind::kUser, name);
}

// PasswordPolicyViolation unless `password` meets AWS's default password policy.
void check_policy(const std::string& password) {
  bool upper = false, lower = false, digit = false, symbol = false;
  for (unsigned char c : password) {
    upper = upper || std::isupper(c);
    lower = lower || std::islower(c);
    digit = digit || std::isdigit(c);
    symbol = symbol || (std::ispunct(c) != 0);
  }
  if (password.size() < 8 || upper + lower + digit + symbol < 3) {
    fail("PasswordPolicyViolation",
         "Password does not conform to the account password policy: at least 8 characters, with three of "
         "upper case letters, lower case letters, numbers and symbols.");
  }
}

// NoSuchEntity unless `user` has a login profile.
const model::LoginProfile& profile_of(const IamEntity& user) {
  if (!user.login_profile) fail("NoSuchEntity", "Login Profile for User " + user.name + " cannot be found.");
  return *user.login_profile;
}

json view(const IamEntity& user) {
  return {{"UserName", user.name},
          {"CreateDate", user.login_profile->create_date},
          {"PasswordResetRequired", user.login_profile->reset_required}};
}

json create_login_profile(Call& call, const json& request) {
  IamEntity user = subject(call, request);
  if (user.login_profile) fail("EntityAlreadyExists", "Login Profile for user " + user.name + " already exists.");
  std::string password = str(request, "Password");
  check_policy(password);
  user.login_profile =
      model::LoginProfile{hash_password(password), now_iso(call), request.value("PasswordResetRequired", false)};
  save_entity(call, user);
  return {{"LoginProfile", view(user)}};
}

json get_login_profile(Call& call, const json& request) {
  IamEntity user = subject(call, request);
  profile_of(user);
  return {{"LoginProfile", view(user)}};
}

json update_login_profile(Call& call, const json& request) {
  IamEntity user = subject(call, request);
  model::LoginProfile profile = profile_of(user);
  if (request.contains("Password")) {
    std::string password = str(request, "Password");
    check_policy(password);
    profile.password_hash = hash_password(password);
  }
  if (request.contains("PasswordResetRequired")) profile.reset_required = request["PasswordResetRequired"].get<bool>();
  user.login_profile = profile;
  save_entity(call, user);
  return json::object();
}

json delete_login_profile(Call& call, const json& request) {
  IamEntity user = subject(call, request);
  profile_of(user);
  user.login_profile.reset();
  save_entity(call, user);
  return json::object();
}

}  // namespace

void add_login_profile_actions(ActionTable& table) {
  table["CreateLoginProfile"] = {create_login_profile, true};
  table["GetLoginProfile"] = {get_login_profile, false};
  table["UpdateLoginProfile"] = {update_login_profile, true};
  table["DeleteLoginProfile"] = {delete_login_profile, true};
}

}  // namespace stratus::iam
