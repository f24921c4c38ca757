#pragma once
// The EC2 Query endpoint: authenticates a request, decodes it with the service model,
// runs the action and renders the XML answer. Never sees sockets; never touches the store.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/http_types.h"
#include "api/service_model.h"
#include "common/batch_worker.h"
#include "services/account/account.h"
#include "services/ec2/ec2_service.h"

namespace stratus::api {

// Serves EC2's Query API plus the `/_stratus/health` probe. Thread-safe.
class Ec2Api {
 public:
  // REQUIRES: every argument outlives the Ec2Api.
  Ec2Api(std::shared_ptr<const ServiceModel> model, ec2::Ec2Service& service, account::KeyDirectory& keys,
         const ec2::Catalog& catalog);

  // Answers one request through `respond`: reads at once on the calling thread, mutating
  // actions in arrival order on the write thread, which commits the writes queued meanwhile
  // together (group commit). Every answer carries a request id; errors
  // use the EC2 envelope.
  void handle(const HttpRequest& request, const std::function<void(HttpResponse)>& respond);

  // Renders the HTTP server's own refusal as an EC2 error envelope with a fresh request id:
  // RequestEntityTooLarge (413), InvalidRequest (400), RequestTimeout (408) or
  // RequestLimitExceeded (503, EC2's throttling error, which SDKs retry with backoff), with
  // `detail` as its message.
  HttpResponse refuse(Refusal refusal, const std::string& detail);

 private:
  // An authenticated, decoded call ready to run.
  struct Call {
    std::string action;
    std::string region;
    std::string account_id;
    nlohmann::json request;
  };
  // Authenticates and decodes `request`; errors are AWS errors for the caller.
  Result<Call> prepare(const HttpRequest& request);
  // Renders a call's outcome.
  HttpResponse render(const std::string& action, const Result<nlohmann::json>& result, std::string request_id);

  std::shared_ptr<const ServiceModel> model_;
  ec2::Ec2Service& service_;
  account::KeyDirectory& keys_;
  const ec2::Catalog& catalog_;
  // A mutating call waiting for the write thread.
  struct PendingWrite {
    Call call;
    std::string request_id;
    std::function<void(HttpResponse)> respond;
  };
  // Runs a batch of writes in one transaction and answers each.
  void run_writes(std::vector<PendingWrite>& batch);

  BatchWorker<PendingWrite> writes_;  // last member: its thread may use the others
};

}  // namespace stratus::api
