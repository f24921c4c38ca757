#include "services/ec2/instances.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/base64.h"
#include "common/cidr.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "model/console_output.h"
#include "model/host.h"
#include "services/ec2/addresses.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/host_capacity.h"
#include "services/ec2/iam_instance_profiles.h"
#include "services/ec2/images.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/instance_size.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/public_ips.h"
#include "services/ec2/resources.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/spot_requests.h"
#include "services/ec2/tags.h"
#include "services/ec2/volumes.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceAction;
using compute::InstanceState;

constexpr size_t kMaxUserDataBytes = 16384;

// How many more instances the region's quota (ctx.limits) lets run beside those pending,
// running or stopping (those that hold a host); stopped instances do not count, as on AWS.
int64_t instance_room(CallContext& ctx) {
  int64_t active = 0;
  for (const model::Instance& instance : list_instances(ctx)) active += compute::holds_host(instance.status.state);
  return std::max<int64_t>(0, ctx.limits.instances - active);
}

// Fails with AWS's InstanceLimitExceeded when `room` (instance_room) is less than `wanted`.
void require_instance_room(int64_t room, int64_t wanted) {
  if (room >= wanted) return;
  fail("InstanceLimitExceeded", "Your quota allows for " + std::to_string(room) +
                                    " more running instance(s). You requested at least " + std::to_string(wanted));
}

json state_json(InstanceState state) {
  return {{"Code", compute::state_code(state)}, {"Name", std::string(compute::state_name(state))}};
}

// `instance` as the API shows it: its view with the volumes attached to it.
json described(CallContext& ctx, const model::Instance& instance) {
  json view = model::instance_view(instance);
  view["BlockDeviceMappings"] = block_device_mappings(ctx, instance.id());
  return view;
}

// `instance` as DescribeInstances lists it, with the reservation it belongs to beside (for the
// reservation-id filter and the grouping; not a member of the Instance shape).
json listed(CallContext& ctx, const model::Instance& instance) {
  json view = described(ctx, instance);
  view["ReservationId"] = instance.spec.reservation_id;
  view["OwnerId"] = instance.spec.owner_id;
  return view;
}

// The subnet a launch uses: the named one, else the default subnet of the requested (or first) zone.
// True when the zone named `zone` of the call's region offers `type`, which the region offers.
bool zone_offers(CallContext& ctx, const std::string& zone, const std::string& type) {
  const Zone* found = ctx.catalog.zone(ctx.region, zone);
  return found != nullptr && found->offers_offered_type(type);
}

// The subnet a launch of `type` uses: the given one, else the default subnet of the given
// zone, else the first default subnet whose zone offers `type` (AWS picks a zone for you).
json launch_subnet(CallContext& ctx, const json& request, const std::string& type) {
  std::string zone = request.contains("Placement") ? str(request["Placement"], "AvailabilityZone") : "";
  json chosen;
  if (request.contains("SubnetId")) {
    chosen = require(ctx, kinds::kSubnet, request["SubnetId"].get<std::string>());
    if (!zone.empty() && zone != chosen.value("AvailabilityZone", "")) {
      fail("InvalidParameterValue", "Value (" + zone + ") for parameter availabilityZone is invalid. Subnet '" +
                                        chosen["SubnetId"].get<std::string>() + "' is in the availability zone " +
                                        chosen.value("AvailabilityZone", ""));
    }
  } else {
    if (!zone.empty() && ctx.catalog.zone(ctx.region, zone) == nullptr) {
      fail("InvalidParameterValue", "Invalid availability zone: [" + zone + "]");
    }
    for (json& subnet : list(ctx, kinds::kSubnet)) {
      if (!subnet.value("DefaultForAz", false)) continue;
      std::string subnet_zone = subnet.value("AvailabilityZone", "");
      if (zone.empty() ? zone_offers(ctx, subnet_zone, type) : subnet_zone == zone) {
        chosen = std::move(subnet);
        break;
      }
    }
    if (chosen.is_null()) {
      fail("VPCIdNotSpecified",
           "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.");
    }
  }
  std::string placed = chosen.value("AvailabilityZone", "");
  if (!zone_offers(ctx, placed, type)) {
    std::string others;
    for (const Zone& z : ctx.catalog.region(ctx.region)->zones) {
      if (z.offers_offered_type(type)) others += (others.empty() ? "" : ", ") + z.name;
    }
    fail("Unsupported", "Your requested instance type (" + type + ") is not supported in your requested Availability "
                        "Zone (" + placed + "). Please retry your request by not specifying an Availability "
                        "Zone or choosing " + others + ".");
  }
  return chosen;
}

// Fails as AWS does when instances of `type` (in the catalogue) cannot launch here from
// `image`: the region does not offer the type, or the architectures differ.
void check_type_for_launch(CallContext& ctx, const std::string& type, const json& image) {
  if (!ctx.catalog.region(ctx.region)->offers(type)) {
    fail("Unsupported",
         "The requested configuration is currently not supported. Please check the documentation for supported "
         "configurations.");
  }
  const json& architectures = (*ctx.catalog.instance_type(type))["ProcessorInfo"]["SupportedArchitectures"];
  std::string image_architecture = image.value("Architecture", "x86_64");
  if (std::find(architectures.begin(), architectures.end(), image_architecture) == architectures.end()) {
    std::string joined;
    for (const json& a : architectures) joined += (joined.empty() ? "" : ",") + a.get<std::string>();
    fail("InvalidParameterValue",
         "The architecture '" + joined + "' of the specified instance type does not match the architecture '" +
             image_architecture + "' of the specified AMI. Specify an instance type and an AMI that have matching "
             "architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover "
             "the architecture of the instance type or AMI.");
  }
}

// `request` with the primary interface's subnet, groups and private address at the top level:
// RunInstances takes them there or as NetworkInterfaces[DeviceIndex 0], not both. Further
// interfaces are attached after launch (AttachNetworkInterface); naming them here is refused.
json primary_interface_at_top(json request) {
  if (!request.contains("NetworkInterfaces")) return request;
  for (const json& nic : request["NetworkInterfaces"]) {
    if (nic.value("DeviceIndex", int64_t{-1}) != 0 || nic.contains("NetworkInterfaceId")) {
      fail("UnsupportedOperation", "RunInstances here takes one new primary interface (DeviceIndex 0); attach "
                                   "further or existing interfaces with AttachNetworkInterface.");
    }
    for (const char* member : {"SubnetId", "PrivateIpAddress"}) {
      if (!nic.contains(member)) continue;
      if (request.contains(member)) {
        fail("InvalidParameterCombination", std::string("Network interfaces and an instance-level ") + member +
                                                " may not be specified on the same request");
      }
      request[member] = nic[member];
    }
    if (nic.contains("Groups")) {
      if (request.contains("SecurityGroupIds") || request.contains("SecurityGroups")) {
        fail("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be "
                                            "specified on the same request");
      }
      request["SecurityGroupIds"] = nic["Groups"];
    }
  }
  return request;
}

json security_groups_for(CallContext& ctx, const json& request, const std::string& vpc_id) {
  json groups = security_group_refs(ctx, request.value("SecurityGroupIds", json::array()), vpc_id);
  for (const json& name : request.value("SecurityGroups", json::array())) {
    bool found = false;
    for (const json& group : list_where(ctx, kinds::kSecurityGroup, "GroupName", name.get<std::string>())) {
      if (group.value("VpcId", "") == vpc_id) {
        groups.push_back({{"GroupId", group["GroupId"]}, {"GroupName", group["GroupName"]}});
        found = true;
      }
    }
    if (!found) fail("InvalidGroup.NotFound", "The security group '" + name.get<std::string>() + "' does not exist in VPC '" + vpc_id + "'");
  }
  if (groups.empty()) groups = default_group_refs(ctx, vpc_id);
  return groups;
}

json metadata_options(const json& request) {
  json given = request.value("MetadataOptions", json::object());
  json options = {{"State", "applied"},
                  {"HttpTokens", str(given, "HttpTokens", "optional")},
                  {"HttpPutResponseHopLimit", given.value("HttpPutResponseHopLimit", int64_t{1})},
                  {"HttpEndpoint", str(given, "HttpEndpoint", "enabled")},
                  {"HttpProtocolIpv6", str(given, "HttpProtocolIpv6", "disabled")},
                  {"InstanceMetadataTags", str(given, "InstanceMetadataTags", "disabled")}};
  if (options["HttpTokens"] != "optional" && options["HttpTokens"] != "required") {
    fail("InvalidParameterValue", "Invalid value for HttpTokens: " + options["HttpTokens"].get<std::string>());
  }
  if (options["HttpEndpoint"] != "enabled" && options["HttpEndpoint"] != "disabled") {
    fail("InvalidParameterValue", "Invalid value for HttpEndpoint: " + options["HttpEndpoint"].get<std::string>());
  }
  int64_t hops = options["HttpPutResponseHopLimit"].get<int64_t>();
  if (hops < 1 || hops > 64) fail("InvalidParameterValue", "HttpPutResponseHopLimit must be between 1 and 64");
  return options;
}

model::Instance new_instance(CallContext& ctx, const json& request, const model::Image& ami, const json& subnet,
                             const json& groups, const std::string& reservation_id, int64_t index, const json& tags,
                             const json& volume_tags) {
  std::string id = new_resource_id("i");
  json eni = new_interface(ctx, subnet, groups, str(request, "PrivateIpAddress"));
  std::string ip = eni["PrivateIpAddress"].get<std::string>();
  std::string dns = eni["PrivateDnsName"].get<std::string>();
  std::string type = request["InstanceType"].get<std::string>();
  const json& type_info = *ctx.catalog.instance_type(type);
  std::string launch_time = format_iso8601(ctx.now);
  model::Instance instance;
  instance.api = {
      {"InstanceId", id},
      {"ImageId", ami.id()},
      {"InstanceType", type},
      {"LaunchTime", launch_time},
      {"Placement", {{"AvailabilityZone", subnet["AvailabilityZone"]}, {"GroupName", ""}, {"Tenancy", "default"}}},
      {"PrivateDnsName", dns},
      {"PrivateIpAddress", ip},
      {"ProductCodes", json::array()},
      {"PublicDnsName", ""},
      {"SubnetId", subnet["SubnetId"]},
      {"VpcId", subnet["VpcId"]},
      {"Architecture", "x86_64"},
      {"AmiLaunchIndex", index},
      {"ClientToken", str(request, "ClientToken")},
      {"EbsOptimized", false},
      {"EnaSupport", true},
      {"Hypervisor", "xen"},
      {"NetworkInterfaces", json::array()},
      {"RootDeviceName", "/dev/xvda"},
      {"RootDeviceType", "ebs"},
      {"SecurityGroups", groups},
      {"SourceDestCheck", true},
      {"VirtualizationType", "hvm"},
      {"CpuOptions",
       {{"CoreCount", type_info["VCpuInfo"].value("DefaultCores", 1)},
        {"ThreadsPerCore", type_info["VCpuInfo"].value("DefaultThreadsPerCore", 1)}}},
      {"MetadataOptions", metadata_options(request)},
      {"Monitoring", {{"State", "disabled"}}},
      {"PlatformDetails", "Linux/UNIX"},
      {"UsageOperation", "RunInstances"},
  };
  instance.tags = tags;
  model::InstanceSpec& spec = instance.spec;
  spec.reservation_id = reservation_id;
  spec.owner_id = ctx.account_id;
  spec.user_data = str(request, "UserData");
  spec.shutdown_behavior = str(request, "InstanceInitiatedShutdownBehavior", "stop");
  spec.disable_api_termination = request.value("DisableApiTermination", false);
  spec.disable_api_stop = request.value("DisableApiStop", false);
  apply_instance_size(spec, type_info);
  spec.boot_directory = ami.spec.boot_directory;
  if (request.contains("KeyName")) instance.api["KeyName"] = request["KeyName"];
  if (request.contains("IamInstanceProfile")) associate_profile(ctx, instance, request["IamInstanceProfile"]);
  eni["Status"] = "in-use";
  eni["Attachment"] = {{"AttachmentId", new_resource_id("eni-attach")},
                       {"AttachTime", launch_time},
                       {"DeleteOnTermination", true},
                       {"DeviceIndex", 0},
                       {"NetworkCardIndex", 0},
                       {"Status", "attached"}};
  instance.api["NetworkInterfaces"].push_back(eni);
  bool map_public = subnet.value("MapPublicIpOnLaunch", false);
  for (const json& nic : request.value("NetworkInterfaces", json::array())) {
    if (nic.value("DeviceIndex", int64_t{0}) == 0 && nic.contains("AssociatePublicIpAddress")) {
      map_public = nic["AssociatePublicIpAddress"].get<bool>();
    }
  }
  spec.assign_public_ip = map_public;
  assign_public_ip(ctx, instance);
  // Its volumes, records of their own, attached from the start.
  for (model::Volume& volume : launch_volumes(ctx, request, ami, subnet["AvailabilityZone"].get<std::string>())) {
    volume.spec.volume_id = new_resource_id("vol");
    volume.spec.create_time = launch_time;
    volume.spec.attachment->instance_id = id;
    volume.spec.attachment->attach_time = launch_time;
    volume.status.state = model::VolumeState::kInUse;
    volume.tags = volume_tags;
    require_storage_room(ctx, volume.spec.volume_type, volume.spec.size_gib);
    save_volume(ctx, volume);
  }
  return instance;
}

json reservation_of(CallContext& ctx, const std::vector<model::Instance>& instances) {
  json groups = json::array();
  json members = json::array();
  for (const model::Instance& instance : instances) members.push_back(described(ctx, instance));
  return {{"ReservationId", instances.front().spec.reservation_id},
          {"OwnerId", ctx.account_id},
          {"Groups", groups},
          {"Instances", members}};
}

}  // namespace

json run_instances(CallContext& ctx, const json& given) {
  json request = primary_interface_at_top(given);
  if (!request.contains("ImageId")) fail("MissingParameter", "The request must contain the parameter ImageId");
  model::Image ami = require_launchable_image(ctx, request["ImageId"].get<std::string>());
  const std::optional<json> image = model::image_view(ami);
  // AWS's documented default; m1.small is a previous-generation type not every zone offers.
  std::string type = str(request, "InstanceType", "m1.small");
  request["InstanceType"] = type;
  if (!ctx.catalog.has_instance_type(type)) {
    fail("InvalidParameterValue", "Invalid value '" + type + "' for InstanceType.");
  }
  check_type_for_launch(ctx, type, *image);
  int64_t min_count = request["MinCount"].get<int64_t>(), max_count = request["MaxCount"].get<int64_t>();
  if (min_count < 1 || max_count < min_count) {
    fail("InvalidParameterValue", "MinCount must be at least 1 and no greater than MaxCount");
  }
  int64_t room = instance_room(ctx);
  require_instance_room(room, min_count);
  if (request.contains("KeyName")) {
    std::string key = request["KeyName"].get<std::string>();
    if (list_where(ctx, kinds::kKeyPair, "KeyName", key).empty()) fail("InvalidKeyPair.NotFound", "The key pair '" + key + "' does not exist");
  }
  if (request.contains("UserData")) {
    auto decoded = base64_decode(request["UserData"].get<std::string>());
    if (!decoded) fail("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
    if (decoded->size() > kMaxUserDataBytes) fail("InvalidParameterValue", "User data is limited to 16384 bytes");
  }
  std::string behavior = str(request, "InstanceInitiatedShutdownBehavior", "stop");
  if (behavior != "stop" && behavior != "terminate") {
    fail("InvalidParameterValue", "Value (" + behavior + ") for parameter instanceInitiatedShutdownBehavior is invalid.");
  }
  json subnet = launch_subnet(ctx, request, type);
  json groups = security_groups_for(ctx, request, subnet["VpcId"].get<std::string>());
  check_groups_per_interface(ctx, groups, "SecurityGroupsPerInstanceLimitExceeded");
  json tags = tags_from_specifications(ctx, request, "instance", {"volume"});
  json volume_tags = tags_from_specifications(ctx, request, "volume", {"instance"});
  const std::string zone = subnet["AvailabilityZone"].get<std::string>();
  std::optional<SpotLaunch> spot = spot_launch_of(ctx, request, type, zone);
  launch_volumes(ctx, request, ami, zone);
  // As on AWS, a launch gets as many instances as the quota and capacity let fit, if that is at
  // least MinCount; an on-demand launch may take the capacity spot instances hold (they are
  // interrupted for it).
  const json& type_info = *ctx.catalog.instance_type(type);
  std::vector<std::string> hosts = place_instances(ctx, zone, type_info["VCpuInfo"].value("DefaultVCpus", 1),
                                                   type_info["MemoryInfo"].value("SizeInMiB", 512),
                                                   std::min(max_count, room), /*reclaim_spot=*/!spot);
  // stratus has no accelerators and no Mac hosts: such types never have capacity here.
  bool special = type_info.contains("GpuInfo") || type_info.contains("FpgaInfo") || type_info.contains("NeuronInfo") ||
                 type_info.contains("InferenceAcceleratorInfo") || type_info.contains("MediaAcceleratorInfo") ||
                 type.rfind("mac", 0) == 0;
  if (special) hosts.clear();
  int64_t count = static_cast<int64_t>(hosts.size());
  if (count < min_count) fail_insufficient_capacity(type, subnet["AvailabilityZone"].get<std::string>());
  if (request.contains("PrivateIpAddress") && max_count > 1) {
    fail("InvalidParameterCombination", "A private IP address may only be given when launching one instance");
  }
  std::string reservation = new_resource_id("r");
  std::vector<model::Instance> launched;
  for (int64_t i = 0; i < count; ++i) {
    launched.push_back(new_instance(ctx, request, ami, subnet, groups, reservation, i, tags, volume_tags));
    launched.back().spec.host_id = hosts[static_cast<size_t>(i)];
    if (spot) make_spot(ctx, launched.back(), *spot, request);
    save_instance(ctx, launched.back());
  }
  return reservation_of(ctx, launched);
}

namespace {

// The reservation stored for an earlier RunInstances with the same ClientToken, with its
// instances as they are now (as AWS answers a repeat); one no longer stored (terminated long
// ago) keeps its stored form, shown terminated.
json current_reservation(CallContext& ctx, json reservation) {
  for (json& instance : reservation["Instances"]) {
    auto now = find_instance(ctx, instance["InstanceId"].get<std::string>());
    if (now) {
      instance = described(ctx, *now);
    } else {
      instance["State"] = state_json(InstanceState::kTerminated);
    }
  }
  return reservation;
}

const FilterTable& instance_filters() {
  static const FilterTable table = {
      {"instance-id", field("InstanceId")},
      {"instance-state-name", field("State.Name")},
      {"instance-state-code", field("State.Code")},
      {"instance-type", field("InstanceType")},
      {"availability-zone", field("Placement.AvailabilityZone")},
      {"vpc-id", field("VpcId")},
      {"subnet-id", field("SubnetId")},
      {"ip-address", field("PublicIpAddress")},
      {"private-ip-address", field("PrivateIpAddress")},
      {"private-dns-name", field("PrivateDnsName")},
      {"dns-name", field("PublicDnsName")},
      {"key-name", field("KeyName")},
      {"image-id", field("ImageId")},
      {"reservation-id", field("ReservationId")},
      {"architecture", field("Architecture")},
      {"instance.group-id", field("SecurityGroups[].GroupId")},
      {"instance.group-name", field("SecurityGroups[].GroupName")},
      {"network-interface.network-interface-id", field("NetworkInterfaces[].NetworkInterfaceId")},
      {"network-interface.mac-address", field("NetworkInterfaces[].MacAddress")},
      {"client-token", field("ClientToken")},
      {"launch-time", field("LaunchTime")},
      {"root-device-type", field("RootDeviceType")},
      {"metadata-options.http-tokens", field("MetadataOptions.HttpTokens")},
      {"metadata-options.http-endpoint", field("MetadataOptions.HttpEndpoint")},
  };
  return table;
}

json describe_instances(CallContext& ctx, const json& request) {
  json page = describe_stored(ctx, request,
                              DescribeSpec{kinds::kInstance, "InstanceIds", "InstanceId", "Instances", instance_filters(),
                                           [&ctx](json doc) { return listed(ctx, model::instance_from_doc(doc)); }});
  // Group the page's instances into their reservations, in order of first appearance.
  json reservations = json::array();
  std::map<std::string, size_t> index;
  for (json& instance : page["Instances"]) {
    std::string id = instance.value("ReservationId", "");
    auto it = index.find(id);
    if (it == index.end()) {
      index[id] = reservations.size();
      reservations.push_back({{"ReservationId", id}, {"OwnerId", instance.value("OwnerId", ctx.account_id)},
                              {"Groups", json::array()}, {"Instances", json::array()}});
      it = index.find(id);
    }
    reservations[it->second]["Instances"].push_back(std::move(instance));
  }
  json out = {{"Reservations", reservations}};
  if (page.contains("NextToken")) out["NextToken"] = page["NextToken"];
  return out;
}

}  // namespace

json change_states(CallContext& ctx, const json& request, InstanceAction action, const std::string& reason) {
  std::vector<model::Instance> instances;
  for (const json& id : request["InstanceIds"]) instances.push_back(require_instance(ctx, id.get<std::string>()));
  json changes = json::array();
  for (model::Instance& instance : instances) {
    InstanceState before = instance.status.state;
    compute::Transition t = compute::on_action(before, action);
    std::string id = instance.id();
    if (!t.allowed) {
      fail("IncorrectInstanceState", "The instance '" + id + "' is not in a state from which it can be " +
                                         std::string(action == InstanceAction::kStart ? "started" :
                                                     action == InstanceAction::kStop ? "stopped" : "rebooted") + ".");
    }
    // Protection holds against users; a spot interruption (the service's own) goes regardless.
    if (action == InstanceAction::kTerminate && instance.spec.disable_api_termination && reason.empty()) {
      fail("OperationNotPermitted", "The instance '" + id + "' may not be terminated. Modify its 'disableApiTermination' "
                                    "instance attribute and try again.");
    }
    if (action == InstanceAction::kStop && t.next != before && instance.spec.disable_api_stop && reason.empty()) {
      fail("OperationNotPermitted", "The instance '" + id + "' may not be stopped. Modify its 'disableApiStop' "
                                    "instance attribute and try again.");
    }
    // Instances started earlier in this call already count and hold the host (saved below).
    if (action == InstanceAction::kStart && before == InstanceState::kStopped) {
      require_instance_room(instance_room(ctx), 1);
      if (!fits_where_placed(ctx, instance)) fail("InsufficientInstanceCapacity", "Insufficient capacity.");
    }
    if (t.next != before) {
      instance.status.state = t.next;
      if (t.next == InstanceState::kStopping || t.next == InstanceState::kShuttingDown) {
        instance.status.transition_reason =
            reason.empty() ? "User initiated (" + format_iso8601(ctx.now) + ")" : reason;
      } else if (t.next == InstanceState::kPending) {
        instance.status.transition_reason.clear();
      }
    }
    // A forced stop kills a VM that is stopping; asked of a stopped instance it is nothing.
    if (action == InstanceAction::kStop && request.value("Force", false) && t.next == InstanceState::kStopping) {
      ++instance.spec.force_stops_requested;
    }
    // A stopped instance gave its public address back; it gets a new one when it starts, and
    // LaunchTime says when it was last launched (the primary interface's attachment, the first).
    if (action == InstanceAction::kStart && before == InstanceState::kStopped) {
      assign_public_ip(ctx, instance);
      instance.api["LaunchTime"] = format_iso8601(ctx.now);
    }
    if (action == InstanceAction::kReboot) ++instance.spec.reboots_requested;
    // Termination disassociates an Elastic IP (the address stays allocated)
    // and ends its instance profile association.
    if (action == InstanceAction::kTerminate && t.next != before) {
      disassociate_elastic_ip(ctx, instance);
      end_profile_association(ctx, instance, true);
    }
    if (reason.empty() && t.next != before) note_user_action(ctx, instance, action);
    save_instance(ctx, instance);
    changes.push_back({{"InstanceId", id}, {"PreviousState", state_json(before)}, {"CurrentState", state_json(t.next)}});
  }
  return changes;
}

namespace {

json describe_instance_status(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"availability-zone", field("AvailabilityZone")},
                                      {"instance-state-name", field("InstanceState.Name")},
                                      {"instance-state-code", field("InstanceState.Code")},
                                      {"instance-status.status", field("InstanceStatus.Status")},
                                      {"system-status.status", field("SystemStatus.Status")}};
  bool include_all = request.value("IncludeAllInstances", false);
  std::set<std::string> wanted;
  for (const json& id : request.value("InstanceIds", json::array())) {
    wanted.insert(require_instance(ctx, id.get<std::string>()).id());
  }
  std::vector<json> rows;
  std::map<std::string, model::Host> hosts = model::hosts_by_id(ctx.txn, ctx.region);
  auto summary_of = [](const std::string& status, const std::string& detail) {
    return json{{"Status", status}, {"Details", json::array({{{"Name", "reachability"}, {"Status", detail}}})}};
  };
  for (const model::Instance& instance : list_instances(ctx)) {
    InstanceState state = instance.status.state;
    if (!wanted.empty() && !wanted.count(instance.id())) continue;
    if (!include_all && state != InstanceState::kRunning) continue;
    std::string status = state != InstanceState::kRunning ? "not-applicable"
                         : instance.status.reachable ? "ok" : "initializing";
    std::string detail = status == "ok" ? "passed" : status == "initializing" ? "initializing" : "not-applicable";
    json instance_summary = summary_of(status, detail);
    json system_summary = instance_summary;
    // A host that stopped renewing its lease: AWS reports a host failure in the system status
    // check, and nothing can be known of the instance itself. The instance stays running.
    const std::string& host_id = instance.spec.host_id;
    auto host = hosts.find(host_id);
    if (state == InstanceState::kRunning && !host_id.empty() && (host == hosts.end() || !host->second.live(ctx.now))) {
      system_summary = summary_of("impaired", "failed");
      if (host != hosts.end()) {
        system_summary["Details"][0]["ImpairedSince"] =
            format_iso8601(host->second.renewed_at + host->second.lease_seconds);
      }
      instance_summary = summary_of("insufficient-data", "insufficient-data");
    }
    const std::string zone = instance.api["Placement"]["AvailabilityZone"].get<std::string>();
    rows.push_back({{"InstanceId", instance.id()},
                    {"AvailabilityZone", zone},
                    {"AvailabilityZoneId", ctx.catalog.zone_id(ctx.region, zone)},
                    {"InstanceState", state_json(state)},
                    {"InstanceStatus", instance_summary},
                    {"SystemStatus", system_summary},
                    {"Events", json::array()}});
  }
  return describe_values(std::move(rows), request, filters, "InstanceStatuses", false, member_key("InstanceId"));
}

json get_console_output(CallContext& ctx, const json& request) {
  std::string id = request["InstanceId"].get<std::string>();
  require_instance(ctx, id);
  json out = {{"InstanceId", id}, {"Timestamp", format_iso8601(ctx.now)}};
  std::optional<std::string> text = ctx.console ? (*ctx.console)(id) : std::nullopt;
  // An instance on another host: what that host published of its console.
  if (!text) text = model::published_console_output(ctx.txn, id);
  if (text) out["Output"] = base64_encode(*text);
  return out;
}

json modify_metadata_options(CallContext& ctx, const json& request) {
  std::string id = request["InstanceId"].get<std::string>();
  model::Instance instance = require_instance(ctx, id);
  json merged = instance.api["MetadataOptions"];
  for (const char* key : {"HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint", "HttpProtocolIpv6",
                          "InstanceMetadataTags"}) {
    if (request.contains(key)) merged[key] = request[key];
  }
  instance.api["MetadataOptions"] = metadata_options({{"MetadataOptions", merged}});
  save_instance(ctx, instance);
  return {{"InstanceId", id}, {"InstanceMetadataOptions", instance.api["MetadataOptions"]}};
}

}  // namespace

json security_group_refs(CallContext& ctx, const json& group_ids, const std::string& vpc_id) {
  json groups = json::array();
  for (const json& id : group_ids) {
    json group = require(ctx, kinds::kSecurityGroup, id.get<std::string>());
    if (group.value("VpcId", "") != vpc_id) {
      fail("InvalidParameter", "Security group " + id.get<std::string>() + " and subnet belong to different networks.");
    }
    groups.push_back({{"GroupId", group["GroupId"]}, {"GroupName", group["GroupName"]}});
  }
  return groups;
}

void check_groups_per_interface(CallContext& ctx, const json& groups, const std::string& code) {
  if (static_cast<int64_t>(groups.size()) > ctx.limits.security_groups_per_interface) {
    fail(code, "The maximum number of security groups per interface has been reached.");
  }
}

void add_instance_actions(ActionTable& table) {
  table["RunInstances"] = {run_instances, true, current_reservation};
  table["DescribeInstances"] = {describe_instances, false};
  table["DescribeInstanceStatus"] = {describe_instance_status, false};
  table["StartInstances"] = {[](CallContext& c, const json& r) {
                               return json{{"StartingInstances", change_states(c, r, InstanceAction::kStart)}};
                             },
                             true};
  table["StopInstances"] = {[](CallContext& c, const json& r) {
                              return json{{"StoppingInstances", change_states(c, r, InstanceAction::kStop)}};
                            },
                            true};
  table["TerminateInstances"] = {[](CallContext& c, const json& r) {
                                   return json{{"TerminatingInstances", change_states(c, r, InstanceAction::kTerminate)}};
                                 },
                                 true};
  table["RebootInstances"] = {[](CallContext& c, const json& r) {
                                change_states(c, r, InstanceAction::kReboot);
                                return json::object();
                              },
                              true};
  table["ModifyInstanceMetadataOptions"] = {modify_metadata_options, true};
  table["GetConsoleOutput"] = {get_console_output, false};
}

}  // namespace stratus::ec2
