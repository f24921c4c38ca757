// FIS experiments through FisService and ExperimentRunner with a clock the test sets and EC2
// behind a fake FaultActions: templates checked as FIS checks them, actions started in startAfter
// order and ended (undone) when their duration has passed, StopExperiment undoing what runs, a
// failed action failing the experiment, a target that matches nothing failing it at the start.

#include "fis/experiment_runner.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "fis/fis_actions.h"
#include "fis/fis_service.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::fis {
namespace {

using nlohmann::json;

constexpr const char* kAccount = "123456789012";
constexpr const char* kRole = "arn:aws:iam::123456789012:role/fis";

// Records what the runner asks of EC2.
class FakeFaults : public FaultActions {
 public:
  Result<std::vector<std::string>> resolve(const Scope& scope, const json& target) override {
    calls.push_back("resolve " + target.value("resourceType", ""));
    if (target.value("resourceType", "") == "aws:ec2:subnet") return std::vector<std::string>{"subnet-a"};
    if (target.contains("resourceTags")) return std::vector<std::string>{};
    return std::vector<std::string>{"i-1", "i-2"};
  }
  Result<json> run(const Scope& scope, const std::string& action_id, const std::vector<std::string>& ids,
                   const json& parameters) override {
    calls.push_back("run " + action_id + " " + json(ids).dump() + " as " + scope.role_arn);
    if (failure) return *failure;
    if (action_id == "aws:network:disrupt-connectivity") return json{{"Swaps", "subnet-a"}};
    return json();
  }
  Result<bool> undo(const Scope& scope, const std::string& action_id, const json& undo) override {
    calls.push_back("undo " + action_id + " " + undo.dump());
    return true;
  }
  std::vector<std::string> calls;
  std::optional<ApiError> failure;
};

class ExperimentRunnerTest : public ::testing::Test {
 protected:
  Result<json> ask(const std::string& action, const json& request) {
    api::ServiceCall call{action, "us-east-1", kAccount, request, {}, "", ""};
    if (!fis_.mutates(action)) return fis_.call(call);
    return fis_.call_batch({call})[0];
  }
  // A template: disrupt subnets for a minute, and after that stop the instances.
  static json drill() {
    return {{"clientToken", "t"},
            {"description", "AZ drill"},
            {"roleArn", kRole},
            {"stopConditions", {{{"source", "none"}}}},
            {"targets",
             {{"Subnets", {{"resourceType", "aws:ec2:subnet"}, {"parameters", {{"availabilityZoneIdentifier", "us-east-1a"}}},
                           {"selectionMode", "ALL"}}},
              {"Instances", {{"resourceType", "aws:ec2:instance"}, {"resourceArns", {"arn:aws:ec2:us-east-1:123456789012:instance/i-1"}},
                             {"selectionMode", "ALL"}}}}},
            {"actions",
             {{"cut", {{"actionId", "aws:network:disrupt-connectivity"}, {"parameters", {{"duration", "PT1M"}}},
                       {"targets", {{"Subnets", "Subnets"}}}}},
              {"stop", {{"actionId", "aws:ec2:stop-instances"}, {"targets", {{"Instances", "Instances"}}},
                        {"startAfter", {"cut"}}}}}}};
  }
  std::string start(const json& template_request) {
    std::string id = ask("CreateExperimentTemplate", template_request).value()["experimentTemplate"]["id"];
    return ask("StartExperiment", {{"clientToken", "start-" + id}, {"experimentTemplateId", id}}).value()["experiment"]["id"];
  }
  json experiment(const std::string& id) { return ask("GetExperiment", {{"id", id}}).value()["experiment"]; }
  std::string status(const std::string& id) { return experiment(id)["state"]["status"]; }
  std::string action_status(const std::string& id, const std::string& action) {
    return experiment(id)["actions"][action]["state"]["status"];
  }

  TempDir dir_{"fis-runner-test"};
  store::CachedStore store_{std::make_unique<store::SqliteStore>((dir_.path() / "db").string())};
  int64_t now_ = 1796083200;
  FisService fis_{store_, [this] { return now_; }};
  FakeFaults faults_;
  ExperimentRunner runner_{store_, faults_, [this] { return now_; }};
};

TEST_F(ExperimentRunnerTest, ActionsRunInOrderAndEndWhenTheirDurationHasPassed) {
  std::string id = start(drill());
  EXPECT_EQ(status(id), "initiating");
  runner_.pass();
  EXPECT_EQ(status(id), "running");
  EXPECT_EQ(action_status(id, "cut"), "running");
  EXPECT_EQ(action_status(id, "stop"), "pending");  // after "cut"
  now_ += 30;
  runner_.pass();
  EXPECT_EQ(action_status(id, "cut"), "running");
  now_ += 30;
  runner_.pass();
  EXPECT_EQ(action_status(id, "cut"), "completed");
  EXPECT_EQ(action_status(id, "stop"), "completed");
  EXPECT_EQ(status(id), "completed");
  EXPECT_EQ(faults_.calls, (std::vector<std::string>{
                               "resolve aws:ec2:instance", "resolve aws:ec2:subnet",
                               "run aws:network:disrupt-connectivity [\"subnet-a\"] as " + std::string(kRole),
                               "undo aws:network:disrupt-connectivity {\"Swaps\":\"subnet-a\"}",
                               "run aws:ec2:stop-instances [\"i-1\",\"i-2\"] as " + std::string(kRole)}));
  EXPECT_FALSE(experiment(id).contains("_resolved"));  // stratus's own members stay inside
  EXPECT_EQ(ask("ListExperiments", json::object()).value()["experiments"].size(), 1u);
  // A repeat of StartExperiment's clientToken answers the experiment it started.
  EXPECT_EQ(ask("StartExperiment", {{"clientToken", "start-" + experiment(id)["experimentTemplateId"].get<std::string>()},
                                    {"experimentTemplateId", experiment(id)["experimentTemplateId"]}})
                .value()["experiment"]["id"],
            id);
}

TEST_F(ExperimentRunnerTest, StopExperimentUndoesWhatRuns) {
  std::string id = start(drill());
  runner_.pass();
  ASSERT_TRUE(ask("StopExperiment", {{"id", id}}).ok());
  EXPECT_EQ(status(id), "stopping");
  runner_.pass();
  EXPECT_EQ(status(id), "stopped");
  EXPECT_EQ(action_status(id, "cut"), "stopped");
  EXPECT_EQ(action_status(id, "stop"), "cancelled");
  EXPECT_EQ(faults_.calls.back(), "undo aws:network:disrupt-connectivity {\"Swaps\":\"subnet-a\"}");
}

TEST_F(ExperimentRunnerTest, FailuresFailTheExperiment) {
  faults_.failure = ApiError{"UnauthorizedOperation", "You are not authorized to perform this operation."};
  std::string id = start(drill());
  runner_.pass();
  EXPECT_EQ(status(id), "failed");
  EXPECT_EQ(experiment(id)["state"]["reason"], "Action cut failed: You are not authorized to perform this operation.");
  json nothing = drill();
  nothing["targets"]["Instances"] = {{"resourceType", "aws:ec2:instance"}, {"resourceTags", {{"team", "none"}}},
                                     {"selectionMode", "ALL"}};
  faults_.failure.reset();
  std::string unmatched = start(nothing);
  runner_.pass();
  EXPECT_EQ(status(unmatched), "failed");
  EXPECT_EQ(experiment(unmatched)["state"]["reason"], "Target resolution failed: target Instances matched no resources.");
}

TEST_F(ExperimentRunnerTest, TemplatesAreCheckedAsFisChecksThem) {
  auto code = [&](const json& request) {
    auto made = ask("CreateExperimentTemplate", request);
    return made.ok() ? std::string() : made.error().code + ": " + made.error().message;
  };
  json unknown = drill();
  unknown["actions"]["cut"]["actionId"] = "aws:ecs:drain-container-instances";
  EXPECT_EQ(code(unknown).rfind("ValidationException: Action cut: aws:ecs:drain-container-instances is not", 0), 0u);
  json missing = drill();
  missing["actions"]["cut"]["parameters"] = json::object();
  EXPECT_EQ(code(missing), "ValidationException: Action cut: parameter duration is required");
  json wrong_type = drill();
  wrong_type["actions"]["stop"]["targets"]["Instances"] = "Subnets";
  EXPECT_EQ(code(wrong_type), "ValidationException: Action stop: target Subnets must be of resource type aws:ec2:instance");
  json alarm = drill();
  alarm["stopConditions"] = {{{"source", "aws:cloudwatch:alarm"}, {"value", "arn:aws:cloudwatch:::alarm:x"}}};
  EXPECT_EQ(code(alarm).rfind("ValidationException", 0), 0u);
  json spot = drill();
  spot["targets"]["Spot"] = {{"resourceType", "aws:ec2:spot-instance"}, {"resourceTags", {{"a", "b"}}}, {"selectionMode", "COUNT(1)"}};
  spot["actions"]["spot"] = {{"actionId", "aws:ec2:send-spot-instance-interruptions"},
                             {"parameters", {{"durationBeforeInterruption", "PT1M"}}}, {"targets", {{"SpotInstances", "Spot"}}}};
  EXPECT_EQ(code(spot), "ValidationException: Action spot: durationBeforeInterruption must be from PT2M to PT15M");
  json circle = drill();
  circle["actions"]["cut"]["startAfter"] = {"stop"};
  EXPECT_EQ(code(circle), "ValidationException: The actions' startAfter lists wait for one another in a circle");
  EXPECT_EQ(ask("ListExperimentTemplates", {{"maxResults", 0}}).error().code, "ValidationException");
  EXPECT_TRUE(ask("ListExperimentTemplates", json::object()).value()["experimentTemplates"].empty());
  EXPECT_EQ(ask("GetExperimentTemplate", {{"id", "EXTnope"}}).error().code, "ResourceNotFoundException");
  EXPECT_EQ(parse_duration("PT1M30S"), 90);
  EXPECT_EQ(parse_duration("P1DT1H"), 90000);
  EXPECT_FALSE(parse_duration("PT"));
  EXPECT_FALSE(parse_duration("2 minutes"));
}

}  // namespace
}  // namespace stratus::fis
