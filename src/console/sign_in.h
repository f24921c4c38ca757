#pragma once
// The console's sign-in check (POST /_stratus/console/signin): the page signs the request (SigV4,
// for sts) with the access key it was given and sends the console password, if any, as
// {"password": "..."}; an IAM user who has a login profile must give its password, anyone else
// signs in with the key alone. The key already opens the API; this gates the console as AWS's
// sign-in asks an IAM user for the password.

#include "api/http_types.h"
#include "api/query_api.h"
#include "store/store.h"

namespace stratus::console {

// The path of the check.
inline constexpr const char* kSignInPath = "/_stratus/console/signin";

class SignIn {
 public:
  // REQUIRES: both outlive it.
  SignIn(api::QueryApi& api, store::Store& store) : api_(api), store_(store) {}

  // 200 {} when the signer may use the console; 403 {"error": "CODE: message"} when the signature
  // does not verify or the password is missing or wrong; 405 for other methods than POST.
  api::HttpResponse answer(const api::HttpRequest& request) const;

 private:
  api::QueryApi& api_;
  store::Store& store_;
};

}  // namespace stratus::console
