#pragma once
// The EC2 Query endpoint: authenticates a request, decodes it with the service model,
// runs the action and renders the XML answer. Never sees sockets; never touches the store.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/service_model.h"
#include "services/account/account.h"
#include "services/ec2/ec2_service.h"

namespace stratus::api {

// An HTTP request as the server read it.
struct HttpRequest {
  std::string method;
  std::string target;                                        // path and query, still encoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
};

// What to send back.
struct HttpResponse {
  int status = 200;
  std::string content_type = "text/xml;charset=UTF-8";
  std::string body;
  std::string request_id;
};

// Serves EC2's Query API plus the `/_stratus/health` probe. Thread-safe.
class Ec2Api {
 public:
  // REQUIRES: every argument outlives the Ec2Api.
  Ec2Api(std::shared_ptr<const ServiceModel> model, ec2::Ec2Service& service, account::KeyDirectory& keys,
         const ec2::Catalog& catalog);

  // Answers one request. Every answer carries a request id; errors use the EC2 envelope.
  HttpResponse handle(const HttpRequest& request);

 private:
  Result<nlohmann::json> run(const HttpRequest& request, std::string& action);

  std::shared_ptr<const ServiceModel> model_;
  ec2::Ec2Service& service_;
  account::KeyDirectory& keys_;
  const ec2::Catalog& catalog_;
};

}  // namespace stratus::api
