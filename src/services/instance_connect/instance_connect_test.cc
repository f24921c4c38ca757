// SendSSHPublicKey over a real store with instances EC2 made: the checks before a key is kept, the
// keys the metadata service then serves and for how long, forgetting expired keys, throttling.

#include "services/instance_connect/instance_connect.h"

#include <gtest/gtest.h>

#include "common/ssh_keys.h"
#include "services/ec2/ec2_fixture.h"

namespace stratus::instance_connect {
namespace {

using nlohmann::json;

class InstanceConnectTest : public ec2::Ec2Fixture {
 protected:
  InstanceConnectTest() : Ec2Fixture("instance-connect-test") {
    bootstrap();
    instance_ = call("RunInstances", {{"ImageId", image_},
                                      {"InstanceType", "t2.micro"},
                                      {"MinCount", 1},
                                      {"MaxCount", 1},
                                      {"Placement", {{"AvailabilityZone", "us-east-1a"}}}})["Instances"][0]["InstanceId"];
    set_state(compute::InstanceState::kRunning);
  }
  void set_state(compute::InstanceState state) {
    change_instance(instance_, [&](model::Instance& i) { i.status.state = state; });
  }
  // SendSSHPublicKey of `key` for `user` as the account's root, with `extra` members; "CODE"
  // of its error, or "" when it succeeds.
  std::string send(const std::string& key, const std::string& user = "ec2-user", json extra = json::object()) {
    api::ServiceCall call{"SendSSHPublicKey", kRegion, kAccount, extra, {}, "", ""};
    call.request["InstanceId"] = call.request.value("InstanceId", instance_);
    call.request["InstanceOSUser"] = user;
    call.request["SSHPublicKey"] = key;
    auto result = connect_.call_batch({call})[0];
    if (!result.ok()) return result.error().code;
    EXPECT_EQ(result.value()["Success"], true);
    return "";
  }
  std::map<std::string, std::string> keys_at(int64_t when) {
    auto txn = store_->begin_read();
    return active_keys(*txn, kRegion, instance_, when);
  }
  size_t stored_keys() {
    auto txn = store_->begin_read();
    return txn->count(kKeyKind, kRegion);
  }
  static std::string new_key() { return generate_ssh_key_pair("ed25519")->public_key.openssh + " me@laptop"; }

  int64_t now_ = 1'800'000'000;
  InstanceConnect connect_{*store_, [this] { return now_; }};
  std::string instance_;
};

TEST_F(InstanceConnectTest, KeyIsServedForSixtySecondsToItsUser) {
  std::string key = new_key();
  ASSERT_EQ(send(key), "");
  auto keys = keys_at(now_);
  ASSERT_EQ(keys.size(), 1u);
  const std::string& lines = keys["ec2-user"];
  EXPECT_NE(lines.find("#Timestamp=1800000000\n#Instance=" + instance_ + "\n#Caller=arn:aws:iam::" +
                       std::string(kAccount) + ":root\n#Request="),
            std::string::npos);
  EXPECT_EQ(lines.substr(lines.rfind('\n') + 1), key.substr(0, key.rfind(' ')));  // without its comment
  EXPECT_EQ(keys_at(now_ + kKeyLifetimeSeconds - 1).size(), 1u);
  EXPECT_TRUE(keys_at(now_ + kKeyLifetimeSeconds).empty());
  // Two users, two keys each: each user's lines hold both of its keys.
  ASSERT_EQ(send(new_key(), "admin"), "");
  ASSERT_EQ(send(new_key(), "admin"), "");
  keys = keys_at(now_);
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(std::count(keys["admin"].begin(), keys["admin"].end(), '\n'), 9);  // 2 x (4 comments + key) - 1
}

TEST_F(InstanceConnectTest, ExpiredKeysAreForgottenAtTheNextSend) {
  ASSERT_EQ(send(new_key()), "");
  ASSERT_EQ(send(new_key()), "");
  EXPECT_EQ(stored_keys(), 2u);
  now_ += kKeyLifetimeSeconds;
  ASSERT_EQ(send(new_key()), "");
  EXPECT_EQ(stored_keys(), 1u);
}

TEST_F(InstanceConnectTest, RefusalsKeepNothing) {
  EXPECT_EQ(send("ssh-ed25519 " + std::string(80, 'A')), "InvalidArgsException");
  EXPECT_EQ(send(new_key(), "-bad user"), "InvalidArgsException");
  EXPECT_EQ(send(new_key(), "ec2-user", {{"InstanceId", "i-nothex"}}), "InvalidArgsException");
  EXPECT_EQ(send(new_key(), "ec2-user", {{"InstanceId", "i-0123456789abcdef0"}}), "EC2InstanceNotFoundException");
  EXPECT_EQ(send(new_key(), "ec2-user", {{"AvailabilityZone", "us-east-1b"}}), "InvalidArgsException");
  EXPECT_EQ(send(new_key(), "ec2-user", {{"AvailabilityZone", "us-east-1a"}}), "");
  EXPECT_EQ(stored_keys(), 1u);
  for (auto state : {compute::InstanceState::kPending, compute::InstanceState::kStopped,
                     compute::InstanceState::kTerminated}) {
    set_state(state);
    EXPECT_EQ(send(new_key()), "EC2InstanceStateInvalidException");
  }
  EXPECT_EQ(stored_keys(), 1u);
}

TEST_F(InstanceConnectTest, AnotherAccountsInstanceIsNotFound) {
  api::ServiceCall call{"SendSSHPublicKey", kRegion, "210987654321",
                        {{"InstanceId", instance_}, {"InstanceOSUser", "ec2-user"}, {"SSHPublicKey", new_key()}},
                        {}, "", ""};
  auto result = connect_.call_batch({call})[0];
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "EC2InstanceNotFoundException");
}

TEST_F(InstanceConnectTest, TwentyKeysAMinuteThenThrottled) {
  for (size_t i = 0; i < kMaxActiveKeys; ++i) ASSERT_EQ(send(new_key()), "");
  EXPECT_EQ(send(new_key()), "ThrottlingException");
  now_ += kKeyLifetimeSeconds;
  EXPECT_EQ(send(new_key()), "");
}

TEST(InstanceConnectResources, TheInstanceWithTheOsUser) {
  api::ServiceCall call{"SendSSHPublicKey", "us-east-1", "123456789012",
                        {{"InstanceId", "i-0123456789abcdef0"}, {"InstanceOSUser", "admin"}, {"SSHPublicKey", "k"}},
                        {}, "", ""};
  auto resources = send_key_resources(call, [](const api::ServiceCall& as_ec2) {
    EXPECT_EQ(as_ec2.request, json({{"InstanceId", "i-0123456789abcdef0"}}));
    return std::vector<iam::RequestResource>{
        {"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", {{"ec2:region", {"us-east-1"}}}, "", ""}};
  });
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].keys.at("ec2:osuser"), std::vector<std::string>{"admin"});
  EXPECT_EQ(resources[0].keys.at("ec2:region"), std::vector<std::string>{"us-east-1"});
}

}  // namespace
}  // namespace stratus::instance_connect
