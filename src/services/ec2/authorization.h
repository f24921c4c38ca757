#pragma once
// What IAM authorizes an EC2 call against: the resources it acts on, as ARNs, with the context
// keys each brings (ec2:Region; an existing resource's tags as ec2:ResourceTag/KEY and
// aws:ResourceTag/KEY; the tags a new one is made with as aws:RequestTag/KEY and aws:TagKeys; an
// instance's ec2:InstanceType). Which request members name which resources, and what each action
// makes, is data (data/ec2_authorization.json), beside the service model.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/query_service.h"
#include "iam/evaluator.h"
#include "store/store.h"

namespace stratus::ec2 {

// Thread-safe once made.
class AuthorizationResources {
 public:
  // Parses data/ec2_authorization.json's text. Throws nlohmann::json::exception when it is not such.
  explicit AuthorizationResources(std::string_view data);

  // The resources `call` acts on, reading existing ones' tags through `txn`: "*" alone for
  // Describe* actions; empty when the call names no resource the data knows (the authorizer then
  // fails closed).
  std::vector<iam::RequestResource> resources(store::Transaction& txn, const api::ServiceCall& call) const;

 private:
  nlohmann::json data_;
};

}  // namespace stratus::ec2
