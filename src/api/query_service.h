#pragma once
// The seam between the Query-style API layer and one AWS service: the API layer authenticates
// and decodes a request with the service's model, then hands the typed call to the service
// whose SigV4 scope it names.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::api {

// Who signed a request.
struct Principal {
  std::string user;           // the IAM user's name; "" for the account's root and role sessions
  std::string role;           // a role session: its role's name; else ""
  std::string session_name;   // a role session: its name
  std::string access_key_id;  // the key that signed
  bool temporary = false;     // the key is temporary (STS credentials, "ASIA...")
  bool anonymous = false;     // an unsigned request (S3): no account; only a policy open to anyone allows it
};

// One authenticated, decoded call.
struct ServiceCall {
  std::string action;
  std::string region;      // the region the request was signed for
  std::string account_id;  // the caller's account
  nlohmann::json request;  // typed request (member names of the action's input shape)
  Principal principal;     // who in that account
  std::string source_ip;   // the address the request came from ("" when unknown)
  std::string source_vpc;  // the VPC it came from, inside one (an instance's call), else ""
};

// Decides whether a call's principal may make it, before its service runs it.
class CallAuthorizer {
 public:
  virtual ~CallAuthorizer() = default;
  // Nothing when the call may run; else the error its service answers a denied call with
  // (EC2's UnauthorizedOperation, IAM's and STS's AccessDenied, ...). `service` is the
  // signing name ("ec2", "iam", "sts", "ebs"). Thread-safe.
  virtual std::optional<ApiError> authorize(const ServiceCall& call, const std::string& service) = 0;
};

// The actions of one service. Implementations are thread-safe.
class QueryService {
 public:
  virtual ~QueryService() = default;

  // True when the service implements `action` (its model may define more).
  virtual bool implements(std::string_view action) const = 0;

  // True when `action` changes state: the API layer then runs it with the other writes queued
  // meanwhile through call_batch. REQUIRES: implements(action).
  virtual bool mutates(std::string_view action) const = 0;

  // Runs `call.action` with the typed request; errors are AWS errors for the caller.
  // REQUIRES: implements(call.action).
  virtual Result<nlohmann::json> call(const ServiceCall& call) = 0;

  // Runs mutating calls in order and answers each, in order; each call's failure leaves its
  // own changes undone. REQUIRES: mutates(action) for every call.
  virtual std::vector<Result<nlohmann::json>> call_batch(const std::vector<ServiceCall>& calls) = 0;
};

}  // namespace stratus::api
