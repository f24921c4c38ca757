#pragma once
// The QEMU command line of an instance's VM: q35 (PCIe root ports, so disks and NICs can be
// hot-plugged later), direct kernel boot, virtio disk and NICs on taps, serial console to a
// file, QMP on a unix socket, daemonized with a pid file.

#include <cstdint>
#include <string>
#include <vector>

namespace stratus::compute {

// One NIC: the tap it is plugged into (created beforehand) and its MAC.
struct NicSpec {
  std::string tap;
  std::string mac;
};

// Everything that decides a VM's command line.
struct VmSpec {
  std::string name;          // the instance id
  int vcpus = 1;
  int64_t memory_mib = 512;
  bool kvm = false;          // KVM, else TCG (multi-threaded); QemuDriver decides
  std::string kernel;        // absolute paths
  std::string initrd;
  std::string cmdline;
  std::string root_disk;     // qcow2 overlay on the AMI
  std::vector<NicSpec> nics;
  std::string run_dir;       // absolute; holds qmp.sock, console.log, qemu.pid
  std::string smbios_uuid;   // "" for none; an "ec2..." uuid makes cloud-init take its AWS path
  int spare_root_ports = 2;  // empty PCIe slots for hot-plug
};

// The argv (argv[0] = "qemu-system-x86_64") for `spec`.
std::vector<std::string> qemu_command(const VmSpec& spec);

}  // namespace stratus::compute
