#include "compute/qemu_command.h"

#include <algorithm>

namespace stratus::compute {

std::string nic_device_id(int device_index) { return "nic" + std::to_string(device_index); }
std::string nic_netdev_id(int device_index) { return "net" + std::to_string(device_index); }
std::string nic_root_port(int slot) { return "rpnic" + std::to_string(slot); }
std::string disk_root_port(int slot) { return "rp" + std::to_string(slot + 1); }

std::vector<std::string> disk_blockdevs(const DiskSpec& disk) {
  return {"driver=file,node-name=" + disk.volume_id + "-file,filename=" + disk.path,
          "driver=qcow2,node-name=" + disk.volume_id + ",file=" + disk.volume_id + "-file"};
}

std::string disk_serial(const std::string& volume_id) {
  std::string serial = volume_id;
  serial.erase(std::remove(serial.begin(), serial.end(), '-'), serial.end());
  return serial;
}

std::string disk_device(const DiskSpec& disk) {
  return "virtio-blk-pci,drive=" + disk.volume_id + ",id=" + kDiskDevicePrefix + disk.volume_id +
         ",serial=" + disk_serial(disk.volume_id) + ",bus=" + disk_root_port(disk.slot);
}

std::vector<std::string> qemu_command(const VmSpec& spec) {
  std::vector<std::string> argv = {
      "qemu-system-x86_64",
      "-name", spec.name,
      "-machine", spec.ram_file.empty() ? "q35" : "q35,memory-backend=ram",
      // TCG's translation cache defaults to 1 GiB and fills up; 256 MiB halves QEMU's RSS with
      // no slower boot (docs/benchmarks.md, "QEMU memory").
      "-accel", spec.kvm ? "kvm" : "tcg,thread=multi,tb-size=256",
      "-smp", std::to_string(spec.vcpus),
      "-m", std::to_string(spec.memory_mib),
  };
  if (!spec.ram_file.empty()) {
    argv.insert(argv.end(), {"-object", "memory-backend-file,id=ram,mem-path=" + spec.ram_file + ",size=" +
                                            std::to_string(spec.memory_mib) + "M,share=on"});
  }
  argv.insert(argv.end(), {
      "-nodefaults", "-no-user-config", "-display", "none",
      "-kernel", spec.kernel,
      "-initrd", spec.initrd,
      "-append", spec.cmdline,
  });
  if (!spec.smbios_uuid.empty()) {
    argv.insert(argv.end(), {"-smbios", "type=1,serial=" + spec.smbios_uuid + ",uuid=" + spec.smbios_uuid});
  }
  // Every device sits behind its own root port: devices on pcie.0 itself cannot be hot-plugged.
  int chassis = 0;
  auto root_port = [&](const std::string& id) {
    argv.insert(argv.end(), {"-device", "pcie-root-port,id=" + id + ",chassis=" + std::to_string(++chassis)});
  };
  root_port("rp0");
  for (int slot = 0; slot < std::max<int>(spec.nic_slots, static_cast<int>(spec.nics.size())); ++slot) {
    root_port(nic_root_port(slot));
  }
  for (int slot = 0; slot < spec.disk_slots; ++slot) root_port(disk_root_port(slot));
  argv.insert(argv.end(), {"-blockdev", "driver=file,node-name=root-file,filename=" + spec.root_disk,
                           "-blockdev", "driver=qcow2,node-name=root,file=root-file",
                           "-device", "virtio-blk-pci,drive=root,bus=rp0"});
  for (const DiskSpec& disk : spec.disks) {
    for (const std::string& node : disk_blockdevs(disk)) argv.insert(argv.end(), {"-blockdev", node});
    argv.insert(argv.end(), {"-device", disk_device(disk)});
  }
  for (size_t slot = 0; slot < spec.nics.size(); ++slot) {
    const NicSpec& nic = spec.nics[slot];
    argv.insert(argv.end(), {"-netdev", "tap,id=" + nic_netdev_id(nic.device_index) + ",ifname=" + nic.tap +
                                            ",script=no,downscript=no",
                             "-device", "virtio-net-pci,id=" + nic_device_id(nic.device_index) + ",netdev=" +
                                            nic_netdev_id(nic.device_index) + ",mac=" + nic.mac + ",bus=" +
                                            nic_root_port(static_cast<int>(slot))});
  }
  if (spec.identity_port) {
    argv.insert(argv.end(), {"-device", "virtio-serial-pci,id=vserial0",
                             "-chardev", "socket,id=identity,path=" + spec.run_dir + "/" + kIdentitySocket +
                                             ",server=on,wait=off",
                             "-device", "virtserialport,bus=vserial0.0,chardev=identity,name=org.stratus.identity"});
  }
  // The stream is read once QEMU runs (QemuDriver::start), with the capabilities it was saved with.
  if (!spec.incoming.empty()) argv.insert(argv.end(), {"-incoming", "defer"});
  argv.insert(argv.end(), {"-chardev", "socket,id=serial0,path=" + spec.run_dir + "/" + kSerialSocket +
                                          ",server=on,wait=off,logfile=" + spec.run_dir + "/console.log" +
                                          (spec.console_append ? ",logappend=on" : ""),
                           "-serial", "chardev:serial0",
                           "-qmp", "unix:" + spec.run_dir + "/qmp.sock,server=on,wait=off",
                           "-pidfile", spec.run_dir + "/qemu.pid",
                           "-daemonize"});
  return argv;
}

}  // namespace stratus::compute
