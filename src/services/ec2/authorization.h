#pragma once
// What IAM authorizes an EC2 call against: the resources it acts on, as ARNs, with the context
// keys each brings (ec2:Region; an existing resource's tags as ec2:ResourceTag/KEY and
// aws:ResourceTag/KEY; the tags a new one is made with as aws:RequestTag/KEY and aws:TagKeys; an
// instance's ec2:InstanceType; ec2:Vpc and ec2:Subnet, the ARNs of the VPC and subnet a resource
// is in or is made in). Which request members name which resources, and what each action
// makes, is data (data/ec2_authorization.json), beside the service model.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
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
  // Parses data/ec2_authorization.json's text; existing resources' tags are read from `store`.
  // Throws nlohmann::json::exception when the text is not such. REQUIRES: `store` outlives it.
  AuthorizationResources(std::string_view data, store::Store& store);

  // The resources `call` acts on: "*" alone for Describe* actions; empty when the call names no
  // resource the data knows (the authorizer then fails closed).
  std::vector<iam::RequestResource> resources(const api::ServiceCall& call) const;

 private:
  // A request member that names resources of one type.
  struct Member {
    std::string path;  // "InstanceIds", "NetworkInterfaces[].SubnetId"
    std::string type;  // "instance"
  };
  store::Store& store_;
  std::vector<Member> members_;
  std::map<std::string, std::string, std::less<>> prefixes_;  // id prefix ("vpc") -> type
  std::map<std::string, std::vector<std::string>, std::less<>> creates_;  // action -> types it makes
  std::map<std::string, std::string, std::less<>> named_by_;  // action -> member naming what it makes
  std::set<std::string, std::less<>> without_account_;       // types whose ARNs have no account
};

}  // namespace stratus::ec2
