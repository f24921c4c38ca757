#include "reconciler/instance_reconciler.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/base64.h"
#include "common/cidr.h"
#include "common/network_defaults.h"
#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "imds/metadata.h"
#include "reconciler/vpc_firewalls.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;
using compute::InstanceState;
namespace fs = std::filesystem;

constexpr int64_t kStopGraceSeconds = 120;         // ACPI power-down, then kill
constexpr int64_t kTerminatedVisibleSeconds = 3600;  // as on AWS: about an hour

// Takes an automatic public address away from `instance` (an Elastic IP stays with it).
void drop_automatic_public_ip(json& instance) {
  if (instance.contains("_ElasticIp")) return;
  instance.erase("PublicIpAddress");
  instance["PublicDnsName"] = "";
  for (json& eni : instance["NetworkInterfaces"]) eni.erase("Association");
}

std::string state_name(const json& instance) { return instance["State"].value("Name", "pending"); }

json state_json(InstanceState state) {
  return {{"Code", compute::state_code(state)}, {"Name", std::string(compute::state_name(state))}};
}

net::Port port_of(const json& instance) {
  const json& eni = instance["NetworkInterfaces"][0];
  std::string host = instance["PrivateDnsName"].get<std::string>();
  return {eni["NetworkInterfaceId"].get<std::string>(), eni["MacAddress"].get<std::string>(),
          instance["PrivateIpAddress"].get<std::string>(), host.substr(0, host.find('.'))};
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
                                       compute::ProcessRunner& runner, fs::path instances_dir, fs::path volumes_dir)
    : store_(store),
      vms_(vms),
      network_(network),
      runner_(runner),
      instances_dir_(std::move(instances_dir)),
      volumes_dir_(std::move(volumes_dir)) {}

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

void InstanceReconciler::reconcile_once() {
  std::vector<store::Record> records;
  {
    auto txn = store_.begin_read();
    records = txn->list("instance", std::nullopt);
    firewalls_ = vpc_firewalls(*txn);
  }
  published_.clear();
  for (const store::Record& record : records) {
    auto state = compute::parse_state(state_name(record.doc));
    if (state && compute::holds_host(*state) && record.doc.contains("PublicIpAddress")) {
      published_[record.doc.value("VpcId", "")][record.doc["PublicIpAddress"].get<std::string>()] =
          record.doc.value("PrivateIpAddress", "");
    }
  }
  std::set<std::string> in_use;  // VPCs with an instance that is not terminated
  std::set<std::string> active;  // VPCs with an instance that holds the host (its VM runs or will)
  for (const store::Record& record : records) {
    try {
      reconcile(record);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stratus: reconciling %s: %s\n", record.id.c_str(), e.what());
    }
    auto state = compute::parse_state(state_name(record.doc));
    if (state != InstanceState::kTerminated) in_use.insert(record.doc.value("VpcId", ""));
    if (state && compute::holds_host(*state)) active.insert(record.doc.value("VpcId", ""));
  }
  // A VPC's namespace, DHCP/DNS servers and metadata listener live while it has instances;
  // while some run, its firewall and public addresses follow the store within a pass. (With
  // only stopped instances it publishes nothing; after a host restart its namespace is gone
  // and is rebuilt when one starts.)
  for (const std::string& vpc_id : network_.vpcs()) {
    if (!active.count(vpc_id) && in_use.count(vpc_id)) {
      if (network_.has_namespace(vpc_id)) {
        auto withdrawn = network_.set_published(vpc_id, {}, *Ipv4Cidr::parse(kPublicIpv4Pool));
        if (!withdrawn.ok()) std::fprintf(stderr, "stratus: public IPs of %s: %s\n", vpc_id.c_str(), withdrawn.error().message.c_str());
      }
      continue;
    }
    if (active.count(vpc_id)) {
      auto applied = network_.apply_firewall(vpc_id, firewalls_[vpc_id]);
      if (!applied.ok()) std::fprintf(stderr, "stratus: firewall of %s: %s\n", vpc_id.c_str(), applied.error().message.c_str());
      auto published = network_.set_published(vpc_id, published_[vpc_id], *Ipv4Cidr::parse(kPublicIpv4Pool));
      if (!published.ok()) std::fprintf(stderr, "stratus: public IPs of %s: %s\n", vpc_id.c_str(), published.error().message.c_str());
      continue;
    }
    if (imds_ != nullptr) imds_->stop_listening(vpc_id);
    listening_.erase(vpc_id);
    auto removed = network_.remove_vpc(vpc_id);
    if (!removed.ok()) std::fprintf(stderr, "stratus: removing %s: %s\n", vpc_id.c_str(), removed.error().message.c_str());
  }
  if (in_use.empty()) (void)network_.remove_idle_edge();
}

bool InstanceReconciler::update(const std::string& id, const std::string& expected_state, const json& changes,
                                bool drop_public_ip) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record || state_name(record->doc) != expected_state) return false;
  for (const auto& [key, value] : changes.items()) {
    if (value.is_null()) record->doc.erase(key); else record->doc[key] = value;
  }
  if (drop_public_ip) drop_automatic_public_ip(record->doc);
  txn->put(*record);
  txn->commit();
  return true;
}

bool InstanceReconciler::boot(const store::Record& record) {
  const json& instance = record.doc;
  const std::string id = record.id;
  json vpc, subnet, image;
  {
    auto txn = store_.begin_read();
    auto v = txn->get(instance["VpcId"].get<std::string>());
    auto s = txn->get(instance["SubnetId"].get<std::string>());
    auto i = txn->get(instance["ImageId"].get<std::string>());
    if (!v || !s || !i) throw std::runtime_error("its VPC, subnet or image is gone");
    vpc = v->doc;
    subnet = s->doc;
    image = i->doc;
  }
  std::string vpc_id = vpc["VpcId"].get<std::string>();
  auto vpc_cidr = *Ipv4Cidr::parse(vpc["CidrBlock"].get<std::string>());
  auto subnet_cidr = *Ipv4Cidr::parse(subnet["CidrBlock"].get<std::string>());
  std::string domain = private_dns_domain(record.region);
  for (auto step : {network_.ensure_vpc(vpc_id, vpc_cidr, domain),
                    network_.ensure_subnet(vpc_id, vpc_cidr, subnet["SubnetId"].get<std::string>(), subnet_cidr, domain),
                    network_.ensure_port(vpc_id, subnet_cidr, port_of(instance))}) {
    if (!step.ok()) throw std::runtime_error(step.error().message);
  }
  // The firewall is in place before the VM can send a packet.
  auto firewall = network_.apply_firewall(vpc_id, firewalls_[vpc_id]);
  if (!firewall.ok()) throw std::runtime_error(firewall.error().message);
  auto published = network_.set_published(vpc_id, published_[vpc_id], *Ipv4Cidr::parse(kPublicIpv4Pool));
  if (!published.ok()) throw std::runtime_error(published.error().message);
  if (imds_ != nullptr && !listening_.count(vpc_id)) {
    auto listening = imds_->listen(vpc_id, net::VpcNetwork::netns_name(vpc_id));
    if (!listening.ok()) throw std::runtime_error(listening.error().message);
    listening_.insert(vpc_id);
  }
  fs::path dir = run_dir(id);
  fs::create_directories(dir);
  fs::path image_dir = image.value("_Directory", "");
  fs::path disk = dir / "root.qcow2";
  if (!fs::exists(disk)) {
    // Copy-on-write over the AMI: launching copies nothing.
    if (runner_.run({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", (image_dir / "disk.qcow2").string(),
                     disk.string(), std::to_string(instance.value("_RootVolumeSizeGiB", 8)) + "G"}) != 0) {
      throw std::runtime_error("cannot create the root volume overlay");
    }
  }
  if (vms_.running(dir.string())) return true;
  compute::VmSpec spec;
  spec.name = id;
  spec.vcpus = static_cast<int>(instance.value("_Vcpus", 1));
  spec.memory_mib = instance.value("_MemoryMiB", 512);
  spec.kernel = (image_dir / "vmlinuz").string();
  spec.initrd = (image_dir / "initrd.img").string();
  spec.cmdline = "root=LABEL=stratus-root ro console=ttyS0,115200n8 net.ifnames=0";
  spec.root_disk = disk.string();
  spec.nics = {{net::VpcNetwork::tap_name(port_of(instance).eni_id), port_of(instance).mac}};
  spec.run_dir = dir.string();
  spec.smbios_uuid = smbios_uuid(id);
  auto started = vms_.start(spec, net::VpcNetwork::netns_name(vpc_id));
  if (!started.ok()) throw std::runtime_error(started.error().message);
  return true;
}

void InstanceReconciler::tear_down(const store::Record& record) {
  const json& instance = record.doc;
  fs::path dir = run_dir(record.id);
  auto killed = vms_.kill(dir.string());
  if (!killed.ok()) throw std::runtime_error(killed.error().message);
  auto removed = network_.remove_port(instance["VpcId"].get<std::string>(), port_of(instance));
  if (!removed.ok()) throw std::runtime_error(removed.error().message);
  const json& root = instance["BlockDeviceMappings"][0];
  if (!root["Ebs"].value("DeleteOnTermination", true) && fs::exists(dir / "root.qcow2")) {
    fs::create_directories(volumes_dir_);
    fs::rename(dir / "root.qcow2", volumes_dir_ / (root["Ebs"].value("VolumeId", record.id) + ".qcow2"));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void InstanceReconciler::reconcile(const store::Record& record) {
  const json& instance = record.doc;
  const std::string state = state_name(instance);
  const std::string dir = run_dir(record.id).string();
  const int64_t now = unix_now();
  if (state == "pending") {
    if (boot(record)) {
      adopted_.insert(record.id);
      update(record.id, "pending", {{"State", state_json(InstanceState::kRunning)}});
    }
  } else if (state == "running") {
    if (!vms_.running(dir)) {
      // The guest shut itself down (or the VM died): stopped, or terminated when asked so.
      bool terminate = instance.value("_ShutdownBehavior", "stop") == "terminate";
      InstanceState next = terminate ? InstanceState::kShuttingDown : InstanceState::kStopped;
      json changes = {{"State", state_json(next)}, {"_StatusOk", false},
                      {"StateTransitionReason", "Client.InstanceInitiatedShutdown"}};
      update(record.id, "running", changes, /*drop_public_ip=*/!terminate);
      return;
    }
    if (!adopted_.count(record.id)) {
      // Found running by a new process (after a restart): its VM runs on, but this process
      // has yet to make sure of its plumbing (routes, NAT, metadata listener).
      boot(record);
      adopted_.insert(record.id);
    }
    if (instance.value("_RebootRequested", false)) {
      (void)vms_.reset(dir);
      update(record.id, "running", {{"_RebootRequested", nullptr}});
    }
    if (!instance.value("_StatusOk", false) &&
        network_.has_lease(instance["VpcId"], port_of(instance).mac)) {
      update(record.id, "running", {{"_StatusOk", true}});
    }
  } else if (state == "stopping") {
    if (!vms_.running(dir)) {
      json changes = {{"State", state_json(InstanceState::kStopped)}, {"_StatusOk", false},
                      {"_PowerDownAt", nullptr}, {"_ForceStop", nullptr}};
      update(record.id, "stopping", changes, /*drop_public_ip=*/true);
    } else if (instance.value("_ForceStop", false) ||
               (instance.contains("_PowerDownAt") && now - instance["_PowerDownAt"].get<int64_t>() > kStopGraceSeconds)) {
      (void)vms_.kill(dir);
    } else if (!instance.contains("_PowerDownAt")) {
      (void)vms_.power_down(dir);
      update(record.id, "stopping", {{"_PowerDownAt", now}});
    }
  } else if (state == "shutting-down") {
    tear_down(record);
    json changes = {{"State", state_json(InstanceState::kTerminated)}, {"_TerminatedAt", now}, {"_StatusOk", false}};
    update(record.id, "shutting-down", changes, /*drop_public_ip=*/true);
  } else if (state == "terminated") {
    if (!instance.contains("_TerminatedAt")) {
      tear_down(record);  // terminated while stopped: nothing runs, but its NIC and disk remain
      update(record.id, "terminated", {{"_TerminatedAt", now}});
    } else if (now - instance["_TerminatedAt"].get<int64_t>() > kTerminatedVisibleSeconds) {
      auto txn = store_.begin_write();
      txn->erase(record.id);
      txn->commit();
    }
  }
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
    const json& i = record.doc;
    std::string state = state_name(i);
    if (i.value("VpcId", "") != vpc_id || i.value("PrivateIpAddress", "") != ip ||
        (state != "pending" && state != "running" && state != "stopping")) {
      continue;
    }
    imds::InstanceMetadata m;
    m.account_id = i.value("_OwnerId", "");
    m.instance_id = record.id;
    m.image_id = i.value("ImageId", "");
    m.instance_type = i.value("InstanceType", "");
    m.reservation_id = i.value("_ReservationId", "");
    m.launch_index = i.value("AmiLaunchIndex", 0);
    m.region = record.region;
    m.availability_zone = i["Placement"].value("AvailabilityZone", "");
    m.local_hostname = i.value("PrivateDnsName", "");
    m.pending_time = i.value("LaunchTime", "");
    if (i.contains("KeyName")) {
      m.key_name = i["KeyName"].get<std::string>();
      for (const store::Record& key : txn->list("key-pair", record.region)) {
        if (key.doc.value("KeyName", "") == m.key_name) m.public_key = key.doc.value("_PublicKey", "");
      }
    }
    if (!i.value("_UserData", "").empty()) m.user_data = base64_decode(i["_UserData"].get<std::string>());
    const json& eni = i["NetworkInterfaces"][0];
    imds::InterfaceMetadata port;
    port.mac = eni.value("MacAddress", "");
    port.interface_id = eni.value("NetworkInterfaceId", "");
    port.local_ipv4 = ip;
    port.local_hostname = m.local_hostname;
    port.public_ipv4 = i.value("PublicIpAddress", "");
    port.subnet_id = i.value("SubnetId", "");
    port.vpc_id = vpc_id;
    if (auto subnet = txn->get(port.subnet_id)) port.subnet_cidr = subnet->doc.value("CidrBlock", "");
    if (auto vpc = txn->get(vpc_id)) port.vpc_cidr = vpc->doc.value("CidrBlock", "");
    for (const json& group : i.value("SecurityGroups", json::array())) {
      port.security_group_ids.push_back(group.value("GroupId", ""));
      port.security_group_names.push_back(group.value("GroupName", ""));
    }
    m.interfaces.push_back(port);
    const json& o = i["MetadataOptions"];
    imds::MetadataOptions options{o.value("HttpEndpoint", "enabled") == "enabled",
                                  o.value("HttpTokens", "optional") == "required",
                                  static_cast<int>(o.value("HttpPutResponseHopLimit", 1))};
    return imds::Caller{record.id, imds::metadata_tree(m), options};
  }
  return std::nullopt;
}

}  // namespace stratus::reconciler
