#include "api/ec2_api.h"

#include "api/error_status.h"
#include "api/query_decoder.h"
#include "api/sigv4.h"
#include "api/xml_encoder.h"
#include "common/ids.h"
#include "common/timestamp.h"

namespace stratus::api {

Ec2Api::Ec2Api(std::shared_ptr<const ServiceModel> model, ec2::Ec2Service& service, account::KeyDirectory& keys,
               const ec2::Catalog& catalog)
    : model_(std::move(model)), service_(service), keys_(keys), catalog_(catalog) {}

HttpResponse Ec2Api::handle(const HttpRequest& request) {
  HttpResponse response;
  response.request_id = new_request_id();
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/_stratus/health") {
    response.content_type = "application/json";
    response.body = "{\"status\":\"ok\"}";
    return response;
  }
  std::string action;
  auto result = run(request, action);
  if (!result.ok()) {
    response.status = http_status_for(result.error().code);
    response.body = encode_error(result.error(), response.request_id);
    return response;
  }
  response.body = encode_response(*model_, *model_->operation(action), result.value(), response.request_id);
  return response;
}

Result<nlohmann::json> Ec2Api::run(const HttpRequest& request, std::string& action) {
  size_t question = request.target.find('?');
  SignedRequest signed_request{request.method, request.target.substr(0, question),
                               question == std::string::npos ? "" : request.target.substr(question + 1),
                               request.headers, request.body};
  auto params = parse_form(signed_request.raw_query);
  if (!params.ok()) return params.error();
  bool form_body = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "content-type" && value.rfind("application/x-www-form-urlencoded", 0) == 0) form_body = true;
  }
  if (request.method == "POST" && (form_body || params.value().empty())) {
    auto body = parse_form(request.body);
    if (!body.ok()) return body.error();
    params.value().insert(params.value().end(), body.value().begin(), body.value().end());
  }

  std::string account_id;
  auto lookup = [&](const std::string& key_id) -> std::optional<std::string> {
    auto owner = keys_.lookup(key_id);
    if (!owner) return std::nullopt;
    account_id = owner->account_id;
    return owner->secret_access_key;
  };
  auto claim = verify_signature(signed_request, lookup, unix_now());
  if (!claim.ok()) return claim.error();
  if (claim.value().service != "ec2") {
    return ApiError{"AuthFailure", "Credential should be scoped to correct service: 'ec2'."};
  }
  const std::string& region = claim.value().region;
  if (catalog_.region(region) == nullptr) {
    return ApiError{"AuthFailure", "Credential should be scoped to a valid region, not '" + region + "'."};
  }

  for (const auto& [name, value] : params.value()) {
    if (name == "Action") action = value;
  }
  if (action.empty()) return ApiError{"MissingAction", "The request must contain the parameter Action"};
  const Operation* operation = model_->operation(action);
  if (operation == nullptr) {
    std::string shown = action;
    action.clear();
    return ApiError{"InvalidAction", "The action " + shown + " is not valid for this web service."};
  }
  if (!service_.implements(action)) {
    return ApiError{"UnsupportedOperation", "The action " + action + " is not implemented by this stratus region yet."};
  }
  auto typed = decode_request(operation->input, params.value());
  if (!typed.ok()) return typed.error();
  if (typed.value().value("DryRun", false)) {
    return ApiError{"DryRunOperation", "Request would have succeeded, but DryRun flag is set."};
  }
  return service_.call(action, region, account_id, typed.value());
}

}  // namespace stratus::api
