#include "console/terminal_access.h"

#include "model/instance.h"

namespace stratus::console {

Result<std::string> RegionTerminalAccess::push_key(const api::HttpRequest& header, const std::string& public_key) {
  std::string instance_id = connect_parameter(header, "InstanceId");
  auto call = api_.authorize_presigned(header, "ec2-instance-connect", "SendSSHPublicKey",
                                       {{"InstanceId", instance_id},
                                        {"InstanceOSUser", connect_parameter(header, "InstanceOSUser")},
                                        {"SSHPublicKey", public_key}});
  if (!call.ok()) return call.error();
  auto pushed = instance_connect_.call_batch({call.value()})[0];
  if (!pushed.ok()) return pushed.error();
  auto txn = store_.begin_read();
  auto record = txn->get(instance_id);  // SendSSHPublicKey found it, in the caller's account and region
  std::string address =
      record ? model::instance_view(model::instance_from_doc(record->doc)).value("PublicIpAddress", "") : "";
  if (address.empty()) {
    return ApiError{"InvalidArgsException", "Instance " + instance_id +
                                                " has no public IPv4 address: the console connects as a browser "
                                                "on the internet would. Give it one, or an Elastic IP."};
  }
  return address;
}

}  // namespace stratus::console
