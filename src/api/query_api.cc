#include "api/query_api.h"

#include <algorithm>
#include <variant>

#include "api/error_status.h"
#include "api/query_decoder.h"
#include "api/rest_json.h"
#include "api/signer.h"
#include "api/sigv4.h"
#include "api/xml_encoder.h"
#include "common/ids.h"
#include "common/timestamp.h"

namespace stratus::api {
namespace {

// Query parameters one request may carry, counted before anything is decoded. The largest
// requests the EC2 model allows stay well below: ModifySecurityGroupRules or
// AuthorizeSecurityGroupIngress with 1,000 rules (a security group's most) take about 7,000,
// CreateTags on 1,000 resources with 50 tags about 1,100; filters hold 200 values at most.
constexpr size_t kMaxParameters = 8000;

// The number of '&'-separated pieces of `form`: at least the number of parameters it holds.
size_t piece_count(std::string_view form) {
  return form.empty() ? 0 : static_cast<size_t>(std::count(form.begin(), form.end(), '&')) + 1;
}

// The AWS error code for one of the HTTP server's refusals. The server's own conditions have no
// documented EC2 code except over-capacity, which is EC2's throttling error.
const char* refusal_code(Refusal refusal) {
  switch (refusal) {
    case Refusal::kTooLarge: return "RequestEntityTooLarge";
    case Refusal::kMalformed: return "InvalidRequest";
    case Refusal::kTimedOut: return "RequestTimeout";
    case Refusal::kOverCapacity: return "RequestLimitExceeded";
  }
  return "InternalError";  // not reached: every Refusal is named above
}

// `request` as SigV4 verifies it: its path and query apart, still encoded.
SignedRequest signed_request_of(const HttpRequest& request) {
  size_t question = request.target.find('?');
  return {request.method, request.target.substr(0, question),
          question == std::string::npos ? "" : request.target.substr(question + 1), request.headers, request.body};
}

}  // namespace

std::string source_vpc(const HttpRequest& request) {
  if (request.listener.rfind("vpc-", 0) != 0) return "";
  return request.listener.substr(0, request.listener.find('/'));  // VPC_ID or VPC_ID/SUFFIX
}

QueryApi::QueryApi(std::vector<ServiceEndpoint> services, account::KeyDirectory& keys, const ec2::Catalog& catalog)
    : services_(std::move(services)),
      keys_(keys),
      catalog_(catalog),
      writes_([this](std::vector<PendingWrite>& batch) { run_writes(batch); }) {}

void QueryApi::handle(const HttpRequest& request, const std::function<void(HttpResponse)>& respond) {
  std::string request_id = new_request_id();
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/_stratus/health") {
    HttpResponse response;
    response.request_id = request_id;
    response.content_type = "application/json";
    response.body = "{\"status\":\"ok\"}";
    return respond(std::move(response));
  }
  auto prepared = prepare(request);
  if (auto* refused = std::get_if<Refused>(&prepared)) {
    return respond(render(refused->endpoint, "", refused->error, request_id));
  }
  Call& call = std::get<Call>(prepared);
  const ServiceCall& c = call.call;
  if (!call.endpoint->service->mutates(c.action)) {
    return respond(render(call.endpoint, c.action, call.endpoint->service->call(c), request_id));
  }
  writes_.post(PendingWrite{std::move(call), std::move(request_id), respond});
}

void QueryApi::run_writes(std::vector<PendingWrite>& batch) {
  // Consecutive writes to one service commit together; arrival order is kept across services.
  for (size_t begin = 0; begin < batch.size();) {
    const ServiceEndpoint* endpoint = batch[begin].call.endpoint;
    size_t end = begin;
    std::vector<ServiceCall> calls;
    for (; end < batch.size() && batch[end].call.endpoint == endpoint; ++end) {
      calls.push_back(std::move(batch[end].call.call));
    }
    std::vector<Result<nlohmann::json>> results = endpoint->service->call_batch(calls);
    for (size_t i = begin; i < end; ++i) {
      batch[i].respond(render(endpoint, calls[i - begin].action, results[i - begin], std::move(batch[i].request_id)));
    }
    begin = end;
  }
}

HttpResponse QueryApi::render(const ServiceEndpoint* endpoint, const std::string& action,
                              const Result<nlohmann::json>& result, std::string request_id) {
  HttpResponse response;
  response.request_id = std::move(request_id);
  const ServiceModel* model = endpoint != nullptr ? endpoint->model.get() : nullptr;
  if (model != nullptr && (model->protocol() == Protocol::kRestJson || model->protocol() == Protocol::kJson)) {
    std::string id = std::move(response.request_id);
    bool rest = model->protocol() == Protocol::kRestJson;
    if (result.ok()) {
      const Operation& operation = *model->operation(action);
      response = rest ? encode_rest_response(operation, result.value()) : encode_json_response(operation, result.value());
    } else {
      response = rest ? encode_rest_error(*model, result.error()) : encode_json_error(*model, result.error());
    }
    response.request_id = std::move(id);
    return response;
  }
  if (!result.ok()) {
    response.status = model != nullptr ? model->error_status(result.error().code).value_or(http_status_for(result.error().code))
                                       : http_status_for(result.error().code);
    response.body = encode_error(result.error(), response.request_id, model, response.status < 500);
  } else {
    response.body = encode_response(*model, *model->operation(action), result.value(), response.request_id);
  }
  return response;
}

HttpResponse QueryApi::refuse(Refusal refusal, const std::string& detail) {
  return render(nullptr, "", ApiError{refusal_code(refusal), detail}, new_request_id());
}

std::variant<QueryApi::Call, QueryApi::Refused> QueryApi::authorized(const ServiceEndpoint* endpoint, ServiceCall call) {
  if (authorizer_ != nullptr) {
    if (auto denied = authorizer_->authorize(call, endpoint->model->signing_name())) return Refused{endpoint, *denied};
  }
  return Call{endpoint, std::move(call)};
}

std::variant<QueryApi::Signed, QueryApi::Refused> QueryApi::authenticate(SignedRequest signed_request) {
  Signer signer;
  auto lookup = signer_lookup(keys_, signer);
  // The scope's service picks the endpoint, so that even a signature that fails to verify is
  // answered in the envelope its client parses.
  auto scope = parse_signature(signed_request);
  if (!scope.ok()) return Refused{nullptr, scope.error()};
  const ServiceEndpoint* endpoint = nullptr;
  for (const ServiceEndpoint& candidate : services_) {
    if (candidate.model->signing_name() == scope.value().service) endpoint = &candidate;
  }
  auto refused = [&](ApiError error) { return Refused{endpoint, std::move(error)}; };
  auto claim = verify_claim(signed_request, scope.value(), lookup, unix_now());
  if (!claim.ok()) return refused(claim.error());
  if (endpoint == nullptr) return refused({"AuthFailure", "Credential should be scoped to correct service: 'ec2'."});
  // Temporary credentials are good only with their own session token, and only until they expire.
  auto problem = credential_problem(signer, claim.value(), unix_now());
  if (problem == CredentialProblem::kWrongToken) {
    if (scope.value().service == "ec2") return refused({"AuthFailure", "AWS was not able to validate the provided access credentials"});
    return refused({"InvalidClientTokenId", "The security token included in the request is invalid."});
  }
  if (problem == CredentialProblem::kExpiredToken) {
    return refused({"ExpiredToken", "The security token included in the request is expired"});
  }
  keys_.note_use(signer.principal.access_key_id, scope.value().service, claim.value().region, unix_now());

  const std::string& region = claim.value().region;
  const ec2::Region* known = catalog_.region(region);
  if (known == nullptr) {
    return refused({"AuthFailure", "Credential should be scoped to a valid region, not '" + region + "'."});
  }
  // AWS's answer for a region the account has not opted in to.
  if (!known->enabled) return refused({"AuthFailure", "AWS was not able to validate the provided access credentials"});
  return Signed{endpoint, std::move(signed_request), claim.value(), signer.account_id, signer.principal};
}

Result<ServiceCall> QueryApi::authorize_signed(const HttpRequest& request, const std::string& service,
                                               const std::string& action, nlohmann::json members) {
  auto authenticated = authenticate(signed_request_of(request));
  if (auto* refused = std::get_if<Refused>(&authenticated)) return refused->error;
  Signed& s = std::get<Signed>(authenticated);
  if (s.endpoint->model->signing_name() != service || s.endpoint->model->operation(action) == nullptr) {
    return ApiError{"AccessDeniedException", "The request must be signed for " + service + "."};
  }
  auto prepared = authorized(s.endpoint, {action, s.claim.region, s.account_id, std::move(members), s.principal,
                                          request.remote_address, source_vpc(request)});
  if (auto* refused = std::get_if<Refused>(&prepared)) return refused->error;
  return std::get<Call>(prepared).call;
}

std::variant<QueryApi::Call, QueryApi::Refused> QueryApi::prepare(const HttpRequest& request) {
  SignedRequest unverified = signed_request_of(request);
  std::string content_type;
  for (const auto& [name, value] : request.headers) {
    if (name == "content-type") content_type = value;
  }
  // A body that may hold parameters: a form, or a POST that does not say (a REST body, JSON or
  // binary, holds none).
  bool form_body = content_type.rfind("application/x-www-form-urlencoded", 0) == 0;
  bool parameter_body = form_body || content_type.empty();
  // Counted before anything is verified or decoded, so an oversized request costs one scan.
  if (piece_count(unverified.raw_query) + (parameter_body ? piece_count(request.body) : 0) > kMaxParameters) {
    return Refused{nullptr, {"RequestEntityTooLarge", "The request has more than " + std::to_string(kMaxParameters) +
                                                          " parameters."}};
  }
  auto authenticated = authenticate(std::move(unverified));
  if (auto* refusal = std::get_if<Refused>(&authenticated)) return *refusal;
  const Signed& signed_call = std::get<Signed>(authenticated);
  const ServiceEndpoint* endpoint = signed_call.endpoint;
  const SignedRequest& signed_request = signed_call.request;
  const SignatureClaim& claim = signed_call.claim;
  const std::string& region = claim.region;
  const std::string& account_id = signed_call.account_id;
  const Principal& principal = signed_call.principal;
  auto refused = [&](ApiError error) { return Refused{endpoint, std::move(error)}; };

  auto params = parse_form(signed_request.raw_query);
  if (!params.ok()) return refused(params.error());
  if (endpoint->model->protocol() == Protocol::kJson) {
    std::string target;
    for (const auto& [name, value] : request.headers) {
      if (name == "x-amz-target") target = value;
    }
    const std::string& prefix = endpoint->model->target_prefix();
    if (request.method != "POST" || target.rfind(prefix + ".", 0) != 0) {
      return refused({"UnknownOperationException", "The request names no operation of this service (X-Amz-Target)."});
    }
    std::string action = target.substr(prefix.size() + 1);
    const Operation* operation = endpoint->model->operation(action);
    if (operation == nullptr) return refused({"UnknownOperationException", "Unknown operation " + action + "."});
    if (!endpoint->service->implements(action)) {
      return refused({"UnsupportedOperation", "The action " + action + " is not implemented by this stratus region yet."});
    }
    if (!request.body.empty() && !claim.payload_signed) {
      return refused({"AccessDeniedException", "The request body is not covered by the signature (UNSIGNED-PAYLOAD)."});
    }
    auto typed = decode_json_request(*operation, request.body);
    if (!typed.ok()) return refused(typed.error());
    return authorized(endpoint, {action, region, account_id, std::move(typed.value()), principal, request.remote_address,
                                 source_vpc(request)});
  }
  if (endpoint->model->protocol() == Protocol::kRestJson) {
    auto route = match_route(*endpoint->model, request.method, signed_request.path);
    if (!route) return refused({"UnknownOperationException", "No operation of this service answers " + request.method + " " + signed_request.path + "."});
    const std::string& action = route->operation->name;
    if (!endpoint->service->implements(action)) {
      return refused({"UnsupportedOperation", "The action " + action + " is not implemented by this stratus region yet."});
    }
    auto typed = decode_rest_request(*route, params.value(), request.headers, request.body);
    if (!typed.ok()) return refused(typed.error());
    return authorized(endpoint, {action, region, account_id, std::move(typed.value()), principal, request.remote_address,
                                 source_vpc(request)});
  }
  if (request.method == "POST" && (form_body || params.value().empty())) {
    auto body = parse_form(request.body);
    if (!body.ok()) return refused(body.error());
    // The body decides what the call does, so the signature must cover it: a URL presigned
    // with UNSIGNED-PAYLOAD carries no parameters in its body.
    if (!body.value().empty() && !claim.payload_signed) {
      return refused({"AuthFailure",
                      "The request body is not covered by the signature (UNSIGNED-PAYLOAD); sign the payload or "
                      "send the parameters in the signed query string."});
    }
    params.value().insert(params.value().end(), body.value().begin(), body.value().end());
  }

  std::string action;
  for (const auto& [name, value] : params.value()) {
    if (name != "Action" && name != "Version") continue;
    // A second Action (say, one in the body after one in the query) must not choose the call.
    size_t given = std::count_if(params.value().begin(), params.value().end(),
                                 [&](const auto& param) { return param.first == name; });
    if (given > 1) return refused({"InvalidParameterValue", "The parameter " + name + " was given more than once"});
    if (name == "Action") action = value;
  }
  if (action.empty()) return refused({"MissingAction", "The request must contain the parameter Action"});
  const Operation* operation = endpoint->model->operation(action);
  if (operation == nullptr) {
    return refused({"InvalidAction", "The action " + action + " is not valid for this web service."});
  }
  if (!endpoint->service->implements(action)) {
    return refused({"UnsupportedOperation", "The action " + action + " is not implemented by this stratus region yet."});
  }
  auto typed = decode_request(operation->input, params.value());
  if (!typed.ok()) return refused(typed.error());
  return authorized(endpoint, {action, region, account_id, std::move(typed.value()), principal, request.remote_address,
                                 source_vpc(request)});
}

}  // namespace stratus::api
