#pragma once
// Network interfaces (ENIs). An interface lives in exactly one place: while attached, inside
// its instance's NetworkInterfaces (device index order, as DescribeInstances shows it); while
// available, as a record of its own (kind "network-interface"). Attaching and detaching move
// it between the two; the API records "attaching"/"detaching" and the instance reconciler
// hot-plugs the NIC and finishes the move. Both places hold the same members (AWS's
// InstanceNetworkInterface plus Description, Tags and the attachment).

#include <optional>
#include <string>

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// An interface and, when attached, the instance whose record holds it.
struct InterfaceHome {
  json interface;
  std::optional<model::Instance> instance;  // the instance, or none while available
};

// Registers CreateNetworkInterface, DeleteNetworkInterface, AttachNetworkInterface,
// DetachNetworkInterface, ModifyNetworkInterfaceAttribute and DescribeNetworkInterfaces.
void add_network_interface_actions(ActionTable& table);

// A new available interface in `subnet` with `groups` ({GroupId, GroupName} array) and the
// private address `private_ip` ("" for the subnet's next free one). Throws
// InsufficientFreeAddressesInSubnet, InvalidParameterValue (address outside the subnet or
// reserved) or InvalidIPAddress.InUse. Not saved.
json new_interface(CallContext& ctx, const json& subnet, const json& groups, const std::string& private_ip = "");

// The interface `id` of the call's region wherever it lives (an instance that is terminated
// no longer holds any), or nullopt.
std::optional<InterfaceHome> find_interface(CallContext& ctx, const std::string& id);

// The interface named by the request's NetworkInterfaceId, or throws
// InvalidNetworkInterfaceID.Malformed / .NotFound.
InterfaceHome require_interface(CallContext& ctx, const json& request);

// Writes `home.interface` back where it lives (into its instance's record, or its own).
void save_interface(CallContext& ctx, const InterfaceHome& home);

// Every interface of the region in AWS's NetworkInterface shape (attachment with instance id,
// availability zone), except that its tags are under "Tags".
std::vector<json> all_interfaces(CallContext& ctx);

}  // namespace stratus::ec2
