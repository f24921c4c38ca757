#pragma once
// The QEMU command line of an instance's VM: q35 (PCIe root ports, so disks and NICs can be
// hot-plugged later), direct kernel boot, virtio disk and NICs on taps, serial console to a
// file, QMP on a unix socket, daemonized with a pid file.

#include <cstdint>
#include <string>
#include <vector>

#include "compute/smbios_uuid_spots.h"

namespace stratus::compute {

// One NIC: the tap it is plugged into (created beforehand), its MAC, and the interface's
// device index (which names its QEMU devices: netdev "net<index>", device "nic<index>").
struct NicSpec {
  std::string tap;
  std::string mac;
  int device_index = 0;
};

// The QEMU id of the NIC at `device_index` ("nic<index>") and of its tap backend ("net<index>").
std::string nic_device_id(int device_index);
std::string nic_netdev_id(int device_index);
// The id of NIC root port `slot` ("rpnic<slot>"); a VM has `nic_slots` of them.
std::string nic_root_port(int slot);

// One data volume's disk (not the root volume's): the volume it is, its qcow2 file, and the
// disk root port it sits behind ("rp<slot + 1>"). The guest sees the volume id (without its
// dash, 20 characters) as the disk's serial: /dev/disk/by-id/virtio-vol0123....
struct DiskSpec {
  std::string volume_id;
  std::string path;
  int slot = 0;
};

// PCIe root ports a VM has for data volumes: how many can be attached to an instance besides
// its root volume.
inline constexpr int kDiskSlots = 8;

// The prefix of a data disk's QEMU device id: "disk-" and the volume id; its block nodes are
// named after the volume id ("<id>" and "<id>-file").
inline constexpr const char* kDiskDevicePrefix = "disk-";
// The id of disk root port `slot` ("rp<slot + 1>").
std::string disk_root_port(int slot);
// The QEMU -blockdev values of `disk` (file node, then qcow2 node).
std::vector<std::string> disk_blockdevs(const DiskSpec& disk);
// The serial the guest sees for the disk of `volume_id`: the id without its dash.
std::string disk_serial(const std::string& volume_id);
// The QEMU -device value of `disk`.
std::string disk_device(const DiskSpec& disk);

// Everything that decides a VM's command line.
// The socket, in a VM's run directory, its first serial port answers on (one client at a time;
// what the port prints is also logged to console.log there).
inline constexpr const char* kSerialSocket = "serial.sock";

// The socket, in a VM's run directory, of its identity port: a virtio-serial port the guest
// sees as /dev/virtio-ports/org.stratus.identity, through which the warm pool's guest agent
// says it is ready to be saved and, in a VM restored from that state, reads its instance's
// identity (warm_pool.h).
inline constexpr const char* kIdentitySocket = "identity.sock";

// Where guest RAM that lives in a file goes (VmSpec::ram_file): a tmpfs, so the file is memory.
inline constexpr const char* kGuestRamDir = "/dev/shm";

// The kernel command line instances boot with (the base image's root file system, serial
// console, interfaces named eth0, eth1, ...).
inline constexpr const char* kKernelCmdline = "root=LABEL=stratus-root ro console=ttyS0,115200n8 net.ifnames=0";

struct VmSpec {
  std::string name;          // the instance id
  int vcpus = 1;
  int64_t memory_mib = 512;
  bool kvm = false;          // KVM, else TCG (multi-threaded); QemuDriver decides
  std::string kernel;        // absolute paths
  std::string initrd;
  std::string cmdline;
  std::string root_disk;     // qcow2 overlay on the AMI
  std::vector<NicSpec> nics;  // in device index order
  int nic_slots = 2;         // PCIe root ports for NICs (the instance type's interface limit):
                             // the boot NICs fill the first ones, hot-plugged NICs take free ones
  std::string run_dir;       // absolute; holds qmp.sock, serial.sock, console.log, qemu.pid
  std::string smbios_uuid;   // "" for none; an "ec2..." uuid makes cloud-init take its AWS path
  std::vector<DiskSpec> disks;  // data volumes attached when it starts
  int disk_slots = kDiskSlots;  // PCIe root ports for data volumes (attached ones first, then free ones)
  bool identity_port = false;   // the identity port (kIdentitySocket), for the warm pool's VMs
  std::string ram_file;         // "" for anonymous guest RAM; else the guest's RAM is this file
                                // (under kGuestRamDir), mapped shared: a save leaves it out of the
                                // state, and the file holds the RAM once QEMU ends
  std::string incoming;         // a saved state (QEMU's migration stream, devices only) to restore,
                                // "" to boot; a path without shell metacharacters
  std::string incoming_ram;     // with `incoming`: the saved RAM (a sparse file) that a copy of
                                // becomes the restored VM's ram_file
  std::vector<UuidSpot> incoming_uuid_spots;  // where incoming_ram names the saved machine's SMBIOS
                                              // UUID: the copy names smbios_uuid there instead
  bool console_append = false;  // console.log is appended to (it starts as the saved state's), not replaced
  bool background = false;      // QEMU runs at the lowest CPU priority (nice 19, and so does its
                                // session's autogroup): a warm boot, which only takes what
                                // instances leave idle
};

// The argv (argv[0] = "qemu-system-x86_64") for `spec`.
std::vector<std::string> qemu_command(const VmSpec& spec);

}  // namespace stratus::compute
