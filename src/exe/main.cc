// stratus: the command line. The only place where the parts are wired together.

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <chrono>
#include <nlohmann/json.hpp>

#include "api/console_files.h"
#include "console/serial_relay.h"
#include "console/sign_in.h"
#include "console/terminal_access.h"
#include "api/query_api.h"
#include "api/http_server.h"
#include "api/instance_endpoint.h"
#include "api/service_model.h"
#include "billing/bill_report.h"
#include "billing/budget_watcher.h"
#include "billing/budgets.h"
#include "billing/cost_explorer.h"
#include "billing/ledger.h"
#include "billing/meter.h"
#include "billing/metered_store.h"
#include "billing/price_book.h"
#include "common/atomic_file.h"
#include "common/dir_lock.h"
#include "common/embedded.h"
#include "common/periodic.h"
#include "fis/experiment_runner.h"
#include "fis/fis_service.h"
#include "services/instance_connect/instance_connect.h"
#include "common/network_slot.h"
#include "common/network_slot_lease.h"
#include "compute/host_memory.h"
#include "compute/kvm_probe.h"
#include "compute/process_runner.h"
#include "images/image_cache.h"
#include "imds/imds_server.h"
#include "model/host.h"
#include "net/vpc_network.h"
#include "reconciler/instance_reconciler.h"
#include "common/digest.h"
#include "block/block_store.h"
#include "block/manifest.h"
#include "block/volume_driver.h"
#include "compute/vm_driver.h"
#include "compute/warm_pool.h"
#include "services/account/account.h"
#include "services/ec2/authorization.h"
#include "services/ec2/catalog.h"
#include "services/ec2/conformance.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/host_registry.h"
#include "services/ec2/instance_size.h"
#include "services/ebs/ebs_service.h"
#include "services/iam/authorizer.h"
#include "services/iam/iam_service.h"
#include "services/iam/instance_credentials.h"
#include "services/iam/service_sessions.h"
#include "common/timestamp.h"
#include "services/ec2/volumes.h"
#include "s3/authorization.h"
#include "s3/object_store.h"
#include "s3/s3_api.h"
#include "s3/s3_service.h"
#include "services/ec2/resources.h"
#include "store/cached_store.h"
#include "store/pg_store.h"
#include "store/secrets.h"
#include "store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using namespace stratus;

constexpr const char* kProfile = "stratus";
constexpr const char* kDefaultRegion = "us-east-1";

std::string default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/stratus";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/stratus";
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// Writes DIR/aws/config and DIR/aws/credentials with the `stratus` profile, whose region is
// us-east-1 unless that is not enabled (then the first enabled region).
void write_aws_files(const fs::path& data_dir, const std::string& endpoint, const account::RootCredentials& root,
                     const ec2::Catalog& catalog) {
  std::string region = kDefaultRegion;
  if (!catalog.region(region)->enabled) {
    for (const ec2::Region& r : catalog.regions()) {
      if (r.enabled) {
        region = r.name;
        break;
      }
    }
  }
  fs::create_directories(data_dir / "aws");
  write_file_atomically(data_dir / "aws" / "config", std::string("[profile ") + kProfile + "]\nregion = " +
                                                      region + "\nendpoint_url = " + endpoint +
                                                      "\noutput = json\n",
                        0600);
  write_file_atomically(data_dir / "aws" / "credentials", std::string("[") + kProfile + "]\naws_access_key_id = " +
                                                           root.access_key_id + "\naws_secret_access_key = " +
                                                           root.secret_access_key + "\n",
                        0600);
}

// Splits "host:port"; throws on a malformed value.
std::pair<std::string, uint16_t> parse_listen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--listen must be HOST:PORT, got " + listen);
  int port = std::stoi(listen.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::runtime_error("port out of range in --listen " + listen);
  return {listen.substr(0, colon), static_cast<uint16_t>(port)};
}

images::Recipe base_recipe() { return {"debian-12", std::string(embedded::debian_image_recipe())}; }

// The built base image, if `stratus image build` has run against `image_cache`.
std::optional<ec2::BaseImage> find_base_image(const std::string& image_cache) {
  compute::SpawnProcessRunner runner;
  images::ImageCache cache(image_cache, runner);
  images::Recipe recipe = base_recipe();
  if (!cache.has(recipe)) return std::nullopt;
  fs::path dir = fs::absolute(cache.image_dir(recipe));
  std::ifstream in(dir / "image.json");
  nlohmann::json info = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::string size = info.is_object() ? info.value("size", "8G") : "8G";
  auto built = std::chrono::file_clock::to_sys(fs::last_write_time(dir / "image.json"));
  return ec2::BaseImage{"debian-12-amd64", images::recipe_hash(recipe), dir.string(),
                        std::chrono::duration_cast<std::chrono::seconds>(built.time_since_epoch()).count(),
                        std::stoll(size.substr(0, size.size() - 1))};
}

// The data dir's network slot (network_slot.h), leased for the life of the returned lease: the
// one its store names, else one chosen now and kept in the store. A data dir whose VPC
// plumbing (DIR/net) predates slots used slot 0's edge, so it keeps slot 0.
NetworkSlotLease lease_slot(store::Store& store, const fs::path& data_dir, bool shared_store) {
  // A shared store serves many data dirs, on many machines: each keeps its slot under its own key.
  std::string key = "network_slot";
  if (shared_store) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    key += " " + std::string(host) + ":" + fs::canonical(data_dir).string();
  }
  auto txn = store.begin_write();
  std::optional<int> stored;
  if (auto slot = txn->setting(key)) {
    int index = -1;
    if (std::from_chars(slot->data(), slot->data() + slot->size(), index).ec != std::errc{}) {
      throw std::runtime_error("the data dir's network_slot setting is not a number: " + *slot);
    }
    stored = index;
  } else if (std::error_code ec; fs::exists(data_dir / "net", ec) && !fs::is_empty(data_dir / "net", ec)) {
    stored = 0;
  }
  NetworkSlotLease lease = lease_network_slot(default_network_slot_lock_dir(), fs::canonical(data_dir), stored);
  txn->set_setting(key, std::to_string(lease.slot));
  txn->commit();
  return lease;
}

// The store named by --store: PostgreSQL for a URL, else SQLite in `data_dir` (the default).
// Throws StoreError when it cannot be opened, std::runtime_error for a URL of another kind.
std::unique_ptr<store::Store> open_store(const std::string& store_url, const std::string& data_dir) {
  if (store_url.empty()) return std::make_unique<store::SqliteStore>((fs::path(data_dir) / "stratus.db").string());
  if (!store::is_postgresql_url(store_url)) {
    throw std::runtime_error("--store must be a postgresql:// URL, got " + store_url);
  }
  return std::make_unique<store::PgStore>(store_url);
}

// The host id of the agent whose data dir is `data_dir`: kept in DIR/host-id, made at first
// start, so that a restarted agent is the same host and takes its VMs back.
std::string host_id_of(const fs::path& data_dir) {
  fs::path file = data_dir / "host-id";
  std::ifstream in(file);
  std::string id;
  if (in >> id && id.rfind("h-", 0) == 0) return id;
  id = "h-" + to_hex(random_bytes(9)).substr(0, 17);
  write_file_atomically(file, id + "\n", 0644);
  return id;
}

// `stratus hosts`: prints the hosts of the region in `store_url`, or, given `forget_id`, takes
// that host out of service (through the meter, so its instances' usage ends with them).
int hosts_command(const std::string& store_url, const std::string& forget_id) {
  std::unique_ptr<store::Store> backend = open_store(store_url, "");
  if (forget_id.empty()) {
    std::fputs(ec2::hosts_table(*backend, unix_now()).c_str(), stdout);
    return 0;
  }
  ec2::Catalog catalog(embedded::instance_types(), embedded::regions());
  billing::PriceBook prices(nlohmann::json::parse(embedded::prices()), catalog);
  billing::Meter meter(prices, unix_now);
  billing::MeteredStore store(*backend, meter);
  Result<int> forgotten = ec2::forget_host(store, forget_id, unix_now());
  if (!forgotten.ok()) {
    std::fprintf(stderr, "stratus: %s\n", forgotten.error().message.c_str());
    return 1;
  }
  std::printf("stratus: forgot host %s; %d of its instances stopped\n", forget_id.c_str(), forgotten.value());
  return 0;
}

// Memory kept for the host itself (stratus, dnsmasq, the page cache of AMIs) by default.
constexpr int64_t kHostReserveMiB = 2048;
// What one VM costs beyond its guest memory (QEMU itself, TCG's translation cache), measured
// in docs/benchmarks.md ("QEMU memory overhead").
constexpr int64_t kVmOverheadMiB = 384;
// Saved states the warm pool keeps per image by default (`--warm-pool`).
constexpr int kDefaultWarmPool = 4;
// The instance types `stratus image build` saves booted guests of (the free tier's), so that
// their first launches restore instead of booting.
constexpr const char* kWarmedTypes[] = {"t2.micro", "t3.micro"};

// Everything `stratus serve` is told on its command line.
struct ServeOptions {
  std::string data_dir;
  std::string store;  // a PostgreSQL URL, or "" for SQLite in the data dir
  bool no_host = false;  // API only: no instances, VPC plumbing or background passes (shared store)
  std::string host_zone;      // `stratus host`: the availability zone it serves; "" for `serve`
  int64_t lease_seconds = 30;  // `stratus host`: down after this long without renewal
  std::string underlay;       // `stratus host`: the address other hosts reach it at
  std::string netns_prefix;   // `stratus host`: in its VPC namespaces' names (hosts sharing a machine)
  std::string shared_dir;     // volumes, snapshot blocks, manifests, S3 bytes ("": the data dir)
  std::string listen = "127.0.0.1:8773";
  account::PinnedRoot pinned;
  int threads = 1;
  std::string image_cache;
  std::string accelerator = "auto";
  int warm_pool = kDefaultWarmPool;  // saved states kept per image (0: every VM boots)
  int64_t capacity_memory_mib = -1;  // -1: host memory minus kHostReserveMiB
  int64_t capacity_vcpus = 0;        // 0: no vCPU budget
  size_t max_connections = api::default_max_connections();  // see HttpLimits
  int request_timeout_seconds = 120;
  std::vector<std::string> regions;  // enabled regions; empty: all of them
  std::vector<std::string> limits;   // NAME=VALUE quota assignments (ec2::apply_limit)
  std::vector<std::string> s3_domains;  // names under which buckets are virtual-hosted (BUCKET.s3.REGION.DOMAIN)
  std::string price_file;               // prices laid over data/prices.json's, or ""
  std::string console_dir;              // the built console's files (console/dist beside the build)
};

// console/dist of the source tree the binary was built in (the binary is SOURCE/build/stratus).
std::string default_console_dir() {
  std::error_code ignored;
  fs::path exe = fs::read_symlink("/proc/self/exe", ignored);
  return (exe.parent_path().parent_path() / "console" / "dist").string();
}

int serve(const ServeOptions& options) {
  const std::string& data_dir = options.data_dir;
  const std::string& image_cache = options.image_cache;
  const account::PinnedRoot& pinned = options.pinned;
  auto accelerator = compute::parse_accelerator(options.accelerator);
  if (!accelerator) {
    std::fprintf(stderr, "stratus: --accel must be auto, kvm or tcg\n");
    return 2;
  }
  if (options.no_host && options.store.empty()) {
    std::fprintf(stderr, "stratus: --no-host needs --store: a server on its own SQLite store is the region's only host\n");
    return 2;
  }
  if (!options.host_zone.empty() && options.store.empty()) {
    std::fprintf(stderr, "stratus: a host needs --store: the PostgreSQL database of the region it joins\n");
    return 2;
  }
  // The region's one server that runs the background passes and the instances placed on no
  // host; `stratus host` agents run only the instances placed on them.
  const bool runs_region = !options.no_host && options.host_zone.empty();
  std::string problem = account::validate_pinned(pinned);
  if (!problem.empty()) {
    std::fprintf(stderr, "stratus: %s\n", problem.c_str());
    return 2;
  }
  ec2::Limits quotas;
  for (const std::string& assignment : options.limits) {
    if (auto error = ec2::apply_limit(quotas, assignment)) {
      std::fprintf(stderr, "stratus: --limit %s: %s\n", assignment.c_str(), error->c_str());
      return 2;
    }
  }
  fs::create_directories(data_dir);
  DirLock lock(data_dir, "serve.lock");  // one server per data dir: its VMs, networks and files are its own
  // Bound before anything else starts, so that a taken port fails start-up with nothing touched;
  // requests wait in the backlog until run().
  std::unique_ptr<api::QueryApi> endpoint;
  std::unique_ptr<s3::S3Api> s3_endpoint;
  std::unique_ptr<console::SignIn> sign_in;
  auto [host, port] = parse_listen(options.listen);
  api::ConsoleFiles console_files(options.console_dir);
  api::HttpLimits limits;
  limits.max_connections = options.max_connections;
  limits.request_timeout = std::chrono::seconds(options.request_timeout_seconds);
  api::HttpServer server(
      host, port, limits,
      [&](api::HttpRequest request, api::HttpServer::Responder respond) {
        if (request.target.substr(0, request.target.find('?')) == console::kSignInPath) {
          // A slow password hash: off the event loop.
          return std::thread([&sign_in, request = std::move(request), respond = std::move(respond)] {
            respond(sign_in->answer(request));
          }).detach();
        }
        if (api::ConsoleFiles::claims(request)) return respond(console_files.answer(request));
        if (s3_endpoint->claims(request)) return s3_endpoint->handle(request, respond);
        endpoint->handle(request, respond);
      },
      [&](api::Refusal refusal, const std::string& detail, const api::HttpRequest* header) {
        if (header != nullptr && s3_endpoint->claims(*header)) return s3::S3Api::refuse(refusal, detail, *header);
        return endpoint->refuse(refusal, detail);
      });
  server.set_intake([&](const api::HttpRequest& header, const api::HttpServer::Responder& respond) {
    return s3_endpoint->intake(header, respond);
  });
  std::vector<store::IndexedField> indexes = ec2::indexed_fields();
  indexes.push_back({billing::kUsageKind, "OpenFor"});
  std::unique_ptr<store::Store> backend = open_store(options.store, data_dir);
  // Over a shared store one server runs the region's instances and its background passes (the
  // spot market, budget actions, experiments); the others serve the API alone.
  std::unique_ptr<store::PgStore::HeldLock> region_host;
  if (auto* shared = dynamic_cast<store::PgStore*>(backend.get()); shared != nullptr && runs_region) {
    region_host = shared->try_hold("region-host");
    if (!region_host) {
      std::fprintf(stderr,
                   "stratus: another stratus serve on this store runs the region's instances and background "
                   "passes; start this one with --no-host to serve the API beside it\n");
      return 2;
    }
  }
  store::CachedStore records(std::move(backend), indexes);
  auto model = api::ServiceModel::parse(embedded::ec2_service_model());
  auto sts_model = api::ServiceModel::parse(embedded::sts_service_model());
  auto ebs_model = api::ServiceModel::parse(embedded::ebs_service_model());
  auto iam_model = api::ServiceModel::parse(embedded::iam_service_model());
  auto s3_model = api::ServiceModel::parse(embedded::s3_service_model());
  auto ce_model = api::ServiceModel::parse(embedded::ce_service_model());
  auto budgets_model = api::ServiceModel::parse(embedded::budgets_service_model());
  auto fis_model = api::ServiceModel::parse(embedded::fis_service_model());
  auto connect_model = api::ServiceModel::parse(embedded::instance_connect_service_model());
  for (const auto* parsed : {&model, &sts_model, &ebs_model, &iam_model, &s3_model, &ce_model, &budgets_model,
                             &fis_model, &connect_model}) {
    if (!parsed->ok()) {
      std::fprintf(stderr, "stratus: %s\n", parsed->error().message.c_str());
      return 1;
    }
  }
  ec2::Catalog catalog(embedded::instance_types(), embedded::regions(),
                       options.regions.empty() ? std::nullopt : std::optional(options.regions));
  // Every write goes through the meter, which keeps usage segments in step with billable records.
  billing::PriceBook prices(nlohmann::json::parse(embedded::prices()), catalog);
  if (!options.price_file.empty()) {
    std::ifstream in(options.price_file);
    nlohmann::json overrides = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!in || overrides.is_discarded() || !overrides.is_object()) {
      std::fprintf(stderr, "stratus: --price-file %s: not a readable JSON object\n", options.price_file.c_str());
      return 1;
    }
    prices.override_with(overrides);
  }
  billing::Meter meter(prices, unix_now);
  billing::MeteredStore store(records, meter);
  account::RootCredentials root = account::ensure_root(store, pinned);
  NetworkSlotLease slot_lease = lease_slot(store, data_dir, !options.store.empty());  // before anything is published
  NetworkSlot slot = network_slot(slot_lease.slot);
  ec2::Ec2Service ec2(store, catalog);
  ec2.set_public_pool(slot.public_pool);
  int64_t memory = options.capacity_memory_mib >= 0 ? options.capacity_memory_mib
                                                    : std::max<int64_t>(0, compute::host_memory_mib() - kHostReserveMiB);
  ec2.set_host_capacity({memory, options.capacity_vcpus, kVmOverheadMiB});
  ec2.set_on_demand_prices([&](const std::string& type, const std::string& region) {
    return prices.instance_hour(type, region);
  });
  ec2.set_limits(quotas);
  std::optional<ec2::BaseImage> base_image = find_base_image(image_cache);
  if (!base_image) {
    std::printf("stratus: no base image in %s yet: run `stratus image build` to offer an AMI\n", image_cache.c_str());
  }
  std::string url = "http://" + host + ":" + std::to_string(server.port());
  ec2.set_endpoint_url(url);
  ec2.bootstrap(root.account_id, base_image);
  account::KeyDirectory keys(store);
  // Volume disks, snapshot blocks and manifests (and S3's bytes, below), for every region: in the
  // data dir, or in the directory all servers and hosts of a region share.
  fs::path bytes_dir = fs::absolute(options.shared_dir.empty() ? fs::path(data_dir) : fs::path(options.shared_dir));
  block::DirectoryBlockStore blocks(bytes_dir / "blocks");
  block::ManifestStore manifests(bytes_dir / "manifests");
  ebs::EbsService ebs(store, blocks, manifests);
  iam::AuthorizationMessages authorization_messages(store);
  iam::IamService iam(iam::IamEndpoint::kIam, store, *iam_model.value(), embedded::aws_managed_policies(), &keys);
  iam::IamService sts(iam::IamEndpoint::kSts, store, *sts_model.value(), embedded::aws_managed_policies(), &keys,
                      &authorization_messages);
  iam::Authorizer authorizer(store, iam.aws_policies(), authorization_messages);
  ec2::AuthorizationResources ec2_resources(embedded::ec2_authorization(), store);
  authorizer.set_resource_resolver("ec2", [&](const api::ServiceCall& call) { return ec2_resources.resources(call); });
  iam.set_commit_listener([&] { authorizer.invalidate(); });
  billing::CostExplorer cost_explorer(store, unix_now);
  billing::Budgets budgets(store, unix_now);
  authorizer.set_resource_resolver("budgets", billing::budget_resources);
  fis::FisService fault_injection(store, unix_now);
  instance_connect::InstanceConnect instance_connect(store, unix_now);
  authorizer.set_resource_resolver("ec2-instance-connect", [&](const api::ServiceCall& call) {
    return instance_connect::send_key_resources(
        call, [&](const api::ServiceCall& as_ec2) { return ec2_resources.resources(as_ec2); });
  });
  endpoint = std::make_unique<api::QueryApi>(
      std::vector<api::ServiceEndpoint>{{model.value(), &ec2},
                                        {sts_model.value(), &sts},
                                        {ebs_model.value(), &ebs},
                                        {iam_model.value(), &iam},
                                        {ce_model.value(), &cost_explorer},
                                        {budgets_model.value(), &budgets},
                                        {fis_model.value(), &fault_injection},
                                        {connect_model.value(), &instance_connect}},
      keys, catalog);
  endpoint->set_authorizer(&authorizer);
  sign_in = std::make_unique<console::SignIn>(*endpoint, store);
  // S3: object bytes in DATA/objects, metadata in the store.
  // S3's bytes: in the data dir, or in the shared directory, where other servers' uploads in
  // flight are spared (an hour) when what a crash left is collected.
  s3::LocalObjectStore object_bytes((bytes_dir / "objects").string());
  s3::S3Service s3_service(store, object_bytes);
  s3_service.set_policy_check(s3::bucket_policy_problem);
  s3_service.load(options.shared_dir.empty() ? std::chrono::seconds(0) : std::chrono::hours(1));
  authorizer.set_resource_resolver("s3", [&](const api::ServiceCall& call) { return s3::s3_resources(call, s3_service); });
  s3_endpoint = std::make_unique<s3::S3Api>(*s3_model.value(), s3_service, keys, catalog, options.s3_domains);
  s3_endpoint->set_authorizer(&authorizer);

  // Instances: VMs, VPC plumbing and the metadata service, driven by the reconciler.
  compute::SpawnProcessRunner runner;
  compute::QemuDriver vms(runner, *accelerator, (fs::absolute(fs::path(data_dir)) / "run").string());
  net::VpcNetwork network(runner, fs::path(data_dir) / "net", slot, {options.netns_prefix, options.underlay});
  // The storage daemons of this process's snapshot views: its own, never in the shared directory.
  block::QcowVolumeDriver volumes(runner, bytes_dir / "volumes",
                                  options.shared_dir.empty() ? fs::path() : fs::absolute(data_dir) / "volume-views");
  ec2::upgrade_root_volumes(store);  // records written by an earlier version, before the reconciler reads them
  compute::WarmPool warm_pool(vms, runner, options.warm_pool, fs::absolute(fs::path(data_dir)) / "run",
                              fs::absolute(fs::path(data_dir)) / "warm-amis");
  reconciler::InstanceReconciler instances(store, vms, network, volumes, blocks, manifests,
                                           fs::absolute(fs::path(data_dir) / "instances"));
  if (options.warm_pool > 0) instances.set_warm_pool(&warm_pool);
  // Kept in the store, so that tokens outlive restarts.
  imds::TokenIssuer tokens(store::data_dir_secret(store, "imds_token_secret"));
  imds::ImdsServer metadata([&](const std::string& vpc, const std::string& ip) { return instances.caller(vpc, ip); },
                            tokens);
  // The console's terminals over WebSockets: SSH with keys pushed by Instance Connect, and the
  // instances' serial ports (another host's through its serial relay).
  std::string host_id = options.host_zone.empty() ? "" : host_id_of(data_dir);
  std::string relay_secret = store::data_dir_secret(store, "serial_relay_secret");
  console::RegionTerminalAccess terminal_access(
      *endpoint, instance_connect, store, [&](const std::string& id) { return instances.serial_socket(id); }, host_id,
      relay_secret);
  fs::path console_keys = fs::absolute(fs::path(data_dir) / "console-keys");
  fs::remove_all(console_keys);  // the private keys of sessions a crash left behind
  server.add_websocket_route(console::terminal_route(
      console::kConnectPath, console::ssh_opener(terminal_access, console_keys, console::openssh_command)));
  server.add_websocket_route(console::terminal_route(console::kSerialPath, console::serial_opener(terminal_access)));
  instances.add_vpc_listener(&metadata);
  api::InstanceEndpoint instance_endpoint(server);
  instances.add_vpc_listener(&instance_endpoint);
  // S3 at its own address in every VPC, where the VPC's resolver sends s3.REGION.amazonaws.com.
  api::InstanceEndpoint s3_vpc_endpoint(server, net::kS3Address, 80, "s3");
  instances.add_vpc_listener(&s3_vpc_endpoint);
  iam::InstanceCredentials role_credentials(store, iam.aws_policies());
  instances.set_profile_lookup([&](const std::string& account, const std::string& instance_id,
                                   const nlohmann::json& profile, const std::string& associated_at) {
    return role_credentials.lookup(account, instance_id, profile, associated_at, unix_now());
  });
  instances.set_identity_lookup([&](const std::string& account, const std::string& instance_id) {
    return role_credentials.identity(account, instance_id, unix_now());
  });
  ec2.set_console_reader([&](const std::string& id) { return instances.console_output(id); });
  ec2.set_commit_listener([&] { instances.poke(); });
  // Over a shared store, other servers' writes: IAM changes reach the authorizer, S3's index is
  // built again when buckets, objects or uploads changed, and the reconciler looks at whatever
  // changed.
  records.set_remote_listener([&](const std::set<std::string>& kinds) {
    authorizer.invalidate();
    if (std::any_of(kinds.begin(), kinds.end(), [](const std::string& kind) { return kind.rfind("s3-", 0) == 0; })) {
      s3_service.reload();
    }
    instances.poke();
  });
  // A host agent: registered, with its lease renewed well inside its length, before it serves;
  // with an underlay, its serial relay answers the region's servers there.
  model::Host this_host{host_id, options.host_zone, options.underlay, memory, options.capacity_vcpus, kVmOverheadMiB,
                   options.lease_seconds, unix_now(), unix_now()};
  Periodic lease;
  if (!host_id.empty()) {
    ec2::renew_host(records, catalog, this_host);  // an unknown zone fails start-up here
    lease.start(std::chrono::seconds(std::max<int64_t>(1, options.lease_seconds / 6)), [&] {
      this_host.renewed_at = unix_now();
      ec2::renew_host(records, catalog, this_host);
    });
    std::printf("stratus: host %s in %s (lease %lld s)\n", host_id.c_str(), this_host.zone.c_str(),
                static_cast<long long>(this_host.lease_seconds));
  }
  console::SerialRelay serial_relay(relay_secret, [&](const std::string& id) { return instances.serial_socket(id); });
  if (!host_id.empty() && !options.underlay.empty()) {
    auto relaying = serial_relay.start(options.underlay, console::kSerialRelayPort);
    if (!relaying.ok()) {
      std::fprintf(stderr, "stratus: %s\n", relaying.error().message.c_str());
      return 1;
    }
  }
  instances.set_host(host_id);
  if (!options.no_host) {
    // As root (VPC plumbing needs it): nothing for the slot's pool leaves this host, edge or not.
    if (::geteuid() == 0) {
      auto held = network.hold_public_pool();
      if (!held.ok()) std::fprintf(stderr, "stratus: %s\n", held.error().message.c_str());
    }
    compute::remove_stray_ram_copies(std::chrono::minutes(1));
    instances.start();
  }
  // Budget actions: carried out by EC2 as their execution roles, which Budgets assumes.
  api::RoleCaller ec2_for_budgets(ec2, "ec2", authorizer, [&](const std::string& account, const std::string& role) {
    return iam::assume_role_for_service(store, iam.aws_policies(), account, role, "budgets.amazonaws.com",
                                        "BudgetsAction", unix_now());
  });
  billing::Ec2InstanceActions budget_instances(ec2_for_budgets);
  billing::BudgetWatcher budget_watcher(store, budget_instances, unix_now);
  if (runs_region) budget_watcher.start(std::chrono::seconds(5));
  // Fault experiments: carried out by EC2 as their roles, which FIS assumes.
  api::RoleCaller ec2_for_fis(ec2, "ec2", authorizer, [&](const std::string& account, const std::string& role) {
    return iam::assume_role_for_service(store, iam.aws_policies(), account, role, "fis.amazonaws.com", "FISExperiment",
                                        unix_now());
  });
  fis::Ec2FaultActions faults(ec2_for_fis);
  fis::ExperimentRunner experiments(store, faults, unix_now);
  if (runs_region) experiments.start(std::chrono::seconds(1));
  // The spot market: prices, notices and interruptions, fulfilment of open requests.
  Periodic spot_market;
  if (runs_region) spot_market.start(std::chrono::seconds(2), [&] { ec2.run_spot_market(); });

  write_aws_files(data_dir, url, root, catalog);
  std::printf("stratus: serving EC2 on %s (account %s, data dir %s)\n", url.c_str(), root.account_id.c_str(),
              data_dir.c_str());
  std::printf("stratus: %s\n", describe_network_slot(slot.index).c_str());
  std::printf("stratus: console at %s%s/\n", url.c_str(), std::string(api::ConsoleFiles::kPrefix).c_str());
  std::printf("stratus: use it with: eval \"$(%s env --data-dir %s)\"\n", "stratus", data_dir.c_str());
  std::fflush(stdout);
  server.run(options.threads);
  endpoint.reset();  // commits the writes still queued while the server's loops still exist
  s3_endpoint.reset();
  budget_watcher.stop();
  experiments.stop();
  spot_market.stop();
  lease.stop();
  instances.stop();  // VMs and dnsmasq keep running; the next start re-adopts them
  records.set_remote_listener(nullptr);
  return 0;
}

int print_env(const std::string& data_dir) {
  fs::path aws = fs::absolute(fs::path(data_dir) / "aws");
  if (!fs::exists(aws / "config")) {
    std::fprintf(stderr, "stratus: %s has no aws/config yet; run `stratus serve --data-dir %s` first\n",
                 data_dir.c_str(), data_dir.c_str());
    return 1;
  }
  std::printf("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION\n");
  std::printf("export AWS_CONFIG_FILE='%s'\n", (aws / "config").c_str());
  std::printf("export AWS_SHARED_CREDENTIALS_FILE='%s'\n", (aws / "credentials").c_str());
  std::printf("export AWS_PROFILE=%s\n", kProfile);
  return 0;
}

// Prints the month so far (UTC) of the region in `data_dir` or `store_url`: its usage segments,
// read from the store (a running server keeps writing; this reads a snapshot).
int print_bill(const std::string& data_dir, const std::string& store_url) {
  if (store_url.empty() && !fs::exists(fs::path(data_dir) / "stratus.db")) {
    std::fprintf(stderr, "stratus: %s holds no region yet; run `stratus serve --data-dir %s` first\n",
                 data_dir.c_str(), data_dir.c_str());
    return 1;
  }
  std::unique_ptr<store::Store> store = open_store(store_url, data_dir);
  auto txn = store->begin_read();
  int64_t now = unix_now();
  std::fputs(billing::render_bill(billing::all_segments(*txn), billing::month_start(now), now, now).c_str(), stdout);
  return 0;
}

// Prints docs/conformance.md: the VPC-level actions of the EC2 model and what stratus serves.
int print_conformance() {
  auto model = api::ServiceModel::parse(embedded::ec2_service_model());
  if (!model.ok()) {
    std::fprintf(stderr, "stratus: %s\n", model.error().message.c_str());
    return 1;
  }
  store::SqliteStore store(":memory:");  // the action table is all the table reads
  ec2::Catalog catalog(embedded::instance_types(), embedded::regions());
  ec2::Ec2Service service(store, catalog);
  std::fputs(ec2::conformance_table(*model.value(), service).c_str(), stdout);
  return 0;
}

// Makes the warm pool's saved states of the built base image in `cache_dir` for kWarmedTypes
// (their default root size), unless they exist; prints what failed. Needs root (namespaces).
void warm_base_image(const std::string& cache_dir) {
  auto base = find_base_image(cache_dir);
  if (!base || !compute::image_has_warm_agent(base->directory)) return;
  compute::SpawnProcessRunner runner;
  const fs::path run_root = fs::absolute(fs::path(cache_dir)) / ".warm-runs";
  compute::QemuDriver vms(runner, compute::Accelerator::kAuto, run_root.string());
  ec2::Catalog catalog(embedded::instance_types(), embedded::regions());
  {
    compute::WarmPool pool(vms, runner, kDefaultWarmPool, run_root);
    for (const char* type : kWarmedTypes) {
      model::InstanceSpec size;
      ec2::apply_instance_size(size, *catalog.instance_type(type));
      compute::WarmLayout layout =
          compute::warm_layout(fs::path(base->directory) / "disk.qcow2", base->directory, static_cast<int>(size.vcpus),
                               size.memory_mib, static_cast<int>(size.max_interfaces), base->size_gib, vms);
      if (pool.find(layout)) continue;
      std::printf("stratus: saving a booted %s guest for the warm pool (about a minute)\n", type);
      std::fflush(stdout);
      pool.wait_idle();
    }
  }
  std::error_code ignored;
  fs::remove_all(run_root, ignored);
}

int build_image(const std::string& cache_dir) {
  compute::SpawnProcessRunner runner;
  images::ImageCache cache(cache_dir, runner);
  images::Recipe recipe = base_recipe();
  if (!cache.has(recipe)) {
    std::printf("stratus: building the %s base image in %s (debootstrap; several minutes)\n", recipe.name.c_str(),
                cache.image_dir(recipe).c_str());
    std::fflush(stdout);
  }
  auto dir = cache.ensure(recipe);
  if (!dir.ok()) {
    std::fprintf(stderr, "stratus: %s\n", dir.error().message.c_str());
    return 1;
  }
  std::printf("stratus: image %s ready in %s\n", recipe.name.c_str(), dir.value().c_str());
  std::fflush(stdout);
  warm_base_image(cache_dir);
  return 0;
}

// Registers on `cmd` the options `stratus serve` and `stratus host` share, into `options`.
void add_serve_options(CLI::App* cmd, ServeOptions& options) {
  cmd->add_option("--data-dir", options.data_dir, "state directory")->capture_default_str();
  cmd->add_option("--store", options.store,
                  "the region's state in a PostgreSQL database that several servers share, as a "
                  "postgresql:// URL (default: SQLite in the data dir)");
  cmd->add_option("--listen", options.listen, "HOST:PORT to serve on (port 0 picks one)")
      ->capture_default_str();
  cmd->add_option("--account-id", options.pinned.account_id, "pin the 12-digit account id at first start");
  cmd->add_option("--root-access-key-id", options.pinned.access_key_id, "pin the root access key id");
  cmd->add_option("--root-secret-access-key", options.pinned.secret_access_key,
                  "pin the root secret access key");
  cmd->add_option("--image-cache", options.image_cache, "where `stratus image build` put the base image")
      ->capture_default_str();
  cmd->add_option("--shared-dir", options.shared_dir,
                  "with --store: a directory every server and host of the region shares (volume disks, "
                  "snapshot blocks and manifests, S3 object bytes; default: the data dir)");
  cmd->add_option("--threads", options.threads, "HTTP event-loop threads (writes run on one more)")
      ->capture_default_str();
  cmd->add_option("--accel", options.accelerator,
                  "VM acceleration: auto (KVM if a probe guest boots under it, else TCG), kvm or tcg")
      ->capture_default_str();
  cmd->add_option("--warm-pool", options.warm_pool,
                  "saved states of booted guests kept per image, from which launches restore in seconds "
                  "(about 250 MiB of disk each, beside the image); 0: every VM boots")
      ->capture_default_str();
  cmd->add_option("--capacity-memory-mib", options.capacity_memory_mib,
                  "memory instances may use, VM overhead included; 0: no limit (default: host memory minus 2 GiB)");
  cmd->add_option("--capacity-vcpus", options.capacity_vcpus,
                  "vCPUs instances may use (default 0: no vCPU budget)")
      ->capture_default_str();
  cmd->add_option("--max-connections", options.max_connections,
                  "client connections served at once; more are answered 503 RequestLimitExceeded "
                  "(default: 4096, less when the open-file limit is low)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--request-timeout", options.request_timeout_seconds,
                  "seconds to receive a whole request (a stalled one is answered 408) or to keep an idle "
                  "connection open")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--regions", options.regions,
                  "the regions calls may be signed for, comma-separated (default: every region); a call to "
                  "another answers as AWS does for a region the account has not opted in to")
      ->delimiter(',');
  cmd->add_option("--s3-domain", options.s3_domains,
                  "DNS name under which S3 buckets are also addressed virtual-hosted style, as "
                  "BUCKET.s3.REGION.DOMAIN (repeatable; amazonaws.com always is)");
  cmd->add_option("--price-file", options.price_file,
                  "a JSON file of prices laid over the built-in ones (data/prices.json's shape, plus "
                  "\"instances\": {TYPE: {REGION: USD per hour}})")
      ->check(CLI::ExistingFile);
  options.console_dir = default_console_dir();
  cmd->add_option("--console-dir", options.console_dir,
                  "the web console's built files, served at /_stratus/console/")
      ->capture_default_str();
  cmd->add_option("--limit", options.limits,
                  "set an account quota, NAME=VALUE (repeatable, or comma-separated): max-instances, "
                  "max-elastic-ips, vpcs-per-region, security-groups-per-region, tags-per-resource, ... "
                  "(default: AWS's; see README)")
      ->delimiter(',');
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stratus: an AWS EC2 region you run yourself"};
  app.require_subcommand(1);

  ServeOptions serve_options;
  std::string& data_dir = serve_options.data_dir;
  data_dir = default_data_dir();
  serve_options.pinned = {env_or("STRATUS_ACCOUNT_ID", ""), env_or("STRATUS_ROOT_ACCESS_KEY_ID", ""),
                          env_or("STRATUS_ROOT_SECRET_ACCESS_KEY", "")};
  // One event loop per core but one: the write thread (group commit) needs a core of its own.
  serve_options.threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency())) - 1;
  std::string& image_cache = serve_options.image_cache;
  image_cache = images::default_image_cache_root().string();

  CLI::App* serve_cmd = app.add_subcommand("serve", "run the region in the foreground");
  add_serve_options(serve_cmd, serve_options);
  serve_cmd->add_flag("--no-host", serve_options.no_host,
                      "with --store: serve the API only, beside the server that runs the instances");
  CLI::App* host_cmd = app.add_subcommand(
      "host", "run a host of a region on a shared store: the API, and the instances placed on this host");
  add_serve_options(host_cmd, serve_options);
  host_cmd->add_option("--availability-zone", serve_options.host_zone, "the availability zone this host serves")
      ->required();
  host_cmd->add_option("--lease-seconds", serve_options.lease_seconds,
                       "seconds without renewal after which the host counts as down")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  host_cmd->add_option("--underlay", serve_options.underlay,
                       "this host's IPv4 address that other hosts reach it at (VPCs then span hosts over VXLAN)")
      ->check(CLI::ValidIPV4);
  host_cmd->add_option("--netns-prefix", serve_options.netns_prefix,
                       "put into this host's VPC namespace names, for hosts that share one machine");

  CLI::App* hosts_cmd = app.add_subcommand("hosts", "list the hosts of a region on a shared store");
  hosts_cmd->add_option("--store", serve_options.store, "the region's PostgreSQL URL")->required();
  CLI::App* forget_cmd = hosts_cmd->add_subcommand(
      "forget", "take a host that is down out of service: its instances become stopped");
  std::string forget_id;
  forget_cmd->add_option("host-id", forget_id, "the host's id (h-...)")->required();

  CLI::App* env_cmd = app.add_subcommand("env", "print shell exports that point aws/boto3 at this region");
  env_cmd->add_option("--data-dir", data_dir, "state directory")->capture_default_str();

  CLI::App* bill_cmd = app.add_subcommand("bill", "print the month so far: cost per service and per resource");
  bill_cmd->add_option("--data-dir", data_dir, "state directory")->capture_default_str();
  bill_cmd->add_option("--store", serve_options.store, "the PostgreSQL URL the region was served with, if any");

  CLI::App* image_cmd = app.add_subcommand("image", "base images (AMIs)");
  image_cmd->require_subcommand(1);
  CLI::App* image_build_cmd =
      image_cmd->add_subcommand("build", "build the Debian 12 base image unless its recipe's build is cached");
  image_build_cmd->add_option("--cache-dir", image_cache, "image cache directory")->capture_default_str();

  CLI::App* conformance_cmd =
      app.add_subcommand("conformance", "print the EC2 conformance table (docs/conformance.md)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (serve_cmd->parsed() || host_cmd->parsed()) return serve(serve_options);
    if (hosts_cmd->parsed()) return hosts_command(serve_options.store, forget_cmd->parsed() ? forget_id : "");
    if (env_cmd->parsed()) return print_env(data_dir);
    if (bill_cmd->parsed()) return print_bill(data_dir, serve_options.store);
    if (image_build_cmd->parsed()) return build_image(image_cache);
    if (conformance_cmd->parsed()) return print_conformance();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus: %s\n", e.what());
    return 1;
  }
  return 0;
}
