#include "services/ec2/instance_attributes.h"

#include <algorithm>
#include <functional>

#include "common/base64.h"
#include "services/ec2/catalog.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/instance_size.h"
#include "services/ec2/instances.h"
#include "services/ec2/resources.h"
#include "services/ec2/volumes.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceState;

constexpr size_t kMaxUserDataBytes = 16384;

// How an attribute's value travels in ModifyInstanceAttribute.
enum class ValueForm {
  kString,   // AttributeValue {Value}
  kBoolean,  // AttributeBooleanValue {Value}
  kBlob,     // BlobAttributeValue {Value}, base64 on the wire
  kList,     // a list member (Groups, BlockDeviceMappings)
  kNone,     // not modifiable
};

// One instance attribute.
struct Attribute {
  const char* name;            // API name: "instanceType"
  const char* output_member;   // member of InstanceAttribute: "InstanceType"
  const char* request_member;  // member of ModifyInstanceAttributeRequest ("" when not modifiable)
  ValueForm form;
  bool only_when_stopped;
  std::function<json(CallContext&, const model::Instance& instance)> describe;
  // Applies `value` (the typed value: a string, boolean or list) to `instance`.
  std::function<void(CallContext&, model::Instance& instance, const json& value)> modify;
};

json value_of(const json& value) { return {{"Value", value}}; }

void unsupported_for_hvm(CallContext&, model::Instance&, const json&) {
  fail("UnsupportedOperation", "Kernels, RAM disks and SR-IOV settings apply to paravirtual and Intel 82599 "
                               "instances; stratus instances are HVM with virtio networking.");
}

void set_instance_type(CallContext& ctx, model::Instance& instance, const json& value) {
  std::string type = value.get<std::string>();
  const json* info = ctx.catalog.instance_type(type);
  if (info == nullptr) fail("InvalidInstanceAttributeValue", "The instanceType '" + type + "' is invalid.");
  int64_t interfaces = (*info)["NetworkInfo"].value("MaximumNetworkInterfaces", 2);
  const json& attached = instance.api["NetworkInterfaces"];
  if (static_cast<int64_t>(attached.size()) > interfaces) {
    fail("InvalidParameterValue", "Instance type " + type + " supports " + std::to_string(interfaces) +
                                      " network interfaces; instance " + instance.id() + " has " +
                                      std::to_string(attached.size()) + ".");
  }
  instance.api["InstanceType"] = type;
  apply_instance_size(instance.spec, *info);
  instance.api["CpuOptions"] = {{"CoreCount", (*info)["VCpuInfo"].value("DefaultCores", 1)},
                                {"ThreadsPerCore", (*info)["VCpuInfo"].value("DefaultThreadsPerCore", 1)}};
}

void set_user_data(CallContext&, model::Instance& instance, const json& value) {
  std::string encoded = value.get<std::string>();
  auto decoded = base64_decode(encoded);
  if (!decoded) fail("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  if (decoded->size() > kMaxUserDataBytes) fail("InvalidParameterValue", "User data is limited to 16384 bytes");
  instance.spec.user_data = encoded;
}

void set_shutdown_behavior(CallContext&, model::Instance& instance, const json& value) {
  std::string behavior = value.get<std::string>();
  if (behavior != "stop" && behavior != "terminate") {
    fail("InvalidParameterValue", "Value (" + behavior + ") for parameter instanceInitiatedShutdownBehavior is invalid.");
  }
  instance.spec.shutdown_behavior = behavior;
}

void set_source_dest_check(CallContext&, model::Instance& instance, const json& value) {
  instance.api["SourceDestCheck"] = value;
  instance.api["NetworkInterfaces"][0]["SourceDestCheck"] = value;
}

void set_groups(CallContext& ctx, model::Instance& instance, const json& value) {
  if (value.empty()) fail("InvalidParameterValue", "Value () for parameter groupId is invalid. The value cannot be empty");
  check_groups_per_interface(ctx, value, "SecurityGroupsPerInstanceLimitExceeded");
  json groups = security_group_refs(ctx, value, instance.api["VpcId"].get<std::string>());
  instance.api["SecurityGroups"] = groups;
  instance.api["NetworkInterfaces"][0]["Groups"] = groups;
}

void set_delete_on_termination(CallContext& ctx, model::Instance& instance, const json& value) {
  std::vector<model::Volume> volumes = attached_volumes(ctx, instance.id());
  for (const json& wanted : value) {
    std::string device = str(wanted, "DeviceName");
    auto volume = std::find_if(volumes.begin(), volumes.end(),
                               [&](const model::Volume& v) { return v.spec.attachment->device == device; });
    if (volume == volumes.end()) fail("InvalidInstanceAttributeValue", "No device is currently mapped at " + device);
    const json ebs = wanted.value("Ebs", json::object());
    if (ebs.contains("DeleteOnTermination")) {
      volume->spec.attachment->delete_on_termination = ebs["DeleteOnTermination"].get<bool>();
      save_volume(ctx, *volume);
    }
  }
}

// A modifier that stores a boolean as the description's `member`.
std::function<void(CallContext&, model::Instance&, const json&)> set_flag(const char* member) {
  return [member](CallContext&, model::Instance& instance, const json& value) { instance.api[member] = value; };
}

// A describer that shows the description's boolean `member` (default `fallback`) as {Value}.
std::function<json(CallContext&, const model::Instance&)> show_flag(const char* member, bool fallback) {
  return [member, fallback](CallContext&, const model::Instance& instance) {
    return value_of(instance.api.value(member, fallback));
  };
}

// A modifier and a describer of the spec's boolean `flag`.
std::function<void(CallContext&, model::Instance&, const json&)> set_spec_flag(bool model::InstanceSpec::*flag) {
  return [flag](CallContext&, model::Instance& instance, const json& value) { instance.spec.*flag = value.get<bool>(); };
}
std::function<json(CallContext&, const model::Instance&)> show_spec_flag(bool model::InstanceSpec::*flag) {
  return [flag](CallContext&, const model::Instance& instance) { return value_of(instance.spec.*flag); };
}

const std::vector<Attribute>& attributes() {
  static const std::vector<Attribute> table = {
      {"instanceType", "InstanceType", "InstanceType", ValueForm::kString, true,
       [](CallContext&, const model::Instance& i) { return value_of(i.api["InstanceType"]); }, set_instance_type},
      {"kernel", "KernelId", "Kernel", ValueForm::kString, true,
       [](CallContext&, const model::Instance&) { return json::object(); }, unsupported_for_hvm},
      {"ramdisk", "RamdiskId", "Ramdisk", ValueForm::kString, true,
       [](CallContext&, const model::Instance&) { return json::object(); }, unsupported_for_hvm},
      {"userData", "UserData", "UserData", ValueForm::kBlob, true,
       [](CallContext&, const model::Instance& i) {
         return i.spec.user_data.empty() ? json::object() : value_of(i.spec.user_data);
       },
       set_user_data},
      {"disableApiTermination", "DisableApiTermination", "DisableApiTermination", ValueForm::kBoolean, false,
       show_spec_flag(&model::InstanceSpec::disable_api_termination),
       set_spec_flag(&model::InstanceSpec::disable_api_termination)},
      {"disableApiStop", "DisableApiStop", "DisableApiStop", ValueForm::kBoolean, false,
       show_spec_flag(&model::InstanceSpec::disable_api_stop), set_spec_flag(&model::InstanceSpec::disable_api_stop)},
      {"instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior",
       ValueForm::kString, false, [](CallContext&, const model::Instance& i) { return value_of(i.spec.shutdown_behavior); },
       set_shutdown_behavior},
      {"rootDeviceName", "RootDeviceName", "", ValueForm::kNone, false,
       [](CallContext&, const model::Instance& i) { return value_of(i.api["RootDeviceName"]); }, nullptr},
      {"blockDeviceMapping", "BlockDeviceMappings", "BlockDeviceMappings", ValueForm::kList, false,
       [](CallContext& ctx, const model::Instance& i) { return block_device_mappings(ctx, i.id()); },
       set_delete_on_termination},
      {"productCodes", "ProductCodes", "", ValueForm::kNone, false,
       [](CallContext&, const model::Instance&) { return json::array(); }, nullptr},
      {"sourceDestCheck", "SourceDestCheck", "SourceDestCheck", ValueForm::kBoolean, false,
       show_flag("SourceDestCheck", true), set_source_dest_check},
      {"groupSet", "Groups", "Groups", ValueForm::kList, false,
       [](CallContext&, const model::Instance& i) { return i.api["SecurityGroups"]; }, set_groups},
      {"ebsOptimized", "EbsOptimized", "EbsOptimized", ValueForm::kBoolean, true, show_flag("EbsOptimized", false),
       set_flag("EbsOptimized")},
      {"sriovNetSupport", "SriovNetSupport", "SriovNetSupport", ValueForm::kString, true,
       [](CallContext&, const model::Instance&) { return json::object(); }, unsupported_for_hvm},
      {"enaSupport", "EnaSupport", "EnaSupport", ValueForm::kBoolean, true, show_flag("EnaSupport", true),
       set_flag("EnaSupport")},
      {"enclaveOptions", "EnclaveOptions", "", ValueForm::kNone, false,
       [](CallContext&, const model::Instance&) { return json{{"Enabled", false}}; }, nullptr},
  };
  return table;
}

const Attribute* attribute_named(const std::string& name) {
  for (const Attribute& a : attributes()) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

json describe_instance_attribute(CallContext& ctx, const json& request) {
  std::string id = request["InstanceId"].get<std::string>();
  model::Instance instance = require_instance(ctx, id);
  std::string name = request["Attribute"].get<std::string>();
  const Attribute* attribute = attribute_named(name);
  if (attribute == nullptr) fail("InvalidParameterValue", "Value (" + name + ") for parameter attribute is invalid. Unknown attribute.");
  return {{"InstanceId", id}, {attribute->output_member, attribute->describe(ctx, instance)}};
}

// The typed value of the legacy form (Attribute=NAME&Value=TEXT).
json legacy_value(const Attribute& attribute, const std::string& text) {
  if (attribute.form == ValueForm::kBoolean) {
    if (text != "true" && text != "false") {
      fail("InvalidParameterValue", "Value (" + text + ") for parameter value is invalid. Expected: 'true' or 'false'.");
    }
    return text == "true";
  }
  if (attribute.form == ValueForm::kList) {
    fail("InvalidParameterCombination", "The attribute " + std::string(attribute.name) + " cannot be set with Value.");
  }
  return text;
}

json modify_instance_attribute(CallContext& ctx, const json& request) {
  std::string id = request["InstanceId"].get<std::string>();
  model::Instance instance = require_instance(ctx, id);
  // Exactly one attribute per call, in its typed member or as Attribute + Value.
  const Attribute* chosen = nullptr;
  json value;
  for (const Attribute& a : attributes()) {
    if (*a.request_member == '\0' || !request.contains(a.request_member)) continue;
    if (chosen != nullptr) {
      fail("InvalidParameterCombination", "Fields for multiple attribute types specified: " +
                                              std::string(chosen->name) + ", " + a.name);
    }
    chosen = &a;
    const json& given = request[a.request_member];
    if (a.form == ValueForm::kList) {
      value = given;
    } else if (given.contains("Value")) {
      value = given["Value"];
    } else {
      fail("MissingParameter", "The request must contain the parameter " + std::string(a.name) + ".value");
    }
  }
  if (request.contains("Attribute")) {
    std::string name = request["Attribute"].get<std::string>();
    const Attribute* named = attribute_named(name);
    if (named == nullptr || named->modify == nullptr) {
      fail("InvalidParameterValue", "Value (" + name + ") for parameter attribute is invalid. It cannot be modified.");
    }
    if (chosen != nullptr && chosen != named) {
      fail("InvalidParameterCombination", "Fields for multiple attribute types specified: " + name + ", " + chosen->name);
    }
    if (chosen == nullptr) {
      if (!request.contains("Value")) fail("MissingParameter", "The request must contain the parameter value");
      chosen = named;
      value = legacy_value(*named, request["Value"].get<std::string>());
    }
  }
  if (chosen == nullptr) fail("InvalidParameterCombination", "No attributes specified.");
  InstanceState state = instance.status.state;
  if (state == InstanceState::kTerminated || state == InstanceState::kShuttingDown) {
    fail("IncorrectInstanceState", "The instance '" + id + "' is not in a state from which it can be modified.");
  }
  if (chosen->only_when_stopped && state != InstanceState::kStopped) {
    fail("IncorrectInstanceState", "The instance '" + id + "' is not in the 'stopped' state.");
  }
  chosen->modify(ctx, instance, value);
  save_instance(ctx, instance);
  return json::object();
}

}  // namespace

void add_instance_attribute_actions(ActionTable& table) {
  table["DescribeInstanceAttribute"] = {describe_instance_attribute, false};
  table["ModifyInstanceAttribute"] = {modify_instance_attribute, true};
}

}  // namespace stratus::ec2
