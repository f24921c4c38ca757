// Spot instances through Ec2Service over a real store: AWS's launch rules, requests and their
// states, the price moving with the host's utilisation, on-demand launches taking spot capacity
// back (notice, then interruption), persistent requests fulfilled again. The interruption time is
// moved into the past in the store, as the clock would.

#include <gtest/gtest.h>

#include "services/ec2/ec2_fixture.h"

namespace stratus::ec2 {
namespace {

// Room for two t2.micro instances (1 GiB each, 100 MiB overhead).
constexpr int64_t kTwoMicros = 2 * (1024 + 100);

class SpotTest : public Ec2Fixture {
 protected:
  SpotTest() : Ec2Fixture("ec2-spot-test") {
    service_->set_host_capacity({kTwoMicros, 0, 100});
    bootstrap();
  }
  // "CODE: message" of `action`, or "" when it succeeds.
  std::string error_of(const std::string& action, const json& request) {
    auto result = service_->call(action, kRegion, kAccount, request);
    return result.ok() ? "" : result.error().code + ": " + result.error().message;
  }
  json launch(json options = json::object()) {
    return {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 1},
            {"Placement", {{"AvailabilityZone", "us-east-1a"}}},
            {"InstanceMarketOptions", {{"MarketType", "spot"}, {"SpotOptions", options}}}};
  }
  std::string run_spot(json options = json::object()) {
    return call("RunInstances", launch(std::move(options)))["Instances"][0]["InstanceId"];
  }
  std::string run_on_demand() {
    json request = launch();
    request.erase("InstanceMarketOptions");
    return call("RunInstances", request)["Instances"][0]["InstanceId"];
  }
  model::Instance stored(const std::string& id) {
    auto txn = store_->begin_read();
    return model::instance_from_doc(txn->get(id)->doc);
  }
  // Moves the interruption of `id` into the past.
  void notice_runs_out(const std::string& id) {
    change_instance(id, [](model::Instance& i) {
      ASSERT_TRUE(i.spec.spot && i.spec.spot->interrupt_at);
      i.spec.spot->interrupt_at = 1;
    });
  }
  // Puts `id` into `state`, as the reconciler does when its VM follows.
  void set_state(const std::string& id, compute::InstanceState state) {
    change_instance(id, [&](model::Instance& i) { i.status.state = state; });
  }
  json request_of(const std::string& id) {
    return call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestIds", {id}}})["SpotInstanceRequests"][0];
  }
};

TEST_F(SpotTest, LaunchRulesAsAwsHasThem) {
  EXPECT_EQ(error_of("RunInstances", launch({{"InstanceInterruptionBehavior", "stop"}})),
            "InvalidParameterCombination: The request with type 'one-time' is not supported when "
            "instanceInterruptionBehavior is set to 'stop'.");
  EXPECT_EQ(error_of("RunInstances", launch({{"SpotInstanceType", "persistent"}})).rfind("InvalidParameterCombination", 0), 0u);
  EXPECT_EQ(error_of("RunInstances", launch({{"SpotInstanceType", "persistent"}, {"InstanceInterruptionBehavior", "hibernate"}}))
                .rfind("UnsupportedHibernationConfiguration", 0),
            0u);
  EXPECT_EQ(error_of("RunInstances", launch({{"MaxPrice", "0.0001"}})).rfind("InvalidParameterValue", 0), 0u);
  // An idle host's t2.micro costs 30% of its $0.0116 on demand.
  EXPECT_EQ(error_of("RunInstances", launch({{"MaxPrice", "0.002"}})),
            "SpotMaxPriceTooLow: Your Spot request price of 0.002000 is lower than the minimum required Spot request "
            "fulfillment price of 0.003480.");
  EXPECT_TRUE(call("DescribeInstances", json::object())["Reservations"].empty());  // nothing launched
  std::string id = run_spot();
  json launched = instance(id);
  EXPECT_EQ(launched["InstanceLifecycle"], "spot");
  json request = request_of(launched["SpotInstanceRequestId"]);
  EXPECT_EQ(request["State"], "active");
  EXPECT_EQ(request["Status"]["Code"], "fulfilled");
  EXPECT_EQ(request["InstanceId"], id);
  EXPECT_EQ(request["SpotPrice"], "0.011600");  // the on-demand price when no MaxPrice is given
  EXPECT_EQ(stored(id).spec.spot->price, 0.00348);
  set_state(id, compute::InstanceState::kRunning);
  EXPECT_EQ(error_of("StopInstances", {{"InstanceIds", {id}}}).rfind("UnsupportedOperation: You can't stop the Spot Instance", 0),
            0u);
  EXPECT_EQ(error_of("DescribeSpotInstanceRequests", {{"SpotInstanceRequestIds", {"sir-0badc0de"}}}),
            "InvalidSpotInstanceRequestID.NotFound: The spot instance request ID 'sir-0badc0de' does not exist");
}

TEST_F(SpotTest, PriceHistoryFollowsTheHostsUtilisation) {
  auto history = [&] {
    return call("DescribeSpotPriceHistory", {{"InstanceTypes", {"t2.micro"}}, {"AvailabilityZone", "us-east-1b"},
                                             {"ProductDescriptions", {"Linux/UNIX"}}})["SpotPriceHistory"];
  };
  ASSERT_EQ(history().size(), 1u);
  EXPECT_EQ(history()[0]["SpotPrice"], "0.003550");  // zone b: 2% above zone a
  run_on_demand();
  service_->run_spot_market();  // half the host held: 30% + 70% x 0.5^2 = 47.5%, and 2%
  json now = history();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0]["SpotPrice"], "0.005620");  // newest first
  EXPECT_EQ(now[1]["SpotPrice"], "0.003550");
}

TEST_F(SpotTest, OnDemandLaunchTakesTheCapacityBackFromTheNewestSpotInstance) {
  std::string older = run_spot();
  std::string newer = run_spot();
  // The host is full, yet an on-demand launch succeeds: spot capacity is reclaimed for it.
  std::string on_demand = run_on_demand();
  service_->run_spot_market();
  ASSERT_TRUE(stored(newer).spec.spot->interrupt_at);
  EXPECT_GT(*stored(newer).spec.spot->interrupt_at, 0);
  EXPECT_TRUE(stored(newer).spec.spot->rebalance_at);
  EXPECT_FALSE(stored(older).spec.spot->interrupt_at);
  std::string request = instance(newer)["SpotInstanceRequestId"];
  EXPECT_EQ(request_of(request)["Status"]["Code"], "marked-for-termination");
  call("ModifyInstanceAttribute", {{"InstanceId", newer}, {"DisableApiTermination", {{"Value", true}}}});
  notice_runs_out(newer);
  service_->run_spot_market();
  json interrupted = instance(newer);  // termination protection holds against users, not interruptions
  EXPECT_EQ(interrupted["State"]["Name"], "shutting-down");
  EXPECT_EQ(interrupted["StateReason"]["Code"], "Server.SpotInstanceTermination");
  EXPECT_EQ(request_of(request)["State"], "closed");
  EXPECT_EQ(request_of(request)["Status"]["Code"], "instance-terminated-no-capacity");
  EXPECT_EQ(instance(older)["State"]["Name"], "pending");
  EXPECT_EQ(instance(on_demand)["State"]["Name"], "pending");
}

TEST_F(SpotTest, PersistentRequestIsFulfilledAgainWhenCapacityReturns) {
  service_->set_host_capacity({kTwoMicros / 2, 0, 100});
  json made = call("RequestSpotInstances",
                   {{"Type", "persistent"}, {"SpotPrice", "0.01"},
                    {"LaunchSpecification", {{"ImageId", image_}, {"InstanceType", "t2.micro"}}}});
  std::string request = made["SpotInstanceRequests"][0]["SpotInstanceRequestId"];
  EXPECT_EQ(made["SpotInstanceRequests"][0]["Status"]["Code"], "fulfilled");
  std::string first = request_of(request)["InstanceId"];
  std::string on_demand = run_on_demand();
  service_->run_spot_market();
  notice_runs_out(first);
  service_->run_spot_market();
  EXPECT_EQ(instance(first)["State"]["Name"], "shutting-down");
  EXPECT_EQ(request_of(request)["State"], "open");  // persistent: waits for room again
  EXPECT_EQ(request_of(request)["Status"]["Code"], "capacity-not-available");
  call("TerminateInstances", {{"InstanceIds", {on_demand}}});
  service_->run_spot_market();
  json fulfilled = request_of(request);
  EXPECT_EQ(fulfilled["State"], "active");
  EXPECT_NE(fulfilled["InstanceId"], first);
  EXPECT_EQ(instance(fulfilled["InstanceId"])["InstanceLifecycle"], "spot");
  // Terminated by its user, a persistent request opens again and launches another instance.
  call("TerminateInstances", {{"InstanceIds", {fulfilled["InstanceId"]}}});
  EXPECT_EQ(request_of(request)["State"], "open");
  EXPECT_EQ(request_of(request)["Status"]["Code"], "instance-terminated-by-user");
  service_->run_spot_market();
  EXPECT_EQ(request_of(request)["State"], "active");
  EXPECT_NE(request_of(request)["InstanceId"], fulfilled["InstanceId"]);
  fulfilled = request_of(request);
  // Cancelling leaves the instance running; a request never fulfilled is cancelled before it was.
  json cancelled = call("CancelSpotInstanceRequests", {{"SpotInstanceRequestIds", {request}}});
  EXPECT_EQ(cancelled["CancelledSpotInstanceRequests"][0]["State"], "cancelled");
  EXPECT_EQ(request_of(request)["Status"]["Code"], "request-canceled-and-instance-running");
  EXPECT_EQ(instance(fulfilled["InstanceId"])["State"]["Name"], "pending");
}

TEST_F(SpotTest, PriceAboveTheMaxPriceInterruptsAndStopsPersistentInstances) {
  json made = call("RequestSpotInstances",
                   {{"Type", "persistent"}, {"InstanceInterruptionBehavior", "stop"}, {"SpotPrice", "0.0050"},
                    {"LaunchSpecification",
                     {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"Placement", {{"AvailabilityZone", "us-east-1a"}}}}}});
  std::string request = made["SpotInstanceRequests"][0]["SpotInstanceRequestId"];
  std::string spot = request_of(request)["InstanceId"];
  set_state(spot, compute::InstanceState::kRunning);  // a pending instance cannot stop yet
  run_on_demand();  // the host is full: the price is the on-demand price, above $0.005
  service_->run_spot_market();
  EXPECT_EQ(stored(spot).spec.spot->interrupt_cause, "price");
  EXPECT_EQ(request_of(request)["Status"]["Code"], "marked-for-stop");
  notice_runs_out(spot);
  service_->run_spot_market();
  EXPECT_EQ(instance(spot)["State"]["Name"], "stopping");
  EXPECT_EQ(instance(spot)["StateReason"]["Code"], "Server.SpotInstanceShutdown");
  EXPECT_EQ(request_of(request)["State"], "disabled");
  EXPECT_EQ(request_of(request)["Status"]["Code"], "instance-stopped-by-price");
}

}  // namespace
}  // namespace stratus::ec2
