#include "compute/qemu_command.h"

namespace stratus::compute {

std::vector<std::string> qemu_command(const VmSpec& spec) {
  std::vector<std::string> argv = {
      "qemu-system-x86_64",
      "-name", spec.name,
      "-machine", "q35",
      // TCG's translation cache defaults to 1 GiB and fills up; 256 MiB halves QEMU's RSS with
      // no slower boot (docs/benchmarks.md, "QEMU memory").
      "-accel", spec.kvm ? "kvm" : "tcg,thread=multi,tb-size=256",
      "-smp", std::to_string(spec.vcpus),
      "-m", std::to_string(spec.memory_mib),
      "-nodefaults", "-no-user-config", "-display", "none",
      "-kernel", spec.kernel,
      "-initrd", spec.initrd,
      "-append", spec.cmdline,
  };
  if (!spec.smbios_uuid.empty()) {
    argv.insert(argv.end(), {"-smbios", "type=1,serial=" + spec.smbios_uuid + ",uuid=" + spec.smbios_uuid});
  }
  // Every device sits behind its own root port: devices on pcie.0 itself cannot be hot-plugged.
  size_t ports = 1 + spec.nics.size() + static_cast<size_t>(spec.spare_root_ports);
  for (size_t i = 0; i < ports; ++i) {
    argv.insert(argv.end(), {"-device", "pcie-root-port,id=rp" + std::to_string(i) + ",chassis=" +
                                            std::to_string(i + 1)});
  }
  argv.insert(argv.end(), {"-blockdev", "driver=file,node-name=root-file,filename=" + spec.root_disk,
                           "-blockdev", "driver=qcow2,node-name=root,file=root-file",
                           "-device", "virtio-blk-pci,drive=root,bus=rp0"});
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    std::string id = "eni" + std::to_string(i);
    argv.insert(argv.end(), {"-netdev", "tap,id=" + id + ",ifname=" + spec.nics[i].tap + ",script=no,downscript=no",
                             "-device", "virtio-net-pci,netdev=" + id + ",mac=" + spec.nics[i].mac + ",bus=rp" +
                                            std::to_string(i + 1)});
  }
  argv.insert(argv.end(), {"-serial", "file:" + spec.run_dir + "/console.log",
                           "-qmp", "unix:" + spec.run_dir + "/qmp.sock,server=on,wait=off",
                           "-pidfile", spec.run_dir + "/qemu.pid",
                           "-daemonize"});
  return argv;
}

}  // namespace stratus::compute
