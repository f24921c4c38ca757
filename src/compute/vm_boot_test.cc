// The instance stack below the API, for real: a VPC namespace with DHCP and DNS, the metadata
// service, and a QEMU VM booting the base AMI with cloud-init; then SSH as ec2-user with the
// key pair's private key, user data, and IMDS from inside. Needs root, QEMU and a built base
// image (`stratus image build`); skipped otherwise. Takes about a minute under TCG.

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>

#include "common/embedded.h"
#include "common/network_slot_lease.h"
#include "common/ssh_keys.h"
#include "common/shell_output.h"
#include "common/temp_dir.h"
#include "compute/vm_driver.h"
#include "images/image_cache.h"
#include "imds/imds_server.h"
#include "net/vpc_network.h"

namespace stratus::compute {
namespace {

namespace fs = std::filesystem;

class VmBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (shell_output("command -v qemu-system-x86_64").empty()) GTEST_SKIP() << "needs qemu-system-x86_64";
    images::ImageCache cache(images::default_image_cache_root(), runner_);
    images::Recipe recipe{"debian-12", std::string(embedded::debian_image_recipe())};
    if (!cache.has(recipe)) GTEST_SKIP() << "needs the base image: run `stratus image build`";
    image_ = cache.image_dir(recipe);
    vpc_ = "vpc-0b00700000000" + std::to_string(1000 + ::getpid() % 9000);
  }
  void TearDown() override {
    if (vpc_.empty()) return;
    (void)driver_.kill((work_.path() / "run").string());
    (void)network_.remove_vpc(vpc_);
  }

  SpawnProcessRunner runner_;
  TempDir work_{"vmboot-test"};
  NetworkSlotLease slot_ = lease_network_slot(default_network_slot_lock_dir(), work_.path(), std::nullopt);
  net::VpcNetwork network_{runner_, work_.path() / "net", network_slot(slot_.slot)};
  QemuDriver driver_{runner_, Accelerator::kAuto, (work_.path() / "probe").string()};
  fs::path image_;
  std::string vpc_;
};

TEST_F(VmBootTest, BootsTheBaseImageWithCloudInitAgainstOurMetadataService) {
  const auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  const auto subnet_cidr = *Ipv4Cidr::parse("10.0.1.0/24");
  const std::string subnet = "subnet-0b007000000000001";
  const std::string instance = "i-0b007000000000001";
  const net::Port port{"eni-0b007000000000001", "02:b0:07:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  const std::string ns = network_.netns_name(vpc_);

  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, port).ok());

  auto key = generate_ssh_key_pair("ed25519");
  ASSERT_TRUE(key);
  fs::path key_file = work_.path() / "key.pem";
  std::ofstream(key_file) << key->private_key_pem;
  ::chmod(key_file.c_str(), 0400);

  imds::InstanceMetadata metadata;
  metadata.account_id = "123456789012";
  metadata.instance_id = instance;
  metadata.image_id = "ami-0b007000000000001";
  metadata.instance_type = "t2.micro";
  metadata.reservation_id = "r-0b007000000000001";
  metadata.region = "us-east-1";
  metadata.availability_zone = "us-east-1a";
  metadata.availability_zone_id = "use1-az1";
  metadata.local_hostname = "ip-10-0-1-10.ec2.internal";
  metadata.key_name = "k";
  metadata.public_key = key->public_key.openssh + " k";
  metadata.user_data = "#!/bin/bash\necho ran > /var/tmp/userdata-ran\n";
  metadata.pending_time = "2026-11-27T00:00:00Z";
  imds::InterfaceMetadata eni;
  eni.mac = port.mac;
  eni.interface_id = port.eni_id;
  eni.local_ipv4 = port.ip;
  eni.local_hostname = metadata.local_hostname;
  eni.subnet_id = subnet;
  eni.subnet_cidr = subnet_cidr.str();
  eni.vpc_id = vpc_;
  eni.vpc_cidr = vpc_cidr.str();
  eni.security_group_ids = {"sg-0b007000000000001"};
  eni.security_group_names = {"default"};
  metadata.interfaces.push_back(eni);
  nlohmann::json tree = imds::metadata_tree(metadata);
  imds::TokenIssuer tokens(std::string(32, 't'));
  imds::ImdsServer imds(
      [&](const std::string& vpc, const std::string& ip) -> std::optional<imds::Caller> {
        if (vpc != vpc_ || ip != port.ip) return std::nullopt;
        return imds::Caller{instance, tree, imds::MetadataOptions{}};
      },
      tokens);
  auto listening = imds.listen(vpc_, ns);
  ASSERT_TRUE(listening.ok()) << listening.error().message;

  fs::path run_dir = work_.path() / "run";
  fs::create_directories(run_dir);
  fs::path overlay = run_dir / "root.qcow2";
  ASSERT_EQ(runner_.run({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", (image_ / "disk.qcow2").string(),
                         overlay.string(), "8G"}),
            0);
  VmSpec spec;
  spec.name = instance;
  spec.vcpus = 1;
  spec.memory_mib = 1024;
  spec.kernel = (image_ / "vmlinuz").string();
  spec.initrd = (image_ / "initrd.img").string();
  spec.cmdline = "root=LABEL=stratus-root ro console=ttyS0,115200n8 net.ifnames=0";
  spec.root_disk = overlay.string();
  spec.nics = {{net::VpcNetwork::tap_name(port.eni_id), port.mac}};
  spec.run_dir = run_dir.string();
  spec.smbios_uuid = "ec2b0070-0000-4000-8000-000000000001";
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.start(spec, ns).ok());
  EXPECT_TRUE(driver_.running(run_dir.string()));

  const std::string ssh = "ip netns exec " + ns + " ssh -i " + key_file.string() +
                          " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
                          " -o ConnectTimeout=3 -o LogLevel=ERROR ec2-user@" + port.ip + " ";
  bool up = false;
  double seconds = 0;
  while (!up && seconds < 300) {
    up = std::system((ssh + "true 2>/dev/null").c_str()) == 0;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!up) ::sleep(2);
  }
  ASSERT_TRUE(up) << "no SSH after " << seconds << " s; console: " << (run_dir / "console.log").string();
  std::printf("[ timing ] ssh as ec2-user after %.1f s\n", seconds);
  std::string checks = shell_output(ssh + "'cloud-init status --wait >/dev/null; cat /var/tmp/userdata-ran; "
                                       "curl -s http://169.254.169.254/latest/meta-data/instance-id; echo; "
                                       "TOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token "
                                       "-H \"X-aws-ec2-metadata-token-ttl-seconds: 60\"); "
                                       "curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" "
                                       "http://169.254.169.254/latest/meta-data/local-ipv4; echo; "
                                       "sudo -n true && echo sudo-ok; hostname -f'");
  std::printf("[ timing ] cloud-init done after %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_NE(checks.find("ran\n"), std::string::npos) << checks;
  EXPECT_NE(checks.find(instance + "\n"), std::string::npos) << checks;
  EXPECT_NE(checks.find("10.0.1.10\n"), std::string::npos) << checks;
  EXPECT_NE(checks.find("sudo-ok"), std::string::npos) << checks;
  EXPECT_NE(checks.find("ip-10-0-1-10"), std::string::npos) << checks;

  ASSERT_TRUE(driver_.kill(run_dir.string()).ok());
  EXPECT_FALSE(driver_.running(run_dir.string()));
}

}  // namespace
}  // namespace stratus::compute
