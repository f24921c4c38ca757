#pragma once
// For tests: an Ec2Service over a real SQLite store in a temporary directory, with the calls
// tests make of it and a way to write an instance as the reconciler would.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "common/embedded.h"
#include "common/temp_dir.h"
#include "model/instance.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/resources.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::ec2 {

class Ec2Fixture : public ::testing::Test {
 protected:
  static constexpr const char* kAccount = "123456789012";
  static constexpr const char* kRegion = "us-east-1";

  // `label` names the temporary directory.
  explicit Ec2Fixture(const std::string& label)
      : dir_(label),
        store_(std::make_unique<store::CachedStore>(std::make_unique<store::SqliteStore>((dir_.path() / "db").string()),
                                                    indexed_fields())),
        service_(std::make_unique<Ec2Service>(*store_, catalog_)) {}

  // Bootstraps the region (default VPC, the base AMI in image_) once the capacity is set.
  void bootstrap() {
    service_->bootstrap(kAccount, BaseImage{"debian-12-amd64", "0123456789abcdef", "/nonexistent", 0, 8});
    image_ = call("DescribeImages", nlohmann::json::object())["Images"][0]["ImageId"];
  }
  // Runs `action` in kRegion; fails the test on an error.
  nlohmann::json call(const std::string& action, const nlohmann::json& request) {
    auto result = service_->call(action, kRegion, kAccount, request);
    EXPECT_TRUE(result.ok()) << action << ": " << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : nlohmann::json();
  }
  // Applies `change` to stored instance `id` and writes it back, as the reconciler does.
  void change_instance(const std::string& id, const std::function<void(model::Instance&)>& change) {
    auto txn = store_->begin_write();
    auto record = txn->get(id);
    ASSERT_TRUE(record) << id;
    model::Instance instance = model::instance_from_doc(record->doc);
    change(instance);
    record->doc = model::instance_doc(instance);
    txn->put(*record);
    txn->commit();
  }
  // Instance `id` as DescribeInstances shows it.
  nlohmann::json instance(const std::string& id) {
    return call("DescribeInstances", {{"InstanceIds", {id}}})["Reservations"][0]["Instances"][0];
  }

  Catalog catalog_{embedded::instance_types(), embedded::regions()};
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ec2Service> service_;
  std::string image_;
};

}  // namespace stratus::ec2
