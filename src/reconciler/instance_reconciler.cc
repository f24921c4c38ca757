#include "reconciler/instance_reconciler.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/base64.h"
#include "common/cidr.h"
#include "common/digest.h"
#include "common/network_defaults.h"
#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "imds/metadata.h"
#include "model/console_output.h"
#include "model/image.h"
#include "model/instance.h"
#include "model/volume.h"
#include "services/instance_connect/instance_connect.h"
#include "reconciler/vpc_firewalls.h"
#include "reconciler/vpc_overlays.h"
#include "reconciler/vpc_dhcp_options.h"
#include "reconciler/vpc_interface_routes.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;
using compute::InstanceState;
namespace fs = std::filesystem;

constexpr int64_t kStopGraceSeconds = 120;         // ACPI power-down, then kill
// In a run directory: the VM was restored from a saved state and its guest has yet to be told
// its identity.
constexpr const char* kIdentityOwed = "identity.owed";
constexpr int64_t kRebootGraceSeconds = 120;       // Ctrl+Alt+Del, then a hard reset
constexpr int64_t kTerminatedVisibleSeconds = 3600;  // as on AWS: about an hour
constexpr int64_t kConsolePublishSeconds = 5;        // a host's console uploads, per instance

// How many times the guest of `run_dir` has restarted itself (the kernel's last words before a
// reboot, counted in its serial console log).
int64_t guest_restarts(const fs::path& run_dir) {
  std::ifstream in(run_dir / "console.log", std::ios::binary);
  int64_t count = 0;
  for (std::string line; std::getline(in, line);) count += line.find("reboot: Restarting system") != std::string::npos;
  return count;
}

// Ends the reboot requests of `spec` in `status` (done, given up, or overtaken by a stop).
void finish_reboots(model::InstanceStatus& status, const model::InstanceSpec& spec) {
  status.reboots_done = spec.reboots_requested;
  status.reboot_asked_at.reset();
  status.restarts_before = 0;
}

// Every interface of `instance` (device index order; [0] is the primary).
std::vector<AttachedPort> ports_of(const model::Instance& instance) {
  std::vector<AttachedPort> out;
  for (const json& eni : instance.api.value("NetworkInterfaces", json::array())) {
    std::string host = eni.value("PrivateDnsName", "");
    const json& attachment = eni["Attachment"];
    out.push_back({{eni.value("NetworkInterfaceId", ""), eni.value("MacAddress", ""), eni.value("PrivateIpAddress", ""),
                    host.substr(0, host.find('.'))},
                   eni.value("SubnetId", ""),
                   static_cast<int>(attachment.value("DeviceIndex", 0)),
                   attachment.value("Status", "attached"),
                   attachment.value("AttachmentId", "")});
  }
  return out;
}

// Writes a copy of the attached interface `eni` of an instance in `region` as a record of its
// own, available. REQUIRES: `txn` is a write transaction.
void put_available(store::Transaction& txn, const std::string& region, json eni) {
  eni.erase("Attachment");
  eni["Status"] = "available";
  std::string id = eni["NetworkInterfaceId"].get<std::string>();
  txn.put({id, "network-interface", region, std::move(eni)});
}

// Moves the interface among `enis` (an instance's in `region`) whose attachment is
// `attachment_id` out into a record of its own, available. REQUIRES: `txn` is a write transaction.
void release_interface(store::Transaction& txn, const std::string& region, json& enis, const std::string& attachment_id) {
  for (auto eni = enis.begin(); eni != enis.end(); ++eni) {
    if ((*eni)["Attachment"].value("AttachmentId", "") != attachment_id) continue;
    put_available(txn, region, *eni);
    enis.erase(eni);
    return;
  }
}

// An "ec2"-prefixed SMBIOS UUID derived from the instance id: cloud-init then takes its AWS
// path (IMDSv2 tokens, identity document) in the guest.
std::string smbios_uuid(const std::string& instance_id) {
  std::string hex = instance_id.substr(2);  // 17 hex digits
  hex.resize(20, '0');
  return "ec2" + hex.substr(0, 5) + "-" + hex.substr(5, 4) + "-4" + hex.substr(9, 3) + "-8" + hex.substr(12, 3) + "-" +
         hex.substr(15, 5) + "0000000";
}

}  // namespace

InstanceReconciler::InstanceReconciler(store::Store& store, compute::VmDriver& vms, net::VpcNetwork& network,
                                       block::VolumeDriver& volumes, block::BlockStore& blocks,
                                       block::ManifestStore& manifests, fs::path instances_dir)
    : store_(store),
      vms_(vms),
      network_(network),
      snapshots_(store, volumes, vms, blocks, manifests),
      volumes_(store, volumes, vms, snapshots_),
      instances_dir_(std::move(instances_dir)) {}

InstanceReconciler::~InstanceReconciler() { stop(); }

void InstanceReconciler::start() {
  running_ = true;
  thread_ = std::thread([this] {
    while (running_) {
      reconcile_once();
      std::unique_lock lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return !running_.load(); });
      wake_.wait_for(lock, std::chrono::milliseconds(450), [this] { return poked_ || !running_; });
      poked_ = false;
    }
  });
}

void InstanceReconciler::poke() {
  {
    std::lock_guard lock(wake_mu_);
    poked_ = true;
  }
  wake_.notify_one();
}

void InstanceReconciler::stop() {
  {
    std::lock_guard lock(wake_mu_);
    running_ = false;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Result<bool> InstanceReconciler::configure_router(const std::string& vpc_id) {
  if (network_.spans_hosts() && overlays_[vpc_id].vni != 0) {
    auto overlay = network_.set_overlay(vpc_id, overlays_[vpc_id]);
    if (!overlay.ok()) return overlay;
  }
  auto firewall = network_.apply_firewall(vpc_id, firewalls_[vpc_id]);
  if (!firewall.ok()) return firewall;
  auto routes = network_.set_interface_routes(vpc_id, interface_routes_[vpc_id]);
  if (!routes.ok()) return routes;
  auto dhcp = network_.set_dhcp_options(vpc_id, dhcp_options_[vpc_id]);
  if (!dhcp.ok()) return dhcp;
  return network_.set_published(vpc_id, published_[vpc_id]);
}

void InstanceReconciler::reconcile_once() {
  std::vector<Tracked> instances;
  {
    auto txn = store_.begin_read();
    for (const store::Record& record : txn->list("instance", std::nullopt)) {
      model::Instance instance = model::instance_from_doc(record.doc);
      if (instance.spec.host_id != host_id_) continue;  // another host's
      instances.push_back({record.region, std::move(instance)});
    }
    RouteTableLookup tables(*txn);  // read once for both
    firewalls_ = vpc_firewalls(*txn, tables, network_.slot().host_address);
    dhcp_options_ = vpc_dhcp_options(*txn);
    transit_.clear();
    std::set<std::string> transit;  // VPCs this host runs a transit router for
    if (network_.spans_hosts()) {
      overlays_ = vpc_overlays(*txn, host_id_);
      std::set<std::string> here;  // VPCs with ports on this host
      for (const Tracked& tracked : instances) {
        if (has_ports(tracked.instance)) here.insert(tracked.instance.api.value("VpcId", ""));
      }
      transit = transit_vpcs(*txn, host_id_, here);
      for (const std::string& vpc_id : transit) {
        if (auto vpc = txn->get(vpc_id)) transit_[vpc_id] = {vpc->region, vpc->doc};
      }
    }
    interface_routes_ = vpc_interface_routes(*txn, tables, host_id_, transit);
    active_peerings_.clear();
    router_addresses_.clear();
    for (const store::Record& pcx : txn->list("vpc-peering-connection", std::nullopt)) {
      if (pcx.doc["Status"].value("Code", "") != "active") continue;
      active_peerings_[pcx.id] = {pcx.doc["RequesterVpcInfo"].value("VpcId", ""), pcx.doc["AccepterVpcInfo"].value("VpcId", "")};
      for (const char* side : {"RequesterVpcInfo", "AccepterVpcInfo"}) {
        // Each router's end of the link carries its VPC's base address + 1.
        auto cidr = Ipv4Cidr::parse(pcx.doc[side].value("CidrBlock", ""));
        if (cidr) router_addresses_[pcx.doc[side].value("VpcId", "")] = format_ipv4(cidr->base + 1);
      }
    }
  }
  std::vector<std::string> without_vni;
  for (const auto& [vpc_id, overlay] : overlays_) {
    if (overlay.vni == 0) without_vni.push_back(vpc_id);
  }
  if (!without_vni.empty()) {
    for (const auto& [vpc_id, vni] : assign_vnis(store_, without_vni)) overlays_[vpc_id].vni = vni;
  }
  published_.clear();
  for (const Tracked& tracked : instances) {
    if (!compute::holds_host(tracked.instance.status.state)) continue;
    // Each interface's public address (the primary's is the instance's), Elastic or automatic.
    json view = model::instance_view(tracked.instance);
    for (const json& eni : view["NetworkInterfaces"]) {
      if (!eni.contains("Association") || eni["Attachment"].value("Status", "") == "detaching") continue;
      published_[view.value("VpcId", "")][eni["Association"].value("PublicIp", "")] = eni.value("PrivateIpAddress", "");
    }
  }
  std::set<std::string> in_use;  // VPCs with an instance that is not terminated
  std::set<std::string> active;  // VPCs with an instance that holds the host (its VM runs or will)
  for (const Tracked& tracked : instances) {
    try {
      reconcile(tracked);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stratus: reconciling %s: %s\n", tracked.instance.id().c_str(), e.what());
    }
    InstanceState state = tracked.instance.status.state;
    std::string vpc_id = tracked.instance.api.value("VpcId", "");
    if (state != InstanceState::kTerminated) in_use.insert(vpc_id);
    if (compute::holds_host(state)) active.insert(vpc_id);
  }
  std::set<std::string> routed = active;  // VPCs whose routers this host runs
  for (const auto& [vpc_id, vpc] : transit_) {
    try {
      ensure_router(vpc.first, vpc_id, vpc.second);
      routed.insert(vpc_id);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stratus: transit router of %s: %s\n", vpc_id.c_str(), e.what());
    }
  }
  sync_peerings(routed);
  std::map<std::string, std::string> root_devices;  // instance id -> its root device
  for (const Tracked& tracked : instances) root_devices[tracked.instance.id()] = tracked.instance.root_device();
  volumes_.reconcile_disks([&](const std::string& instance_id) -> std::optional<VolumeReconciler::RunningVm> {
    std::string dir = run_dir(instance_id).string();
    if (!root_devices.count(instance_id) || !vms_.running(dir)) return std::nullopt;
    return VolumeReconciler::RunningVm{dir, root_devices[instance_id]};
  });
  snapshots_.reconcile([&](const model::Volume& volume) -> std::optional<SnapshotReconciler::OpenDisk> {
    const auto& a = volume.spec.attachment;
    if (!a || volume.status.attachment != model::AttachmentState::kAttached || !root_devices.count(a->instance_id)) {
      return std::nullopt;
    }
    std::string dir = run_dir(a->instance_id).string();
    if (!vms_.running(dir)) return std::nullopt;
    return SnapshotReconciler::OpenDisk{dir, a->device == root_devices[a->instance_id] ? "root" : volume.spec.volume_id};
  });
  // A VPC's namespace, DHCP/DNS servers and metadata listener live while it has instances;
  // while some run, its firewall and public addresses follow the store within a pass. (With
  // only stopped instances it publishes nothing; after a host restart its namespace is gone
  // and is rebuilt when one starts.)
  for (const std::string& vpc_id : network_.vpcs()) {
    if (!routed.count(vpc_id) && in_use.count(vpc_id)) {
      if (network_.has_namespace(vpc_id)) {
        auto withdrawn = network_.set_published(vpc_id, {});
        if (!withdrawn.ok()) std::fprintf(stderr, "stratus: public IPs of %s: %s\n", vpc_id.c_str(), withdrawn.error().message.c_str());
      }
      continue;
    }
    if (routed.count(vpc_id)) {
      auto configured = configure_router(vpc_id);
      if (!configured.ok()) std::fprintf(stderr, "stratus: router of %s: %s\n", vpc_id.c_str(), configured.error().message.c_str());
      continue;
    }
    for (net::VpcListener* listener : vpc_listeners_) listener->stop_listening(vpc_id);
    listening_.erase(vpc_id);
    auto removed = network_.remove_vpc(vpc_id);
    if (!removed.ok()) std::fprintf(stderr, "stratus: removing %s: %s\n", vpc_id.c_str(), removed.error().message.c_str());
  }
  if (in_use.empty()) (void)network_.remove_idle_edge();
  if (warm_pool_ != nullptr) {
    std::unique_ptr<store::Transaction> txn;  // opened only when the pool holds a snapshot's disk
    warm_pool_->forget_snapshots([&](const std::string& snapshot_id) {
      if (!txn) txn = store_.begin_read();
      return txn->get(snapshot_id).has_value();
    });
  }
}

void InstanceReconciler::sync_peerings(const std::set<std::string>& routed) {
  std::map<std::string, std::pair<std::string, std::string>> linked = network_.peerings();
  for (const auto& [pcx_id, vpcs] : active_peerings_) {
    if (!routed.count(vpcs.first) || !routed.count(vpcs.second)) continue;
    if (!network_.has_namespace(vpcs.first) || !network_.has_namespace(vpcs.second)) continue;
    auto done = network_.ensure_peering(pcx_id, vpcs.first, router_addresses_[vpcs.first], vpcs.second,
                                        router_addresses_[vpcs.second]);
    if (!done.ok()) std::fprintf(stderr, "stratus: peering %s: %s\n", pcx_id.c_str(), done.error().message.c_str());
    linked.erase(pcx_id);
  }
  for (const auto& [pcx_id, vpcs] : linked) (void)network_.remove_peering(pcx_id);  // no longer active, or a side idle
}

bool InstanceReconciler::observe(const std::string& id, InstanceState expected, const StatusChange& change,
                                 bool keep_interfaces) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record) return false;
  model::Instance instance = model::instance_from_doc(record->doc);
  if (instance.status.state != expected) return false;
  change(instance.status, instance.spec);
  if (keep_interfaces) {
    // Interfaces whose DeleteOnTermination is false outlive the instance, available; the
    // terminated instance still lists them all, as AWS does for its last hour.
    for (const json& eni : instance.api["NetworkInterfaces"]) {
      if (!eni["Attachment"].value("DeleteOnTermination", true)) put_available(*txn, record->region, eni);
    }
  }
  record->doc = model::instance_doc(instance);
  txn->put(*record);
  txn->commit();
  return true;
}

void InstanceReconciler::change_interfaces(const std::string& id, const InterfacesChange& change) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record) return;
  model::Instance instance = model::instance_from_doc(record->doc);
  change(*txn, record->region, instance.api["NetworkInterfaces"]);
  record->doc = model::instance_doc(instance);
  txn->put(*record);
  txn->commit();
}

void InstanceReconciler::ensure_ports(const std::string& region, const std::string& vpc_id,
                                      const std::vector<AttachedPort>& ports) {
  json vpc;
  std::map<std::string, json> subnets;
  {
    auto txn = store_.begin_read();
    auto v = txn->get(vpc_id);
    if (!v) throw std::runtime_error("its VPC is gone");
    vpc = v->doc;
    for (const AttachedPort& p : ports) {
      auto subnet = txn->get(p.subnet_id);
      if (!subnet) throw std::runtime_error("subnet " + p.subnet_id + " is gone");
      subnets[p.subnet_id] = subnet->doc;
    }
  }
  ensure_router(region, vpc_id, vpc);
  auto vpc_cidr = *Ipv4Cidr::parse(vpc["CidrBlock"].get<std::string>());
  std::string domain = private_dns_domain(region);
  for (const AttachedPort& p : ports) {
    auto subnet_cidr = *Ipv4Cidr::parse(subnets[p.subnet_id]["CidrBlock"].get<std::string>());
    for (auto step : {network_.ensure_subnet(vpc_id, vpc_cidr, p.subnet_id, subnet_cidr, domain),
                      network_.ensure_port(vpc_id, subnet_cidr, p.port)}) {
      if (!step.ok()) throw std::runtime_error(step.error().message);
    }
  }
}

void InstanceReconciler::ensure_router(const std::string& region, const std::string& vpc_id, const json& vpc) {
  auto vpc_cidr = *Ipv4Cidr::parse(vpc["CidrBlock"].get<std::string>());
  auto ensured = network_.ensure_vpc(vpc_id, vpc_cidr, private_dns_domain(region), "s3." + region + ".amazonaws.com");
  if (!ensured.ok()) throw std::runtime_error(ensured.error().message);
  // Before the DHCP server (re)starts for a subnet, so that a first lease has them (read at the
  // start of this pass, as the ports were).
  auto options = network_.set_dhcp_options(vpc_id, dhcp_options_[vpc_id]);
  if (!options.ok()) throw std::runtime_error(options.error().message);
}

bool InstanceReconciler::boot(const Tracked& tracked) {
  const model::Instance& instance = tracked.instance;
  const std::string id = instance.id();
  // The kernel it boots with, and the base image's disk its root volume starts as (when it does);
  // the AMI may be deregistered by now: the instance keeps what it launched with.
  fs::path boot_dir = instance.spec.boot_directory;
  fs::path image_disk;
  {
    auto txn = store_.begin_read();
    auto found = txn->get(instance.api["ImageId"].get<std::string>());
    if (found) {
      model::Image image = model::image_from_doc(found->doc);
      image_disk = image.spec.base_disk;
      if (boot_dir.empty()) boot_dir = image.spec.boot_directory;
    }
  }
  if (boot_dir.empty()) throw std::runtime_error("its image is gone and it does not record its kernel");
  std::string vpc_id = instance.api["VpcId"].get<std::string>();
  // Interfaces on their way out stay out of a VM that (re)starts.
  std::vector<AttachedPort> ports;
  for (AttachedPort& p : ports_of(instance)) {
    if (p.status != "detaching") ports.push_back(std::move(p));
  }
  ensure_ports(tracked.region, vpc_id, ports);
  // The firewall is in place before the VM can send a packet.
  auto configured = configure_router(vpc_id);
  if (!configured.ok()) throw std::runtime_error(configured.error().message);
  if (!listening_.count(vpc_id)) {
    for (net::VpcListener* listener : vpc_listeners_) {
      auto listening = listener->listen(vpc_id, network_.netns_name(vpc_id));
      if (!listening.ok()) throw std::runtime_error(listening.error().message);
    }
    listening_.insert(vpc_id);
  }
  fs::path dir = run_dir(id);
  fs::create_directories(dir);
  const bool runs = vms_.running(dir.string());
  std::optional<compute::WarmState> warm = runs ? std::nullopt : warm_state(tracked, boot_dir, image_disk, ports);
  // A root disk made before volumes were records is in the run directory: it is taken over.
  fs::path disk = volumes_.root_disk(tracked.region, id, instance.root_device(), image_disk, dir / "root.qcow2",
                                     warm ? warm->disk() : fs::path());
  if (runs) {
    if (fs::exists(dir / kIdentityOwed)) finish_restore(tracked, dir);
    return true;
  }
  compute::VmSpec spec;
  spec.name = id;
  spec.vcpus = static_cast<int>(instance.spec.vcpus);
  spec.memory_mib = instance.spec.memory_mib;
  spec.kernel = (boot_dir / "vmlinuz").string();
  spec.initrd = (boot_dir / "initrd.img").string();
  spec.cmdline = compute::kKernelCmdline;
  spec.root_disk = disk.string();
  // A restored VM has the saved VM's devices: its data volumes are plugged once it runs.
  if (!warm) spec.disks = volumes_.boot_disks(tracked.region, id, instance.root_device());
  for (const AttachedPort& p : ports) {
    spec.nics.push_back({net::VpcNetwork::tap_name(p.port.eni_id), p.port.mac, p.device_index});
  }
  spec.nic_slots = static_cast<int>(instance.spec.max_interfaces);
  spec.run_dir = dir.string();
  spec.smbios_uuid = smbios_uuid(id);
  if (warm) {
    // The same devices as the saved VM, its memory restored, its console log carried on.
    spec.identity_port = true;
    spec.incoming = warm->state().string();
    spec.incoming_ram = warm->ram().string();
    spec.incoming_uuid_spots = warm->uuid_spots();
    spec.console_append = true;
    fs::copy_file(warm->console(), dir / "console.log", fs::copy_options::overwrite_existing);
    std::ofstream(dir / kIdentityOwed).flush();
  }
  auto started = vms_.start(spec, network_.netns_name(vpc_id));
  if (!started.ok()) throw std::runtime_error(started.error().message);
  if (warm) finish_restore(tracked, dir);
  return true;
}

std::optional<compute::WarmState> InstanceReconciler::warm_state(const Tracked& tracked, const fs::path& boot_dir,
                                                                 const fs::path& image_disk,
                                                                 const std::vector<AttachedPort>& ports) {
  const model::Instance& instance = tracked.instance;
  // A first launch with one interface (the saved VM's; data volumes are plugged after the restore).
  if (warm_pool_ == nullptr || ports.size() != 1 || !compute::image_has_warm_agent(boot_dir)) return std::nullopt;
  fs::path disk = image_disk;
  std::optional<int64_t> root_gib;
  if (!image_disk.empty()) {
    root_gib = volumes_.fresh_root_gib(tracked.region, instance.id(), instance.root_device());
  } else if (!fs::exists(run_dir(instance.id()) / "console.log")) {
    // An AMI users made, whose root volume its snapshot filled and no VM has started from yet:
    // the pool's disk of that snapshot stands for the image's.
    auto root = volumes_.snapshot_root(tracked.region, instance.id(), instance.root_device());
    if (root) {
      disk = warm_pool_->snapshot_disk(root->snapshot_id, root->disk);
      root_gib = root->size_gib;
    }
  }
  if (!root_gib || disk.empty()) return std::nullopt;
  return warm_pool_->find(compute::warm_layout(disk, boot_dir, static_cast<int>(instance.spec.vcpus),
                                               instance.spec.memory_mib,
                                               static_cast<int>(instance.spec.max_interfaces), *root_gib, vms_));
}

void InstanceReconciler::finish_restore(const Tracked& tracked, const fs::path& dir) {
  const model::Instance& instance = tracked.instance;
  auto present = vms_.disks(dir.string());
  if (!present.ok()) throw std::runtime_error(present.error().message);
  for (const compute::DiskSpec& disk : volumes_.boot_disks(tracked.region, instance.id(), instance.root_device())) {
    if (present.value().count(disk.volume_id)) continue;
    auto plugged = vms_.plug_disk(dir.string(), disk);
    if (!plugged.ok()) throw std::runtime_error(plugged.error().message);
  }
  tell_identity(instance.id(), dir);
}

void InstanceReconciler::tell_identity(const std::string& instance_id, const fs::path& dir) {
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json identity = {{"instance_id", instance_id}, {"time", now}, {"random", to_hex(random_bytes(64))}};
  auto told = vms_.tell_identity(dir.string(), identity);
  if (!told.ok()) throw std::runtime_error(told.error().message);
  fs::remove(dir / kIdentityOwed);
}

void InstanceReconciler::sync_interfaces(const Tracked& tracked, bool vm_runs) {
  const std::string id = tracked.instance.id();
  const std::string dir = run_dir(id).string();
  const std::string vpc_id = tracked.instance.api["VpcId"].get<std::string>();
  for (const AttachedPort& p : ports_of(tracked.instance)) {
    if (p.status == "attaching") {
      if (vm_runs) {
        // The tap first: until the next firewall update names it, the router drops its packets.
        ensure_ports(tracked.region, vpc_id, {p});
        auto present = vms_.nics(dir);
        if (!present.ok()) throw std::runtime_error(present.error().message);
        if (!present.value().count(p.device_index)) {
          auto plugged = vms_.plug_nic(dir, {net::VpcNetwork::tap_name(p.port.eni_id), p.port.mac, p.device_index});
          if (!plugged.ok()) throw std::runtime_error(plugged.error().message);
        }
      }  // else the VM gets the NIC when it starts
      change_interfaces(id, [&](store::Transaction&, const std::string&, json& enis) {
        for (json& eni : enis) {
          json& attachment = eni["Attachment"];
          if (attachment.value("AttachmentId", "") == p.attachment_id && attachment.value("Status", "") == "attaching") {
            attachment["Status"] = "attached";
          }
        }
      });
    } else if (p.status == "detaching") {
      if (vm_runs) {
        auto gone = vms_.unplug_nic(dir, p.device_index);
        if (!gone.ok()) throw std::runtime_error(gone.error().message);
        if (!gone.value()) continue;  // the guest has yet to let go
      }
      auto removed = network_.remove_port(vpc_id, p.port);
      if (!removed.ok()) throw std::runtime_error(removed.error().message);
      change_interfaces(id, [&](store::Transaction& txn, const std::string& region, json& enis) {
        release_interface(txn, region, enis, p.attachment_id);
      });
    }
  }
}

void InstanceReconciler::tear_down(const Tracked& tracked) {
  const model::Instance& instance = tracked.instance;
  fs::path dir = run_dir(instance.id());
  auto killed = vms_.kill(dir.string());
  if (!killed.ok()) throw std::runtime_error(killed.error().message);
  for (const AttachedPort& p : ports_of(instance)) {
    auto removed = network_.remove_port(instance.api["VpcId"].get<std::string>(), p.port);
    if (!removed.ok()) throw std::runtime_error(removed.error().message);
  }
  // Its volumes go with it (DeleteOnTermination), or stay, available.
  volumes_.release(tracked.region, instance.id(), instance.root_device(), dir / "root.qcow2");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void InstanceReconciler::reconcile(const Tracked& tracked) {
  const model::Instance& instance = tracked.instance;
  const std::string id = instance.id();
  const std::string dir = run_dir(id).string();
  const int64_t now = unix_now();
  switch (instance.status.state) {
    case InstanceState::kPending:
      // Volumes attached or detached before it first runs are in its VM from the start, or not.
      volumes_.sync_attachments(tracked.region, id, dir, vms_.running(dir));
      if (boot(tracked)) {
        adopted_.insert(id);
        observe(id, InstanceState::kPending, [](model::InstanceStatus& s, const model::InstanceSpec&) {
          s.state = InstanceState::kRunning;
        });
      }
      return;
    case InstanceState::kRunning:
      reconcile_running(tracked, now);
      return;
    case InstanceState::kStopped:
      // A VM still running for a stopped instance: its host was forgotten while the agent was
      // away (host_registry.h), and the instance was stopped in the store without it.
      if (vms_.running(dir)) (void)vms_.kill(dir);
      sync_interfaces(tracked, /*vm_runs=*/false);
      volumes_.sync_attachments(tracked.region, id, dir, /*vm_runs=*/false);
      return;
    case InstanceState::kStopping:
      if (!vms_.running(dir)) {
        observe(id, InstanceState::kStopping, [](model::InstanceStatus& s, const model::InstanceSpec& spec) {
          s.state = InstanceState::kStopped;
          s.reachable = false;
          s.power_down_at.reset();
          s.force_stops_done = spec.force_stops_requested;
          finish_reboots(s, spec);
        });
      } else if (instance.spec.force_stops_requested > instance.status.force_stops_done ||
                 (instance.status.power_down_at && now - *instance.status.power_down_at > kStopGraceSeconds)) {
        (void)vms_.kill(dir);
      } else if (!instance.status.power_down_at) {
        (void)vms_.power_down(dir);
        observe(id, InstanceState::kStopping,
                [now](model::InstanceStatus& s, const model::InstanceSpec&) { s.power_down_at = now; });
      }
      return;
    case InstanceState::kShuttingDown:
      tear_down(tracked);
      observe(
          id, InstanceState::kShuttingDown,
          [now](model::InstanceStatus& s, const model::InstanceSpec&) {
            s.state = InstanceState::kTerminated;
            s.terminated_at = now;
            s.reachable = false;
          },
          /*keep_interfaces=*/true);
      return;
    case InstanceState::kTerminated:
      if (!instance.status.terminated_at) {
        tear_down(tracked);  // terminated while stopped: nothing runs, but its NIC and disk remain
        observe(
            id, InstanceState::kTerminated,
            [now](model::InstanceStatus& s, const model::InstanceSpec&) { s.terminated_at = now; },
            /*keep_interfaces=*/true);
      } else if (now - *instance.status.terminated_at > kTerminatedVisibleSeconds) {
        auto txn = store_.begin_write();
        txn->erase(id);
        txn->erase(model::console_output_id(id));
        txn->commit();
        consoles_.erase(id);
      }
      return;
  }
}

void InstanceReconciler::reconcile_running(const Tracked& tracked, int64_t now) {
  const model::Instance& instance = tracked.instance;
  const std::string id = instance.id();
  const std::string dir = run_dir(id).string();
  if (snapshots_.wants_down(id)) {
    // CreateImage's reboot: down (cleanly, else killed after the grace) while its disks are read.
    if (!vms_.running(dir)) return;
    if (!instance.status.quiesced_at) {
      (void)vms_.power_down(dir);
      observe(id, InstanceState::kRunning, [now](model::InstanceStatus& s, const model::InstanceSpec&) {
        s.quiesced_at = now;
      });
    } else if (now - *instance.status.quiesced_at > kStopGraceSeconds) {
      (void)vms_.kill(dir);
    }
    return;
  }
  if (!vms_.running(dir) && instance.status.quiesced_at) {
    boot(tracked);  // the image's snapshots have read its disks: up again
    observe(id, InstanceState::kRunning,
            [](model::InstanceStatus& s, const model::InstanceSpec&) { s.quiesced_at.reset(); });
    return;
  }
  if (!vms_.running(dir)) {
    // The guest shut itself down (or the VM died): stopped, or terminated when asked so.
    InstanceState next = instance.spec.shutdown_behavior == "terminate" ? InstanceState::kShuttingDown
                                                                         : InstanceState::kStopped;
    observe(id, InstanceState::kRunning, [next](model::InstanceStatus& s, const model::InstanceSpec& spec) {
      s.state = next;
      s.reachable = false;
      s.transition_reason = "Client.InstanceInitiatedShutdown";
      finish_reboots(s, spec);
    });
    return;
  }
  if (!adopted_.count(id)) {
    // Found running by a new process (after a restart): its VM runs on, but this process
    // has yet to make sure of its plumbing (routes, NAT, metadata listener). A VM a process
    // that died while opening a batch of snapshot views left paused runs on too.
    (void)vms_.resume(dir);
    boot(tracked);
    adopted_.insert(id);
  }
  sync_interfaces(tracked, /*vm_runs=*/true);
  volumes_.sync_attachments(tracked.region, id, dir, /*vm_runs=*/true);
  publish_console(tracked, now);
  const model::InstanceStatus& status = instance.status;
  if (instance.spec.reboots_requested > status.reboots_done) {
    // As on AWS: a clean reboot, or a hard one when the guest does not restart in time.
    if (!status.reboot_asked_at) {
      int64_t restarts = guest_restarts(dir);
      (void)vms_.press_ctrl_alt_del(dir);
      observe(id, InstanceState::kRunning, [now, restarts](model::InstanceStatus& s, const model::InstanceSpec&) {
        s.reboot_asked_at = now;
        s.restarts_before = restarts;
      });
    } else if (guest_restarts(dir) > status.restarts_before) {
      observe(id, InstanceState::kRunning, finish_reboots);
    } else if (now - *status.reboot_asked_at > kRebootGraceSeconds) {
      (void)vms_.reset(dir);
      observe(id, InstanceState::kRunning, finish_reboots);
    }
  }
  if (!status.reachable && network_.has_lease(instance.api["VpcId"], ports_of(instance)[0].port.mac)) {
    observe(id, InstanceState::kRunning,
            [](model::InstanceStatus& s, const model::InstanceSpec&) { s.reachable = true; });
  }
}

void InstanceReconciler::publish_console(const Tracked& tracked, int64_t now) {
  if (host_id_.empty()) return;  // the server's own instances: its API reads their run directories
  const std::string& id = tracked.instance.id();
  PublishedConsole& last = consoles_[id];
  if (now - last.at < kConsolePublishSeconds) return;
  std::optional<std::string> text = console_output(id);
  if (!text) return;
  size_t hash = std::hash<std::string>{}(*text);
  if (hash == last.hash) return;
  auto txn = store_.begin_write();
  txn->put(model::console_output_record(id, tracked.region, *text, now));
  txn->commit();
  last = {hash, now};
}

std::optional<std::string> InstanceReconciler::console_output(const std::string& instance_id) const {
  constexpr std::streamoff kMaxBytes = 64 * 1024;
  std::ifstream in(run_dir(instance_id) / "console.log", std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kMaxBytes));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

std::optional<imds::Caller> InstanceReconciler::caller(const std::string& vpc_id, const std::string& ip) {
  auto txn = store_.begin_read();
  for (const store::Record& record : txn->list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!compute::holds_host(instance.status.state)) continue;
    const json i = model::instance_view(instance);
    if (i.value("VpcId", "") != vpc_id || i.value("PrivateIpAddress", "") != ip) continue;
    imds::InstanceMetadata m;
    m.account_id = instance.spec.owner_id;
    m.instance_id = record.id;
    m.image_id = i.value("ImageId", "");
    m.instance_type = i.value("InstanceType", "");
    m.reservation_id = instance.spec.reservation_id;
    m.launch_index = i.value("AmiLaunchIndex", 0);
    m.region = record.region;
    m.availability_zone = i["Placement"].value("AvailabilityZone", "");
    m.local_hostname = i.value("PrivateDnsName", "");
    m.pending_time = i.value("LaunchTime", "");
    if (instance.spec.spot) {  // the interruption notice shows from two minutes before it
      const model::SpotTerms& spot = *instance.spec.spot;
      m.spot = true;
      if (spot.interrupt_at && unix_now() >= *spot.interrupt_at - 120) {
        m.spot_action = spot.interruption_behavior;
        m.spot_action_time = format_iso8601_seconds(*spot.interrupt_at);
      }
      if (spot.rebalance_at) m.rebalance_notice_time = format_iso8601_seconds(*spot.rebalance_at);
    }
    if (i.contains("KeyName")) {
      m.key_name = i["KeyName"].get<std::string>();
      for (const store::Record& key : txn->list("key-pair", record.region)) {
        if (key.doc.value("KeyName", "") == m.key_name) m.public_key = key.doc.value("_PublicKey", "");
      }
    }
    if (!instance.spec.user_data.empty()) m.user_data = base64_decode(instance.spec.user_data);
    m.managed_keys = instance_connect::active_keys(*txn, record.region, record.id, unix_now());
    std::string vpc_cidr;
    if (auto vpc = txn->get(vpc_id)) vpc_cidr = vpc->doc.value("CidrBlock", "");
    for (const json& eni : i["NetworkInterfaces"]) {
      if (eni["Attachment"].value("Status", "") == "detaching") continue;
      imds::InterfaceMetadata port;
      port.mac = eni.value("MacAddress", "");
      port.device_number = static_cast<int>(eni["Attachment"].value("DeviceIndex", 0));
      port.interface_id = eni.value("NetworkInterfaceId", "");
      port.local_ipv4 = eni.value("PrivateIpAddress", "");
      port.local_hostname = eni.value("PrivateDnsName", "");
      if (eni.contains("Association")) port.public_ipv4 = eni["Association"].value("PublicIp", "");
      port.subnet_id = eni.value("SubnetId", "");
      port.vpc_id = vpc_id;
      if (auto subnet = txn->get(port.subnet_id)) port.subnet_cidr = subnet->doc.value("CidrBlock", "");
      port.vpc_cidr = vpc_cidr;
      for (const json& group : eni.value("Groups", json::array())) {
        port.security_group_ids.push_back(group.value("GroupId", ""));
        port.security_group_names.push_back(group.value("GroupName", ""));
      }
      m.interfaces.push_back(port);
    }
    m.root_device = instance.root_device();
    for (const store::Record& volume : txn->find("volume", record.region, "Spec.Attachment.InstanceId", record.id)) {
      model::Volume v = model::volume_from_doc(volume.doc);
      if (v.status.state == model::VolumeState::kInUse && v.spec.attachment->device != m.root_device) {
        m.ebs_devices.push_back(v.spec.attachment->device);
      }
    }
    const json& o = i["MetadataOptions"];
    imds::MetadataOptions options{o.value("HttpEndpoint", "enabled") == "enabled",
                                  o.value("HttpTokens", "optional") == "required",
                                  static_cast<int>(o.value("HttpPutResponseHopLimit", 1))};
    txn.reset();  // the look-ups below may store new credentials
    if (i.contains("IamInstanceProfile") && profiles_) {
      m.iam = profiles_(m.account_id, m.instance_id, i["IamInstanceProfile"], instance.spec.iam_associated_at);
    }
    if (identities_) m.identity_credentials = identities_(m.account_id, m.instance_id);
    return imds::Caller{record.id, imds::metadata_tree(m), options};
  }
  return std::nullopt;
}

}  // namespace stratus::reconciler
