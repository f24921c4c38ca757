#include "console/terminal_access.h"

#include "common/timestamp.h"
#include "console/serial_relay.h"
#include "model/host.h"
#include "model/instance.h"
#include "services/ec2/serial_console.h"
#include "services/instance_connect/instance_connect.h"

namespace stratus::console {

Result<std::string> RegionTerminalAccess::push_key(const api::HttpRequest& header, const std::string& public_key) {
  std::string instance_id = connect_parameter(header, "InstanceId");
  auto call = api_.authorize_signed(header, "ec2-instance-connect", "SendSSHPublicKey",
                                       {{"InstanceId", instance_id},
                                        {"InstanceOSUser", connect_parameter(header, "InstanceOSUser")},
                                        {"SSHPublicKey", public_key}});
  if (!call.ok()) return call.error();
  auto pushed = instance_connect_.call_batch({call.value()})[0];
  if (!pushed.ok()) return pushed.error();
  auto txn = store_.begin_read();
  auto instance = instance_connect::owned_instance(*txn, call.value(), instance_id);
  std::string address = instance.ok() ? model::instance_view(instance.value()).value("PublicIpAddress", "") : "";
  if (address.empty()) {
    return ApiError{"InvalidArgsException", "Instance " + instance_id +
                                                " has no public IPv4 address: the console connects as a browser "
                                                "on the internet would. Give it one, or an Elastic IP."};
  }
  return address;
}

Result<TerminalAccess::SerialPort> RegionTerminalAccess::serial_port(const api::HttpRequest& header) {
  std::string instance_id = connect_parameter(header, "InstanceId");
  auto call = api_.authorize_signed(header, "ec2-instance-connect", "SendSerialConsoleSSHPublicKey",
                                       {{"InstanceId", instance_id}, {"SerialPort", 0}});
  if (!call.ok()) return call.error();
  auto txn = store_.begin_read();
  auto instance = instance_connect::owned_instance(*txn, call.value(), instance_id);
  if (!instance.ok()) return instance.error();
  if (!ec2::serial_console_access_enabled(*txn, call.value().account_id, call.value().region)) {
    return ApiError{"SerialConsoleAccessDisabledException",
                    "Your account is not authorized to use the EC2 Serial Console. To authorize your account, run "
                    "the EnableSerialConsoleAccess API."};
  }
  if (auto problem = instance_connect::not_running(instance.value(), instance_id)) return *problem;
  const std::string& host_id = instance.value().spec.host_id;
  SerialPort port;
  if (host_id == host_id_) {
    port.socket = serial_socket_(instance_id).string();
    return port;
  }
  auto host = model::find_host(*txn, call.value().region, host_id);
  if (!host || host->underlay.empty()) {
    return ApiError{"SerialConsoleSessionUnavailableException",
                    "Unable to start a serial console session (its host has no underlay address). Please try again."};
  }
  port.relay_address = host->underlay;
  port.relay_port = kSerialRelayPort;
  port.relay_token = serial_relay_token(relay_secret_, instance_id, unix_now());
  return port;
}

}  // namespace stratus::console
