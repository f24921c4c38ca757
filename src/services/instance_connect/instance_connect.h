#pragma once
// EC2 Instance Connect (botocore model ec2-instance-connect/2018-04-02, json protocol):
// SendSSHPublicKey pushes a public key that an OS user of a running instance accepts for 60
// seconds. The key is kept in the store until then; the metadata service serves the instance's
// unexpired keys under meta-data/managed-ssh-keys/active-keys/USER/, which the base image's sshd
// reads through its AuthorizedKeysCommand, as Amazon Linux's ec2-instance-connect package does.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/store_backed_service.h"
#include "iam/evaluator.h"
#include "model/instance.h"
#include "store/store.h"

namespace stratus::instance_connect {

// The store kind of a pushed key (regional records, ids "eic-...").
inline constexpr const char* kKeyKind = "instance_connect_key";
// How long a pushed key is accepted, in seconds (AWS: 60).
inline constexpr int64_t kKeyLifetimeSeconds = 60;
// Keys one instance may hold unexpired at once; one more is throttled.
inline constexpr size_t kMaxActiveKeys = 20;

class InstanceConnect : public api::StoreBackedService {
 public:
  // `now`: the clock keys expire by. REQUIRES: `store` outlives the service.
  InstanceConnect(store::Store& store, std::function<int64_t()> now)
      : StoreBackedService(store), now_(std::move(now)) {}

  // SendSSHPublicKey.
  bool implements(std::string_view action) const override;
  // SendSSHPublicKey stores the key.
  bool mutates(std::string_view action) const override;

 private:
  // Checks the request against the instance (exists in the caller's account and region, is
  // running, is in the AvailabilityZone given) and stores the key; forgets expired keys.
  Result<nlohmann::json> run(const api::ServiceCall& call, store::Transaction& txn) override;

  std::function<int64_t()> now_;
};

// Instance `id` when it is in `call`'s caller's account and the call's region, else
// EC2InstanceNotFoundException.
Result<model::Instance> owned_instance(store::Transaction& txn, const api::ServiceCall& call, const std::string& id);

// EC2InstanceStateInvalidException unless `instance` (`id`) is running.
std::optional<ApiError> not_running(const model::Instance& instance, const std::string& id);

// What IAM authorizes SendSSHPublicKey against: the instance, as EC2 describes it to IAM
// (`instance_resources`: its ARN with ec2:ResourceTag/KEY, ec2:InstanceType, ...), with the
// request's ec2:osuser added (when it names an OS user: SendSerialConsoleSSHPublicKey does not).
std::vector<iam::RequestResource> send_key_resources(
    const api::ServiceCall& call,
    const std::function<std::vector<iam::RequestResource>(const api::ServiceCall&)>& instance_resources);

// The unexpired keys pushed to `instance_id` at `now`, per OS user, each as the lines the
// metadata service serves: comment lines (#Timestamp=, #Instance=, #Caller=, #Request=) and the
// OpenSSH public key line, as AWS serves them (without AWS's signature lines).
std::map<std::string, std::string> active_keys(store::Transaction& txn, const std::string& region,
                                               const std::string& instance_id, int64_t now);

}  // namespace stratus::instance_connect
