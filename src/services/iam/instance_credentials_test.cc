#include "services/iam/instance_credentials.h"

#include <gtest/gtest.h>

#include "common/embedded.h"
#include "common/temp_dir.h"
#include "model/instance.h"
#include "services/iam/sessions.h"
#include "store/sqlite_store.h"

namespace stratus::iam {
namespace {

const std::string kAccount = "123456789012";
const std::string kInstance = "i-0123456789abcdef0";
constexpr int64_t kStart = 1800000000;
constexpr int64_t kHour = 3600;

// A store with role "app" in instance profile "app-profile", associated with kInstance.
class InstanceCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model::IamEntity role;
    role.kind = model::IamKind::kRole;
    role.account = kAccount;
    role.name = "app";
    role.id = "AROAAPPAPPAPPAPPAPP";
    model::InstanceProfile profile;
    profile.account = kAccount;
    profile.name = "app-profile";
    profile.id = "AIPAPROFILEPROFILE1";
    profile.roles = {"app"};
    profile_ = {{"Arn", model::instance_profile_arn(profile)}, {"Id", profile.id}};
    model::Instance instance;
    instance.api = {{"InstanceId", kInstance}, {"IamInstanceProfile", profile_}};
    auto txn = store_.begin_write();
    txn->put({model::iam_record_id(model::iam_kind_name(role.kind), kAccount, role.name),
              model::iam_kind_name(role.kind), model::kIamRegion, model::iam_entity_doc(role)});
    txn->put({model::iam_record_id(model::kInstanceProfileKind, kAccount, profile.name), model::kInstanceProfileKind,
              model::kIamRegion, model::instance_profile_doc(profile)});
    txn->put({kInstance, "instance", "us-east-1", model::instance_doc(instance)});
    txn->commit();
  }

  imds::IamMetadata at(int64_t now) {
    auto found = credentials_.lookup(kAccount, kInstance, profile_, "2027-01-15T08:00:00Z", now);
    EXPECT_TRUE(found.has_value());
    return found.value_or(imds::IamMetadata{});
  }

  TempDir dir_{"instance-credentials-test"};
  store::SqliteStore store_{(dir_.path() / "s.db").string()};
  AwsPolicies aws_{embedded::aws_managed_policies()};
  InstanceCredentials credentials_{store_, aws_};
  nlohmann::json profile_;
};

// Six hours each; the same ones until an hour is left, then new ones (clients refresh 15 minutes
// before expiry and must find them); the old ones stay valid until they expire.
TEST_F(InstanceCredentialsTest, LastSixHoursAndAreReplacedAnHourBeforeExpiry) {
  imds::IamMetadata first = at(kStart);
  EXPECT_EQ(first.role, "app");
  EXPECT_EQ(first.credentials.issued, "2027-01-15T08:00:00Z");
  EXPECT_EQ(first.credentials.expiration, "2027-01-15T14:00:00Z");
  EXPECT_EQ(first.credentials.access_key_id.substr(0, 4), "ASIA");
  EXPECT_EQ(at(kStart + 4 * kHour).credentials.access_key_id, first.credentials.access_key_id);
  EXPECT_EQ(at(kStart + 5 * kHour - 1).credentials.access_key_id, first.credentials.access_key_id);
  imds::IamMetadata second = at(kStart + 5 * kHour);
  EXPECT_NE(second.credentials.access_key_id, first.credentials.access_key_id);
  EXPECT_EQ(second.credentials.expiration, "2027-01-15T19:00:00Z");
  auto txn = store_.begin_read();
  EXPECT_TRUE(txn->get(first.credentials.access_key_id));  // still valid until it expires
  auto session = txn->get(second.credentials.access_key_id);
  ASSERT_TRUE(session);
  model::Session s = model::session_from_doc(session->doc);
  EXPECT_EQ(s.role, "app");
  EXPECT_EQ(s.session_name, kInstance);
  EXPECT_EQ(s.instance_id, kInstance);
}

TEST_F(InstanceCredentialsTest, EndWithTheAssociation) {
  imds::IamMetadata first = at(kStart);
  auto identity = credentials_.identity(kAccount, kInstance, kStart);
  ASSERT_TRUE(identity);
  {
    auto txn = store_.begin_write();
    revoke_instance_sessions(*txn, kInstance, false);
    txn->commit();
  }
  auto txn = store_.begin_read();
  EXPECT_FALSE(txn->get(first.credentials.access_key_id));
  EXPECT_TRUE(txn->get(identity->access_key_id));  // the instance is still itself
  txn.reset();
  // No longer associated: nothing is issued.
  model::Instance bare;
  bare.api = {{"InstanceId", kInstance}};
  {
    auto write = store_.begin_write();
    write->put({kInstance, "instance", "us-east-1", model::instance_doc(bare)});
    write->commit();
  }
  EXPECT_FALSE(credentials_.lookup(kAccount, kInstance, profile_, "", kStart + 1));
}

}  // namespace
}  // namespace stratus::iam
