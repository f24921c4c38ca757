#include "compute/qemu_command.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stratus::compute {
namespace {

// The value following `flag` at its `nth` occurrence, or "" when absent.
std::string value_of(const std::vector<std::string>& argv, const std::string& flag, int nth = 0) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && nth-- == 0) return argv[i + 1];
  }
  return "";
}

VmSpec t2_micro() {
  VmSpec spec;
  spec.name = "i-0123456789abcdef0";
  spec.vcpus = 1;
  spec.memory_mib = 1024;
  spec.kernel = "/images/vmlinuz";
  spec.initrd = "/images/initrd.img";
  spec.cmdline = "root=LABEL=stratus-root ro console=ttyS0,115200n8";
  spec.root_disk = "/run/i-1/root.qcow2";
  spec.nics = {{"stratus-t1", "02:00:00:00:00:10", 0}};
  spec.run_dir = "/run/i-1";
  return spec;
}

TEST(QemuCommand, InstanceTypeSizesAndAccelerator) {
  auto argv = qemu_command(t2_micro());
  EXPECT_EQ(argv[0], "qemu-system-x86_64");
  EXPECT_EQ(value_of(argv, "-machine"), "q35");
  EXPECT_EQ(value_of(argv, "-smp"), "1");
  EXPECT_EQ(value_of(argv, "-m"), "1024");
  EXPECT_EQ(value_of(argv, "-accel"), "tcg,thread=multi,tb-size=256");
  VmSpec kvm = t2_micro();
  kvm.kvm = true;
  EXPECT_EQ(value_of(qemu_command(kvm), "-accel"), "kvm");
}

TEST(QemuCommand, DevicesSitBehindRootPortsWithSpares) {
  VmSpec spec = t2_micro();
  spec.nics.push_back({"stratus-t3", "02:00:00:00:00:30", 3});
  spec.nic_slots = 3;
  auto argv = qemu_command(spec);
  std::vector<std::string> ports;
  for (const std::string& a : argv) {
    if (a.rfind("pcie-root-port,", 0) == 0) ports.push_back(a);
  }
  // The root disk's, one per NIC slot (two taken, one free for hot-plug), one per disk slot.
  ASSERT_EQ(ports.size(), 4u + 8u);
  EXPECT_EQ(std::vector<std::string>(ports.begin(), ports.begin() + 6),
            (std::vector<std::string>{"pcie-root-port,id=rp0,chassis=1", "pcie-root-port,id=rpnic0,chassis=2",
                                      "pcie-root-port,id=rpnic1,chassis=3", "pcie-root-port,id=rpnic2,chassis=4",
                                      "pcie-root-port,id=rp1,chassis=5", "pcie-root-port,id=rp2,chassis=6"}));
  EXPECT_EQ(ports.back(), "pcie-root-port,id=rp8,chassis=12");
  EXPECT_EQ(value_of(argv, "-device", 12), "virtio-blk-pci,drive=root,bus=rp0");
  EXPECT_EQ(value_of(argv, "-blockdev"), "driver=file,node-name=root-file,filename=/run/i-1/root.qcow2");
  // NICs take slots in order; their QEMU ids come from the device index.
  EXPECT_EQ(value_of(argv, "-netdev"), "tap,id=net0,ifname=stratus-t1,script=no,downscript=no");
  EXPECT_EQ(value_of(argv, "-device", 13), "virtio-net-pci,id=nic0,netdev=net0,mac=02:00:00:00:00:10,bus=rpnic0");
  EXPECT_EQ(value_of(argv, "-netdev", 1), "tap,id=net3,ifname=stratus-t3,script=no,downscript=no");
  EXPECT_EQ(value_of(argv, "-device", 14), "virtio-net-pci,id=nic3,netdev=net3,mac=02:00:00:00:00:30,bus=rpnic1");
}

// Data volumes attached at start sit behind disk root ports, their serial the volume id.
TEST(QemuCommand, DataVolumesBehindDiskPorts) {
  VmSpec spec = t2_micro();
  spec.disks.push_back({"vol-0123456789abcdef0", "/data/volumes/vol-0123456789abcdef0.qcow2", 2});
  auto argv = qemu_command(spec);
  EXPECT_EQ(value_of(argv, "-blockdev", 2),
            "driver=file,node-name=vol-0123456789abcdef0-file,filename=/data/volumes/vol-0123456789abcdef0.qcow2");
  EXPECT_EQ(value_of(argv, "-blockdev", 3),
            "driver=qcow2,node-name=vol-0123456789abcdef0,file=vol-0123456789abcdef0-file");
  EXPECT_NE(std::find(argv.begin(), argv.end(),
                      "virtio-blk-pci,drive=vol-0123456789abcdef0,id=disk-vol-0123456789abcdef0,"
                      "serial=vol0123456789abcdef0,bus=rp3"),
            argv.end());
}

TEST(QemuCommand, ControlFilesAndBoot) {
  VmSpec spec = t2_micro();
  spec.smbios_uuid = "ec2e1a40-0000-4000-8000-000000000001";
  auto argv = qemu_command(spec);
  EXPECT_EQ(value_of(argv, "-kernel"), "/images/vmlinuz");
  EXPECT_EQ(value_of(argv, "-append"), spec.cmdline);
  // The serial port answers on a socket (the console's serial sessions) and is logged for
  // GetConsoleOutput.
  EXPECT_EQ(value_of(argv, "-serial"), "chardev:serial0");
  EXPECT_EQ(value_of(argv, "-chardev"),
            "socket,id=serial0,path=/run/i-1/serial.sock,server=on,wait=off,logfile=/run/i-1/console.log");
  EXPECT_EQ(value_of(argv, "-qmp"), "unix:/run/i-1/qmp.sock,server=on,wait=off");
  EXPECT_EQ(value_of(argv, "-pidfile"), "/run/i-1/qemu.pid");
  EXPECT_EQ(value_of(argv, "-smbios"), "type=1,serial=" + spec.smbios_uuid + ",uuid=" + spec.smbios_uuid);
  EXPECT_EQ(argv.back(), "-daemonize");
}

TEST(QemuCommand, AColdBootHasNoIdentityPortAndReplacesItsConsoleLog) {
  auto argv = qemu_command(t2_micro());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-incoming"), argv.end());
  EXPECT_EQ(value_of(argv, "-machine"), "q35");  // anonymous RAM
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-object"), argv.end());
  for (const std::string& arg : argv) EXPECT_EQ(arg.find("org.stratus.identity"), std::string::npos);
  EXPECT_EQ(value_of(argv, "-chardev").find("logappend"), std::string::npos);
}

TEST(QemuCommand, ARestoreHasTheIdentityPortWaitsForTheStateAndAppendsToTheConsoleLog) {
  VmSpec spec = t2_micro();
  spec.identity_port = true;
  spec.incoming = "/states/k/state.bin";
  spec.incoming_ram = "/states/k/ram.img";
  spec.ram_file = "/dev/shm/stratus-ram-1";
  spec.console_append = true;
  auto argv = qemu_command(spec);
  // The driver loads the stream once it has set the state's migration capabilities.
  EXPECT_EQ(value_of(argv, "-incoming"), "defer");
  EXPECT_EQ(value_of(argv, "-chardev"), "socket,id=identity,path=/run/i-1/identity.sock,server=on,wait=off");
  EXPECT_NE(std::find(argv.begin(), argv.end(),
                      "virtserialport,bus=vserial0.0,chardev=identity,name=org.stratus.identity"),
            argv.end());
  EXPECT_NE(value_of(argv, "-chardev", 1).find("console.log,logappend=on"), std::string::npos);
}

TEST(QemuCommand, RamInAFileIsTheMachinesSharedMemoryBackendOfTheGuestsSize) {
  VmSpec spec = t2_micro();
  spec.ram_file = "/dev/shm/stratus-warm-k.ram";
  auto argv = qemu_command(spec);
  EXPECT_EQ(value_of(argv, "-machine"), "q35,memory-backend=ram");
  EXPECT_EQ(value_of(argv, "-object"), "memory-backend-file,id=ram,mem-path=/dev/shm/stratus-warm-k.ram,size=" +
                                           std::to_string(spec.memory_mib) + "M,share=on");
  EXPECT_EQ(value_of(argv, "-m"), std::to_string(spec.memory_mib));
}

}  // namespace
}  // namespace stratus::compute
