#pragma once
// An instance as the store keeps it, shared by the EC2 service and the reconciler: its
// API-shaped description, what the API asked of it beyond that (spec, written by the service),
// and what the reconciler observed of it (status, written by the reconciler alone, in
// InstanceReconciler::observe). The lifecycle state lives in the status: the reconciler moves it
// on what it sees (boot done, VM gone), the service on user actions (compute::on_action), both
// under the expected-state guard.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "compute/instance_state.h"

namespace stratus::model {

// The terms of a spot instance, and the interruption it has been given notice of.
struct SpotTerms {
  std::string request_id;                 // its spot instance request ("sir-...")
  double max_price = 0;                   // USD an hour it may be billed at most
  std::string interruption_behavior = "terminate";  // "terminate" or "stop"
  double price = 0;                       // the spot price in force, USD an hour (what it is billed)
  std::optional<int64_t> interrupt_at;    // Unix seconds: when it is interrupted (notice given)
  std::string interrupt_cause;            // "price", "capacity" or "experiment" (with interrupt_at)
  std::optional<int64_t> rebalance_at;    // Unix seconds: when a rebalance recommendation was given
};

// What the API asked of an instance that DescribeInstances does not show as such.
struct InstanceSpec {
  std::string reservation_id;
  std::string owner_id;
  std::string user_data;                 // base64, as given
  std::string shutdown_behavior = "stop";  // InstanceInitiatedShutdownBehavior: "stop" or "terminate"
  bool disable_api_termination = false;
  bool disable_api_stop = false;
  int64_t vcpus = 1;                     // of the instance type (the reconciler has no catalogue)
  int64_t memory_mib = 512;
  int64_t max_interfaces = 2;
  bool assign_public_ip = false;         // gets an automatic public address while it runs
  std::string last_public_ip;            // the automatic address it had last (never given twice in a row)
  std::string elastic_ip;                // allocation id of the Elastic IP on its primary interface, or ""
  int64_t reboots_requested = 0;         // RebootInstances calls so far
  int64_t force_stops_requested = 0;     // StopInstances Force=true calls while it stopped
  std::string boot_directory;            // the kernel and initrd its VM boots with (its AMI's; "" in
                                         // records from before: the AMI's is looked up)
  // Its instance profile association (the profile itself is api["IamInstanceProfile"]): the id
  // ("iip-assoc-...", "" when it has none) and when it was made (ISO 8601).
  std::string iam_association_id;
  std::string iam_associated_at;
  std::optional<SpotTerms> spot;         // a spot instance's terms; nullopt on demand
  std::string host_id;                   // the registered host it was placed on; "" for the
                                         // server's own (no hosts registered)
};

// What the reconciler observed of an instance, and its lifecycle state.
struct InstanceStatus {
  compute::InstanceState state = compute::InstanceState::kPending;
  std::string transition_reason;         // StateTransitionReason
  bool reachable = false;                // the guest took a DHCP lease since it last started
  std::optional<int64_t> power_down_at;  // Unix seconds: ACPI power-down pressed (stopping)
  std::optional<int64_t> terminated_at;  // Unix seconds: torn down
  std::optional<int64_t> reboot_asked_at;  // Unix seconds: Ctrl+Alt+Del pressed for a reboot
  int64_t restarts_before = 0;           // guest restarts counted when the reboot was asked
  int64_t reboots_done = 0;              // reboot requests handled (done, given up or overtaken)
  int64_t force_stops_done = 0;          // force-stop requests handled
  std::optional<int64_t> quiesced_at;    // Unix seconds: powered down for CreateImage (it boots again
                                         // once the image's snapshots have read its disks)
};

// One instance record.
struct Instance {
  nlohmann::json api = nlohmann::json::object();  // DescribeInstances' members but State,
                                                  // StateTransitionReason and Tags
  nlohmann::json tags = nlohmann::json::array();  // top level of the record, as for every kind
  InstanceSpec spec;
  InstanceStatus status;

  // The instance id.
  std::string id() const { return api.value("InstanceId", ""); }
  // The device its root volume is attached at ("/dev/xvda").
  std::string root_device() const { return api.value("RootDeviceName", "/dev/xvda"); }
  // True when its automatic public address (not an Elastic IP) is its own now: while it is
  // pending, running, stopping or shutting down, as on AWS.
  bool holds_automatic_ip() const;
  // The public address it has now ("" when none): its Elastic IP, or its automatic address
  // while it holds one.
  std::string public_ip() const;
};

// The typed instance of a store record's document (a record written before spec and status
// were apart, with "_" keys and State in the description, too).
Instance instance_from_doc(const nlohmann::json& doc);

// The store record document of `instance`.
nlohmann::json instance_doc(const Instance& instance);

// `instance` as DescribeInstances shows it: the description with State, StateTransitionReason
// and Tags, without an automatic public address it no longer holds.
nlohmann::json instance_view(const Instance& instance);

}  // namespace stratus::model
