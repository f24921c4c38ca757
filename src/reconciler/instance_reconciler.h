#pragma once
// Makes VMs follow the instances the API recorded, and records what the VMs did:
// pending -> (network, root volume's disk, VM) -> running; stopping -> (ACPI power-down, kill
// after a grace period) -> stopped; shutting-down -> (VM and NIC gone; each attached volume
// deleted, or available when its DeleteOnTermination is false) -> terminated; a running
// instance whose VM vanished (guest shutdown, crash) -> stopped or terminated. Volumes being
// deleted lose their disks. It also answers the metadata service's "who is this caller?".
// Everything it needs is in the store and on disk, so after a restart it re-adopts VMs.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "block/volume_driver.h"
#include "compute/process_runner.h"
#include "compute/vm_driver.h"
#include "compute/warm_pool.h"
#include "imds/imds_server.h"
#include "model/instance.h"
#include "net/vpc_listener.h"
#include "net/vpc_network.h"
#include "reconciler/volume_reconciler.h"
#include "store/store.h"

namespace stratus::reconciler {

// One interface of an instance as the router and QEMU see it.
struct AttachedPort {
  net::Port port;
  std::string subnet_id;
  int device_index = 0;
  std::string status;         // of the attachment: "attaching", "attached" or "detaching"
  std::string attachment_id;
};

// Drives instances toward their recorded state. start()/stop() from one thread.
class InstanceReconciler {
 public:
  // `instances_dir` holds one run directory per instance (QMP socket, console); `volumes`
  // holds the volumes' disks, `blocks` and `manifests` the snapshots.
  InstanceReconciler(store::Store& store, compute::VmDriver& vms, net::VpcNetwork& network,
                     block::VolumeDriver& volumes, block::BlockStore& blocks, block::ManifestStore& manifests,
                     std::filesystem::path instances_dir);
  ~InstanceReconciler();

  // Adds a service (the metadata service, the API for instances) this reconciler opens in each
  // VPC that has instances. REQUIRES: before start().
  void add_vpc_listener(net::VpcListener* listener) { vpc_listeners_.push_back(listener); }
  // What meta-data/iam/ shows for an instance: (account, instance id, its IamInstanceProfile
  // {Arn, Id}, when it was associated) -> the profile with its role's credentials, nullopt when
  // the profile is gone. Thread-safe.
  using ProfileLookup = std::function<std::optional<imds::IamMetadata>(
      const std::string& account, const std::string& instance_id, const nlohmann::json& profile,
      const std::string& associated_at)>;
  // Sets how instance profiles are shown (without it, iam/ is 404). REQUIRES: before start().
  void set_profile_lookup(ProfileLookup lookup) { profiles_ = std::move(lookup); }
  // Makes the reconciler run only the instances placed on host `host_id` (model/host.h), by
  // default those placed on no registered host (""): the server's own. REQUIRES: before start().
  // Its volume and snapshot reconcilers act on that host's disks (disk_host.h).
  void set_host(std::string host_id) {
    volumes_.set_host(host_id);
    snapshots_.set_host(host_id);
    host_id_ = std::move(host_id);
  }
  // An instance's identity credentials: (account, instance id) -> them, or nullopt. Thread-safe.
  using IdentityLookup =
      std::function<std::optional<imds::ServedCredentials>(const std::string& account, const std::string& instance_id)>;
  // Sets where identity-credentials/ec2/ come from (without it, 404). REQUIRES: before start().
  void set_identity_lookup(IdentityLookup lookup) { identities_ = std::move(lookup); }
  // Launches restore saved states from `pool` where one fits (compute/warm_pool.h); without
  // it every VM boots. REQUIRES: before start().
  void set_warm_pool(compute::WarmPool* pool) { warm_pool_ = pool; }
  // Starts the background loop: a pass every half second, or sooner when poked (but at most
  // one every 50 ms, so a burst of API writes costs a bounded number of passes).
  void start();
  // Asks for a pass as soon as the current one ends (after the API changed something).
  // Thread-safe.
  void poke();
  // Stops the loop; VMs keep running.
  void stop();
  // One pass over every instance (what the loop runs; for tests).
  void reconcile_once();

  // The instance behind (VPC, private IP) for the metadata service, or nullopt. Thread-safe.
  std::optional<imds::Caller> caller(const std::string& vpc_id, const std::string& ip);

  // The last 64 KiB of the instance's serial console, or nullopt when it never booted here.
  std::optional<std::string> console_output(const std::string& instance_id) const;

  // The socket of `instance_id`'s serial port (see compute::kSerialSocket), while its VM runs.
  std::filesystem::path serial_socket(const std::string& instance_id) const {
    return run_dir(instance_id) / compute::kSerialSocket;
  }

  // The run directory of `instance_id`.
  std::filesystem::path run_dir(const std::string& instance_id) const { return instances_dir_ / instance_id; }

 private:
  // An instance as read at the start of a pass, and its region.
  struct Tracked {
    std::string region;
    model::Instance instance;
  };
  // Changes an instance's status; sees the spec as it is when the change is written.
  using StatusChange = std::function<void(model::InstanceStatus& status, const model::InstanceSpec& spec)>;
  // Changes the attached interfaces `enis` of an instance of `region` (may write other records in `txn`).
  using InterfacesChange = std::function<void(store::Transaction& txn, const std::string& region, nlohmann::json& enis)>;

  void reconcile(const Tracked& tracked);
  // A running instance: its VM gone (guest shutdown), adopted after a restart, interfaces
  // attached or detached, a reboot asked for, its guest's first lease.
  void reconcile_running(const Tracked& tracked, int64_t now);
  // Makes the VPC router's firewall, interface routes and public addresses what the store said
  // at the start of the pass; the first failure.
  Result<bool> configure_router(const std::string& vpc_id);
  // Links the routers of both VPCs of every active peering connection whose VPCs are both in
  // `routed` (they have instances holding the host, or a transit router), and unlinks every
  // other recorded link.
  void sync_peerings(const std::set<std::string>& routed);
  // Makes the router of VPC `vpc` (its record's document) of `region`: its namespace, resolver
  // and uplink, with its DHCP options. Throws on failure.
  void ensure_router(const std::string& region, const std::string& vpc_id, const nlohmann::json& vpc);
  // Makes the router ready for `ports` of an instance in `vpc_id` of `region`: the VPC, the
  // ports' subnets and their taps. Throws on failure.
  void ensure_ports(const std::string& region, const std::string& vpc_id, const std::vector<AttachedPort>& ports);
  // Finishes the instance's interface attachments and detachments: hot-plugs NICs being
  // attached (when `vm_runs`) and marks them attached; unplugs NICs being detached, removes
  // their taps and makes them available interfaces of their own.
  void sync_interfaces(const Tracked& tracked, bool vm_runs);
  // Starts the instance's VM unless it runs (making its network, router and root disk as
  // needed): restored from a saved state of the warm pool when the launch fits one, else booted.
  bool boot(const Tracked& tracked);
  // The warm pool's saved state a first launch of `tracked` can be restored from (the image's
  // kernel in `boot_dir`, its disk `image_disk`, or none for an AMI users made, `ports` its
  // interfaces), or nullopt.
  std::optional<compute::WarmState> warm_state(const Tracked& tracked, const std::filesystem::path& boot_dir,
                                               const std::filesystem::path& image_disk,
                                               const std::vector<AttachedPort>& ports);
  // Completes the restore of the instance's VM (run directory `dir`): plugs the data volumes
  // the launch asked for (the saved VM had none), then tell_identity(). Throws when it cannot.
  void finish_restore(const Tracked& tracked, const std::filesystem::path& dir);
  // Gives the guest agent of the instance's restored VM (run directory `dir`) its identity,
  // once: until then a marker in `dir` says it is owed. Throws when the agent does not take it.
  void tell_identity(const std::string& instance_id, const std::filesystem::path& dir);
  // On a host among others: publishes the running instance's console tail for the region's API
  // servers (model/console_output.h) when it changed, at most every kConsolePublishSeconds.
  void publish_console(const Tracked& tracked, int64_t now);
  void tear_down(const Tracked& tracked);
  // The one place this reconciler writes what it observed of an instance: applies `change` to
  // the status of instance `id` if it is still in `expected` (the API may have moved it since
  // the pass read it), and with `keep_interfaces` makes its interfaces whose
  // DeleteOnTermination is false available records; returns false if it is not.
  bool observe(const std::string& id, compute::InstanceState expected, const StatusChange& change,
               bool keep_interfaces = false);
  // Applies `change` to the attached interfaces of instance `id`: attachments finish here
  // (attaching -> attached, detaching -> a record of its own) as long as an attached interface
  // lives inside its instance's description.
  void change_interfaces(const std::string& id, const InterfacesChange& change);

  store::Store& store_;
  compute::VmDriver& vms_;
  net::VpcNetwork& network_;
  SnapshotReconciler snapshots_;  // before volumes_, which asks it which disks it holds
  VolumeReconciler volumes_;
  std::filesystem::path instances_dir_;
  std::vector<net::VpcListener*> vpc_listeners_;
  ProfileLookup profiles_;
  std::string host_id_;  // the host whose instances this reconciler runs ("" : the server's own)
  compute::WarmPool* warm_pool_ = nullptr;
  IdentityLookup identities_;
  std::set<std::string> listening_;  // VPCs whose listeners are open (loop thread only)
  struct PublishedConsole {
    size_t hash = 0;  // of the tail published
    int64_t at = 0;   // when
  };
  std::map<std::string, PublishedConsole> consoles_;  // instance -> its console last published (loop thread)
  std::set<std::string> adopted_;    // running instances whose plumbing this process ensured
  // VPC -> how its router reaches its interfaces on other hosts (loop thread only; only when
  // VPCs span hosts).
  std::map<std::string, net::VpcOverlay> overlays_;
  // VPC -> its router's firewall as the store says at the start of the pass (loop thread only).
  std::map<std::string, net::VpcFirewall> firewalls_;
  // VPC -> its router's interface routes, likewise.
  std::map<std::string, net::VpcInterfaceRoutes> interface_routes_;
  std::map<std::string, net::DhcpOptions> dhcp_options_;  // VPC id -> what its DHCP server hands out
  std::map<std::string, std::pair<std::string, std::string>> active_peerings_;  // pcx id -> its VPCs
  // VPCs this host runs a transit router for (router_view.h's transit_vpcs) -> region and
  // record document (loop thread only).
  std::map<std::string, std::pair<std::string, nlohmann::json>> transit_;
  std::map<std::string, std::string> router_addresses_;  // VPC id -> its router's address on peering links
  // VPC -> public -> private addresses to publish, as the store says at the start of the pass.
  std::map<std::string, std::map<std::string, std::string>> published_;
  std::atomic<bool> running_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool poked_ = false;  // GUARDED_BY(wake_mu_)
  std::thread thread_;
};

}  // namespace stratus::reconciler
