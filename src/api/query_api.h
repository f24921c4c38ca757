#pragma once
// The Query-style endpoint of the region: authenticates a request, routes it by the service
// its SigV4 credential scope names (ec2, sts) to that service's model and actions, decodes it,
// runs the action and renders the answer in the service's protocol. Never sees sockets; never
// touches the store.

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "api/query_service.h"
#include "api/service_model.h"
#include "api/sigv4.h"
#include "common/batch_worker.h"
#include "services/account/account.h"
#include "services/ec2/catalog.h"

namespace stratus::api {

// The VPC `request` came from: named by the in-VPC listener it arrived on (VPC_ID or
// VPC_ID/SUFFIX, see api::InstanceEndpoint), else "".
std::string source_vpc(const HttpRequest& request);

// One service the endpoint serves: its model (protocol, signing name, shapes) and its actions.
struct ServiceEndpoint {
  std::shared_ptr<const ServiceModel> model;
  QueryService* service = nullptr;
};

// Serves the Query APIs of the region's services plus the `/_stratus/health` probe. Thread-safe.
class QueryApi {
 public:
  // REQUIRES: every argument (and each endpoint's service) outlives the QueryApi; the first
  // endpoint is EC2's, whose envelope answers errors met before a service is known.
  QueryApi(std::vector<ServiceEndpoint> services, account::KeyDirectory& keys, const ec2::Catalog& catalog);

  // Answers one request through `respond`: reads at once on the calling thread, mutating
  // actions in arrival order on the write thread, which commits the writes queued meanwhile
  // together (group commit). Every answer carries a request id; errors use the envelope of the
  // service's protocol.
  void handle(const HttpRequest& request, const std::function<void(HttpResponse)>& respond);

  // Renders the HTTP server's own refusal as an EC2 error envelope with a fresh request id:
  // RequestEntityTooLarge (413), InvalidRequest (400), RequestTimeout (408) or
  // RequestLimitExceeded (503, EC2's throttling error, which SDKs retry with backoff), with
  // `detail` as its message.
  HttpResponse refuse(Refusal refusal, const std::string& detail);

  // Makes every call pass `authorizer` before its service runs it (without one, every signed
  // call runs). REQUIRES: before handle(); `authorizer` outlives the QueryApi.
  void set_authorizer(CallAuthorizer* authorizer) { authorizer_ = authorizer; }

  // The call of `action` (an operation of its model, implemented or not) with `members`, of the
  // service that signs as `service`, made by whoever signed `request` for that service (SigV4 in
  // its headers, or presigned in its query string as the request opening a WebSocket can be in a
  // browser): authenticated and authorized as a call of the API would be, not yet run. The error
  // is what the API would answer (AccessDeniedException for a request signed for another service).
  Result<ServiceCall> authorize_signed(const HttpRequest& request, const std::string& service,
                                       const std::string& action, nlohmann::json members);

 private:
  // An authenticated, decoded call ready to run.
  struct Call {
    const ServiceEndpoint* endpoint = nullptr;
    ServiceCall call;
  };
  // A failure met while preparing, with the endpoint whose envelope answers it (null: EC2's).
  struct Refused {
    const ServiceEndpoint* endpoint = nullptr;
    ApiError error;
  };
  // A request whose signature verified, and who made it.
  struct Signed {
    const ServiceEndpoint* endpoint = nullptr;  // the service its credential scope names
    SignedRequest request;
    SignatureClaim claim;
    std::string account_id;
    Principal principal;
  };
  // Verifies `request`'s signature (and session token), and that its region is enabled.
  std::variant<Signed, Refused> authenticate(SignedRequest request);
  // Authenticates, routes and decodes `request`.
  std::variant<Call, Refused> prepare(const HttpRequest& request);
  // `call` to `endpoint`, if the authorizer lets its principal make it.
  std::variant<Call, Refused> authorized(const ServiceEndpoint* endpoint, ServiceCall call);
  // Renders a call's outcome in `endpoint`'s protocol (null: EC2's).
  HttpResponse render(const ServiceEndpoint* endpoint, const std::string& action, const Result<nlohmann::json>& result,
                      std::string request_id);

  std::vector<ServiceEndpoint> services_;
  account::KeyDirectory& keys_;
  const ec2::Catalog& catalog_;
  CallAuthorizer* authorizer_ = nullptr;
  // A mutating call waiting for the write thread.
  struct PendingWrite {
    Call call;
    std::string request_id;
    std::function<void(HttpResponse)> respond;
  };
  // Runs a batch of writes, each service's in one transaction, and answers each.
  void run_writes(std::vector<PendingWrite>& batch);

  BatchWorker<PendingWrite> writes_;  // last member: its thread may use the others
};

}  // namespace stratus::api
