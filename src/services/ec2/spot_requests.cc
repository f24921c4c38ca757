#include "services/ec2/spot_requests.h"

#include <map>

#include "common/digest.h"
#include "common/timestamp.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/host_capacity.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/instances.h"
#include "services/ec2/resources.h"
#include "services/ec2/spot_interruptions.h"
#include "services/ec2/spot_market.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceAction;

// The members of a RequestSpotInstances LaunchSpecification that RunInstances takes as they are.
const char* const kLaunchMembers[] = {"ImageId",       "InstanceType",      "KeyName",      "SecurityGroupIds",
                                      "SecurityGroups", "SubnetId",         "UserData",     "Placement",
                                      "IamInstanceProfile", "BlockDeviceMappings", "NetworkInterfaces",
                                      "EbsOptimized",  "Monitoring",        "KernelId",     "RamdiskId"};

// AWS's messages for the status codes stratus sets.
const std::map<std::string, std::string>& status_messages() {
  static const std::map<std::string, std::string> kMessages = {
      {"pending-evaluation", "Your Spot request has been submitted for review, and is pending evaluation."},
      {"fulfilled", "Your spot request is fulfilled."},
      {"capacity-not-available", "There is no capacity available for the instance type you requested."},
      {"price-too-low", "Your Spot request price is lower than the current Spot price."},
      {"marked-for-termination", "Your Spot Instance is marked for termination."},
      {"marked-for-stop", "Your Spot Instance is marked for stop."},
      {"instance-terminated-by-price", "Spot Instance terminated due to an increase in the Spot price."},
      {"instance-terminated-no-capacity", "Spot Instance terminated due to lack of capacity."},
      {"instance-stopped-by-price", "Spot Instance stopped due to an increase in the Spot price."},
      {"instance-stopped-no-capacity", "Spot Instance stopped due to lack of capacity."},
      {"instance-terminated-by-user", "Spot Instance terminated due to user-initiated termination."},
      {"instance-stopped-by-user", "Spot Instance stopped due to user-initiated stop."},
      {"instance-terminated-by-service", "Spot Instance terminated by the service: its request was cancelled."},
      {"request-canceled-and-instance-running", "Spot Instance request is canceled, but the instance is running."},
      {"canceled-before-fulfillment", "Spot Instance request was canceled before it was fulfilled."},
      {"schedule-expired", "Your Spot request has expired."}};
  return kMessages;
}

// USD an hour from a price string; InvalidParameterValue when it is not one AWS takes.
double parse_price(const std::string& text) {
  try {
    size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value >= 0.001) return value;
  } catch (const std::exception&) {
  }
  fail("InvalidParameterValue", "Invalid value '" + text + "' for maximum price: a price is at least 0.001.");
}

// Checks a request's type and interruption behaviour together, as AWS does; `run_instances`:
// RunInstances' rules (a persistent request there must stop, not terminate).
void check_terms(const std::string& type, const std::string& behavior, bool run_instances) {
  if (type != "one-time" && type != "persistent") {
    fail("InvalidParameterValue", "Invalid value '" + type + "' for the spot instance type: one-time or persistent.");
  }
  if (behavior == "hibernate") {
    fail("UnsupportedHibernationConfiguration", "stratus instances cannot hibernate: interrupt them by stop or terminate.");
  }
  if (behavior != "stop" && behavior != "terminate") {
    fail("InvalidParameterValue", "Invalid value '" + behavior + "' for instanceInterruptionBehavior.");
  }
  if (type == "one-time" && behavior != "terminate") {
    fail("InvalidParameterCombination",
         "The request with type 'one-time' is not supported when instanceInterruptionBehavior is set to '" + behavior +
             "'.");
  }
  if (run_instances && type == "persistent" && behavior == "terminate") {
    fail("InvalidParameterCombination",
         "The terminate InstanceInterruptionBehavior is not supported when requestType is set to persistent");
  }
}

// The spot price of `type` in `zone` now; InvalidParameterValue when it has none.
double current_price(CallContext& ctx, const std::string& type, const std::string& zone) {
  auto price = spot_price(ctx, type, zone, host_utilisation(ctx));
  if (!price) {
    fail("InvalidParameterValue", "Spot Instances of " + type + " are not offered in " + ctx.region +
                                      ": stratus knows no on-demand price for it (see --price-file).");
  }
  return *price;
}

[[noreturn]] void price_too_low(double max_price, double price) {
  fail("SpotMaxPriceTooLow", "Your Spot request price of " + price_text(max_price) +
                                 " is lower than the minimum required Spot request fulfillment price of " +
                                 price_text(price) + ".");
}

std::string new_request_id() { return "sir-" + to_hex(random_bytes(4)); }

// The zone a launch of `launch` (RunInstances members) lands in: its Placement's, its subnet's,
// else the default subnet's (the region's first zone).
std::string launch_zone(CallContext& ctx, const json& launch) {
  if (launch.contains("Placement") && launch["Placement"].contains("AvailabilityZone")) {
    return launch["Placement"]["AvailabilityZone"];
  }
  std::string subnet_id = str(launch, "SubnetId");
  if (subnet_id.empty() && launch.contains("NetworkInterfaces") && !launch["NetworkInterfaces"].empty()) {
    subnet_id = str(launch["NetworkInterfaces"][0], "SubnetId");
  }
  if (!subnet_id.empty()) return require(ctx, kinds::kSubnet, subnet_id).value("AvailabilityZone", "");
  for (const json& subnet : list(ctx, kinds::kSubnet)) {
    if (subnet.value("DefaultForAz", false)) return subnet.value("AvailabilityZone", "");
  }
  return ctx.catalog.region(ctx.region)->zones.front().name;
}

// The RunInstances request that fulfils spot request `request`.
json launch_request(const json& request) {
  json launch = {{"MinCount", 1}, {"MaxCount", 1}};
  const json spec = request.value("LaunchSpecification", json::object());
  for (const char* member : kLaunchMembers) {
    if (spec.contains(member)) launch[member] = spec[member];
  }
  return launch;
}

json describe_requests(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"spot-instance-request-id", field("SpotInstanceRequestId")},
      {"state", field("State")},
      {"status-code", field("Status.Code")},
      {"type", field("Type")},
      {"instance-id", field("InstanceId")},
      {"spot-price", field("SpotPrice")},
      {"launched-availability-zone", field("LaunchedAvailabilityZone")},
      {"product-description", field("ProductDescription")},
      {"launch.instance-type", field("LaunchSpecification.InstanceType")},
      {"launch.image-id", field("LaunchSpecification.ImageId")},
      {"instance-interruption-behavior", field("InstanceInterruptionBehavior")}};
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kSpotInstanceRequest, "SpotInstanceRequestIds", "SpotInstanceRequestId",
                                      "SpotInstanceRequests", filters});
}

json request_spot_instances(CallContext& ctx, const json& request) {
  const std::string type = str(request, "Type", "one-time");
  const std::string behavior = str(request, "InstanceInterruptionBehavior", "terminate");
  check_terms(type, behavior, false);
  if (request.contains("BlockDurationMinutes")) fail("InvalidParameterValue", "BlockDurationMinutes is not a valid parameter.");
  if (type == "one-time" && request.contains("ValidUntil")) {
    fail("InvalidParameterCombination",
         "The parameter validUntil cannot be specified when the SpotRequestType is set to 'one-time'.");
  }
  int64_t count = request.value("InstanceCount", int64_t{1});
  if (count < 1 || count > 20) fail("InvalidParameterValue", "InstanceCount must be between 1 and 20.");
  json spec = request.value("LaunchSpecification", json::object());
  if (!spec.contains("ImageId")) fail("MissingParameter", "The request must contain the parameter LaunchSpecification.ImageId");
  spec["InstanceType"] = str(spec, "InstanceType", "m1.small");
  std::string zone = launch_zone(ctx, spec);
  double price = current_price(ctx, spec["InstanceType"].get<std::string>(), zone);
  double max_price = request.contains("SpotPrice") ? parse_price(request["SpotPrice"].get<std::string>())
                                                    : on_demand_price(ctx, spec["InstanceType"]).value_or(price);
  json tags = tags_from_specifications(ctx, request, "spot-instances-request");
  json made = json::array();
  for (int64_t i = 0; i < count; ++i) {
    json spot = {{"SpotInstanceRequestId", new_request_id()},
                 {"SpotPrice", price_text(max_price)},
                 {"Type", type},
                 {"CreateTime", format_iso8601(ctx.now)},
                 {"ProductDescription", "Linux/UNIX"},
                 {"InstanceInterruptionBehavior", behavior},
                 {"LaunchSpecification", spec},
                 {"Tags", tags}};
    if (request.contains("ValidUntil")) spot["ValidUntil"] = request["ValidUntil"];
    if (request.contains("ValidFrom")) spot["ValidFrom"] = request["ValidFrom"];
    set_request_status(ctx, spot, "open", "pending-evaluation");
    fulfil(ctx, spot);
    made.push_back(spot);
  }
  return {{"SpotInstanceRequests", made}};
}

json cancel_requests(CallContext& ctx, const json& request) {
  std::vector<json> requests;
  for (const json& id : request["SpotInstanceRequestIds"]) {
    requests.push_back(require(ctx, kinds::kSpotInstanceRequest, id.get<std::string>()));
  }
  json cancelled = json::array();
  for (json& spot : requests) {
    std::string state = spot.value("State", "");
    if (state == "open") {
      set_request_status(ctx, spot, "cancelled", "canceled-before-fulfillment");
    } else if (state == "active") {
      set_request_status(ctx, spot, "cancelled", "request-canceled-and-instance-running");
    } else if (state == "disabled") {  // its instance is stopped: cancelling terminates it, as on AWS
      change_states(ctx, {{"InstanceIds", {spot["InstanceId"]}}}, InstanceAction::kTerminate,
                    "Service initiated: its spot request was cancelled");
      set_request_status(ctx, spot, "cancelled", "instance-terminated-by-service");
    }
    save(ctx, kinds::kSpotInstanceRequest, spot["SpotInstanceRequestId"].get<std::string>(), spot);
    cancelled.push_back({{"SpotInstanceRequestId", spot["SpotInstanceRequestId"]}, {"State", spot["State"]}});
  }
  return {{"CancelledSpotInstanceRequests", cancelled}};
}

}  // namespace

void set_request_status(CallContext& ctx, json& request, const std::string& state, const std::string& code) {
  request["State"] = state;
  auto message = status_messages().find(code);
  request["Status"] = {{"Code", code},
                       {"Message", message != status_messages().end() ? message->second : code},
                       {"UpdateTime", format_iso8601(ctx.now)}};
}

std::optional<SpotLaunch> spot_launch_of(CallContext& ctx, const json& request, const std::string& type,
                                         const std::string& zone) {
  if (!request.contains("InstanceMarketOptions")) return std::nullopt;
  const json& market = request["InstanceMarketOptions"];
  if (str(market, "MarketType", "spot") != "spot") {
    fail("InvalidParameterValue", "stratus offers no Capacity Blocks: MarketType must be spot.");
  }
  const json options = market.value("SpotOptions", json::object());
  if (options.contains("BlockDurationMinutes")) fail("InvalidParameterValue", "BlockDurationMinutes is not a valid parameter.");
  SpotLaunch launch;
  launch.request_type = str(options, "SpotInstanceType", "one-time");
  launch.terms.interruption_behavior = str(options, "InstanceInterruptionBehavior", "terminate");
  launch.terms.request_id = str(request, "_SpotRequestId");
  check_terms(launch.request_type, launch.terms.interruption_behavior, launch.terms.request_id.empty());
  if (launch.request_type == "one-time" && options.contains("ValidUntil")) {
    fail("InvalidParameterCombination",
         "The parameter validUntil cannot be specified when the SpotRequestType is set to 'one-time'.");
  }
  if (launch.terms.interruption_behavior == "stop" && str(request, "InstanceInitiatedShutdownBehavior", "stop") != "stop") {
    fail("InvalidParameterCombination", "The parameter instanceInitiatedShutdownBehavior 'terminate' is not supported "
                                        "when instanceInterruptionBehavior is set to 'stop'.");
  }
  launch.terms.price = current_price(ctx, type, zone);
  auto on_demand = on_demand_price(ctx, type);
  launch.terms.max_price = options.contains("MaxPrice") ? parse_price(options["MaxPrice"].get<std::string>()) : on_demand.value_or(launch.terms.price);
  if (launch.terms.max_price < launch.terms.price) price_too_low(launch.terms.max_price, launch.terms.price);
  return launch;
}

void make_spot(CallContext& ctx, model::Instance& instance, const SpotLaunch& launch, const json& request) {
  model::SpotTerms terms = launch.terms;
  json spot;
  if (terms.request_id.empty()) {
    terms.request_id = new_request_id();
    json spec = json::object();
    for (const char* member : kLaunchMembers) {
      if (request.contains(member)) spec[member] = request[member];
    }
    spot = {{"SpotInstanceRequestId", terms.request_id},
            {"SpotPrice", price_text(terms.max_price)},
            {"Type", launch.request_type},
            {"CreateTime", format_iso8601(ctx.now)},
            {"ProductDescription", "Linux/UNIX"},
            {"InstanceInterruptionBehavior", terms.interruption_behavior},
            {"LaunchSpecification", spec},
            {"Tags", json::array()}};
  } else {
    spot = require(ctx, kinds::kSpotInstanceRequest, terms.request_id);
  }
  spot["InstanceId"] = instance.id();
  spot["LaunchedAvailabilityZone"] = instance.api["Placement"]["AvailabilityZone"];
  set_request_status(ctx, spot, "active", "fulfilled");
  save(ctx, kinds::kSpotInstanceRequest, terms.request_id, spot);
  instance.api["InstanceLifecycle"] = "spot";
  instance.api["SpotInstanceRequestId"] = terms.request_id;
  instance.spec.spot = terms;
}

bool fulfil(CallContext& ctx, json& request) {
  json launch = launch_request(request);
  std::string type = launch["InstanceType"];
  std::string zone = launch_zone(ctx, launch);
  double max_price = std::stod(request.value("SpotPrice", "0"));
  auto price = spot_price(ctx, type, zone, host_utilisation(ctx));
  const json* info = ctx.catalog.instance_type(type);
  bool room = info != nullptr && !place_instances(ctx, zone, (*info)["VCpuInfo"].value("DefaultVCpus", 1),
                                                   (*info)["MemoryInfo"].value("SizeInMiB", 512), 1, false).empty();
  if (!price || *price > max_price || !room) {
    std::string code = !room ? "capacity-not-available" : "price-too-low";
    // Saved when new or when its status changes (the market's pass tries every open request often).
    if (request["Status"].value("Code", "") != code || !find(ctx, kinds::kSpotInstanceRequest, request["SpotInstanceRequestId"].get<std::string>())) {
      set_request_status(ctx, request, "open", code);
      save(ctx, kinds::kSpotInstanceRequest, request["SpotInstanceRequestId"].get<std::string>(), request);
    }
    return false;
  }
  save(ctx, kinds::kSpotInstanceRequest, request["SpotInstanceRequestId"].get<std::string>(), request);
  launch["InstanceMarketOptions"] = {
      {"MarketType", "spot"},
      {"SpotOptions", {{"MaxPrice", request["SpotPrice"]}, {"SpotInstanceType", request["Type"]},
                       {"InstanceInterruptionBehavior", request["InstanceInterruptionBehavior"]}}}};
  launch["_SpotRequestId"] = request["SpotInstanceRequestId"];
  run_instances(ctx, launch);
  request = require(ctx, kinds::kSpotInstanceRequest, request["SpotInstanceRequestId"].get<std::string>());
  return true;
}

void note_user_action(CallContext& ctx, const model::Instance& instance, InstanceAction action) {
  if (!instance.spec.spot) return;
  auto found = find(ctx, kinds::kSpotInstanceRequest, instance.spec.spot->request_id);
  if (!found) return;
  json spot = *found;
  std::string state = spot.value("State", "");
  if (action == InstanceAction::kStop && spot.value("Type", "") != "persistent") {
    fail("UnsupportedOperation", "You can't stop the Spot Instance '" + instance.id() +
                                     "' because it is associated with a one-time Spot Instance request. You can only "
                                     "stop Spot Instances associated with persistent Spot Instance requests.");
  }
  if (action == InstanceAction::kTerminate) {
    // A persistent request opens again and launches another instance; a one-time one closes.
    std::string next = state == "cancelled" ? "cancelled" : spot.value("Type", "") == "persistent" ? "open" : "closed";
    set_request_status(ctx, spot, next, "instance-terminated-by-user");
    if (next == "open") spot.erase("InstanceId");
  } else if (action == InstanceAction::kStop) {
    set_request_status(ctx, spot, state == "cancelled" ? "cancelled" : "disabled", "instance-stopped-by-user");
  } else if (action == InstanceAction::kStart && state == "disabled") {
    set_request_status(ctx, spot, "active", "fulfilled");
  } else {
    return;
  }
  save(ctx, kinds::kSpotInstanceRequest, instance.spec.spot->request_id, spot);
}

void add_spot_actions(ActionTable& table) {
  table["RequestSpotInstances"] = {request_spot_instances, true};
  table["DescribeSpotInstanceRequests"] = {describe_requests, false};
  table["CancelSpotInstanceRequests"] = {cancel_requests, true};
  table["DescribeSpotPriceHistory"] = {describe_spot_price_history, false};
  // Not in EC2's API (the wire cannot reach it): what FIS's aws:ec2:send-spot-instance-interruptions
  // does, under IAM's ec2:SendSpotInstanceInterruptions.
  table["SendSpotInstanceInterruptions"] = {[](CallContext& ctx, const json& request) {
                                              for (const json& id : request["InstanceIds"]) {
                                                send_spot_interruption(ctx, id, request["DurationBeforeInterruption"]);
                                              }
                                              return json::object();
                                            },
                                            true};
}

}  // namespace stratus::ec2
