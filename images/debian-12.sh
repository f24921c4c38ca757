#!/usr/bin/env bash
# The recipe of stratus's base AMI: Debian 12 (bookworm) from Debian's archive with the
# cloud kernel, cloud-init (Ec2 datasource, default user ec2-user with passwordless sudo),
# openssh-server, sudo, curl, awscli (pointed at the region's API, see below), and dbus (for
# systemd-logind, which handles the power button).
#
# A guest agent for the warm pool (docs/design/warm-pool.md) is included: it runs only when the
# kernel command line has stratus.warm, and makes a guest restored from a saved state the
# instance it now is.
#
# Usage: debian-12.sh OUTDIR [MIRROR]   (as root)
# Writes OUTDIR/disk.qcow2 (ext4 root, no partition table, label stratus-root),
# OUTDIR/vmlinuz and OUTDIR/initrd.img for direct kernel boot, and OUTDIR/image.json.
# `stratus image build` runs this and caches OUTDIR by the hash of this file: any change
# here is a new image.
set -euo pipefail

out="$1"
mirror="${2:-http://deb.debian.org/debian}"
label="stratus-root"
size="4G"
work="$(mktemp -d /var/tmp/stratus-image.XXXXXX)"
root="$work/root"
cleanup() {
  for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

mkdir -p "$out" "$root"
debootstrap --arch=amd64 \
  --include=linux-image-cloud-amd64,initramfs-tools,cloud-init,ifupdown,isc-dhcp-client,python3-cffi-backend,openssh-server,sudo,curl,awscli,ca-certificates,dbus \
  bookworm "$root" "$mirror"

# cloud-init: the Ec2 datasource against stratus's metadata service, and ec2-user.
# (The file name must contain "ec2" for ds-identify to read strict_id; lists stay on one line.)
cat >"$root/etc/cloud/cloud.cfg.d/90_stratus_ec2.cfg" <<'CFG'
datasource_list: [ Ec2, None ]
datasource:
  Ec2:
    strict_id: false
    metadata_urls: [ "http://169.254.169.254" ]
    max_wait: 60
    timeout: 5
    apply_full_imds_network_config: false
system_info:
  default_user:
    name: ec2-user
    lock_passwd: true
    gecos: EC2 Default User
    groups: [adm, sudo]
    sudo: ["ALL=(ALL) NOPASSWD:ALL"]
    shell: /bin/bash
ssh_genkeytypes: [ed25519, ecdsa]
bootcmd:
  - [ sh, -c, 'mkdir -p /etc/aws && printf "[default]\nregion = %s\nendpoint_url = http://169.254.169.254:8773\n" "$(cloud-init query v1.region)" >/etc/aws/config' ]
CFG

# The aws CLI inside instances: stratus's API answers inside every VPC at
# http://169.254.169.254:8773, and cloud-init writes the instance's region and that endpoint to
# /etc/aws/config at every boot (above); S3 answers at its own name, s3.REGION.amazonaws.com,
# which the VPC's resolver gives S3's in-VPC address. Credentials come from the metadata service
# (the instance profile's role). Debian's aws CLI (2.9) predates endpoint_url in config files, so
# this wrapper passes the endpoint for the command's service unless the caller gives one.
cat >"$root/usr/local/bin/aws" <<'AWS'
#!/bin/sh
if [ -z "${AWS_CONFIG_FILE:-}" ] && [ ! -f "$HOME/.aws/config" ]; then export AWS_CONFIG_FILE=/etc/aws/config; fi
case " $* " in *" --endpoint-url"*) exec /usr/bin/aws "$@" ;; esac
setting() { sed -n "s/^$1 *= *//p" /etc/aws/config 2>/dev/null | head -n 1; }
endpoint="$(setting endpoint_url)"
# The service is the first argument that is neither a global option nor an option's value.
service=""
region="$(setting region)"
option=""
for arg in "$@"; do
  if [ -n "$option" ]; then
    if [ "$option" = --region ]; then region="$arg"; fi
    option=""
    continue
  fi
  case "$arg" in
    --output|--region|--profile|--query|--color|--ca-bundle|--cli-read-timeout|--cli-connect-timeout|--cli-binary-format) option="$arg" ;;
    -*) ;;
    *) service="$arg"; break ;;
  esac
done
case "$service" in s3|s3api) if [ -n "$region" ]; then endpoint="http://s3.$region.amazonaws.com"; fi ;; esac
if [ -n "$endpoint" ]; then exec /usr/bin/aws --endpoint-url "$endpoint" "$@"; fi
exec /usr/bin/aws "$@"
AWS
chmod 755 "$root/usr/local/bin/aws"

# EC2 Instance Connect: sshd also accepts the keys that SendSSHPublicKey pushed for the user in the
# last 60 s, which the metadata service lists (IMDSv2) under managed-ssh-keys/active-keys/USER/;
# the command runs as a user of its own, as Amazon Linux's ec2-instance-connect package does.
cat >"$root/usr/local/sbin/stratus-instance-connect-keys" <<'EIC'
#!/bin/sh
# Prints the authorized_keys lines EC2 Instance Connect holds for OS user $1 (nothing when none).
case "$1" in ''|*[!A-Za-z0-9._@\$-]*) exit 0 ;; esac
imds=http://169.254.169.254
token="$(curl -s -f -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/latest/api/token")" || exit 0
curl -s -f -m 2 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/managed-ssh-keys/active-keys/$1/" || true
EIC
chmod 755 "$root/usr/local/sbin/stratus-instance-connect-keys"
cat >"$root/etc/ssh/sshd_config.d/60-stratus-instance-connect.conf" <<'SSHD'
AuthorizedKeysCommand /usr/local/sbin/stratus-instance-connect-keys %u
AuthorizedKeysCommandUser ec2-instance-connect
SSHD

# The virtio drivers are modules in the cloud kernel: load them from the initramfs, in order.
printf '%s\n' virtio_ring virtio virtio_pci virtio_blk virtio_net >>"$root/etc/initramfs-tools/modules"
# StopInstances presses the ACPI power button: the button driver is a module, and systemd-logind
# (which needs dbus, included above) turns the key press into a clean poweroff.
echo button >"$root/etc/modules-load.d/stratus-acpi.conf"
echo "LABEL=$label / ext4 defaults,errors=remount-ro 0 1" >"$root/etc/fstab"
echo 'LANG=C.UTF-8' >"$root/etc/default/locale"
cat >"$root/etc/network/interfaces" <<'ENI'
auto lo
iface lo inet loopback
source /etc/network/interfaces.d/*
ENI
# cloud-init configures eth0 only (above); every further interface, there at boot or hot-plugged
# by AttachNetworkInterface, gets its address by DHCP, its default route ranked behind eth0's.
for n in 1 2 3 4 5 6 7; do
  printf 'allow-hotplug eth%d\niface eth%d inet dhcp\n    metric %d\n\n' "$n" "$n" "$((n * 100))"
done >"$root/etc/network/interfaces.d/60-stratus-secondary-interfaces"
# Replies from a further interface's address leave by that interface (the VPC router drops a
# source address arriving from another interface): a routing table per interface, used for
# packets from its address, as Amazon Linux's ec2-net-utils sets up. dhclient-script sources this.
cat >"$root/etc/dhcp/dhclient-exit-hooks.d/stratus-secondary-interfaces" <<'HOOK'
case "$interface" in
  eth[1-9]*)
    stratus_table=$((10000 + ${interface#eth}))
    while ip -4 rule del table "$stratus_table" 2>/dev/null; do :; done
    ip -4 route flush table "$stratus_table" 2>/dev/null || true
    case "$reason" in
      BOUND|RENEW|REBIND|REBOOT)
        ip -4 route add default via "${new_routers%% *}" dev "$interface" table "$stratus_table"
        ip -4 rule add from "$new_ip_address" table "$stratus_table" priority "$stratus_table"
        ;;
    esac
    ;;
esac
HOOK
# The warm pool's guest agent. `stratus` boots the image once with stratus.warm on the kernel
# command line and a virtio-serial port named org.stratus.identity; cloud-init, ifupdown and
# sshd stay down (the drop-ins below; the agent stops an sshd that an AMI's host keys let start,
# and removes those keys), the agent says "ready" on the port, and the host saves the VM. Each
# VM restored from that state gets its instance's identity on the port (one JSON line:
# instance_id, time, random) and the agent makes the guest that instance: the kernel's RNG
# reseeded before any secret is made, the clock stepped, a new boot id and machine-id, the NIC
# re-probed (its MAC is the instance's) and configured by DHCP, hostname, SSH host keys,
# ec2-user with the key pair's key from the metadata service, sshd started. Then cloud-init's
# stages run as on a first boot (user data once, its per-instance record), keeping those host
# keys. Its output goes to the serial console, as cloud-init's does.
mkdir -p "$root/usr/local/lib/stratus"
cat >"$root/usr/local/sbin/stratus-warm-agent" <<'AGENT'
#!/usr/bin/python3
import fcntl
import glob
import json
import os
import pwd
import socket
import struct
import subprocess
import time
import traceback
import urllib.error
import urllib.request
import uuid

PORT = "/dev/virtio-ports/org.stratus.identity"
IMDS = "http://169.254.169.254/latest"
BOOT_ID_MODULE = "/usr/local/lib/stratus/stratus_bootid.ko"
RNDADDENTROPY = 0x40085203  # _IOW('R', 0x03, int[2])
RNDRESEEDCRNG = 0x5207      # _IO('R', 0x07)
CLOUD_CFG = "/run/stratus-warm-cloud.cfg"


def log(message):
    print("stratus-warm-agent: " + message, flush=True)


def run(*argv):
    """Runs argv; what it printed goes to the console only when it fails."""
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), done.returncode, done.stdout))


def wait_for_identity():
    """Announces the agent on the port once the boot is over; the identity the host then writes."""
    run("modprobe", "virtio_console")
    while not os.path.exists(PORT):
        time.sleep(0.1)
    subprocess.run(["systemctl", "is-system-running", "--wait"], stdout=subprocess.DEVNULL)
    generalize()
    address = boot_id_address()
    # cloud-init's code is imported now, while the state is being made, not after each restore.
    import cloudinit.cmd.main  # noqa: F401
    for name in ("sources.DataSourceEc2", "config.cc_ssh", "config.cc_users_groups", "config.cc_scripts_user",
                 "config.cc_set_hostname", "config.cc_final_message", "config.cc_runcmd", "config.cc_write_files"):
        try:
            __import__("cloudinit." + name)
        except ImportError:
            pass
    port = os.open(PORT, os.O_RDWR)
    os.write(port, b"ready\n")  # blocks until the host listens
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(port, 4096)
        if not chunk:  # no host on the other end: the save, until the restored VM's host connects
            time.sleep(0.02)
            continue
        line += chunk
    os.write(port, b"ok\n")
    os.close(port)
    return json.loads(line), address


def generalize():
    """An AMI made from an instance holds that machine's SSH host keys, with which sshd started:
    the saved state keeps neither (the base image has no keys, and sshd waits for them). Nor does
    the state's disk keep the warm boot's machine-id: a VM that boots a copy of that disk (after a
    restore that failed) makes its own, as on the image's first boot."""
    subprocess.run(["systemctl", "stop", "ssh.service"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for path in glob.glob("/etc/ssh/ssh_host_*"):
        os.remove(path)
    open("/etc/machine-id", "w").close()
    # ec2-user as every instance of this image gets it (its key comes with the instance): made
    # once here, not after each restore.
    add_default_user(None)
    os.sync()  # on the disk, not only in the saved page cache


def reseed(random):
    with open("/dev/random", "wb") as rng:
        fcntl.ioctl(rng, RNDADDENTROPY, struct.pack("ii", 8 * len(random), len(random)) + random)
        fcntl.ioctl(rng, RNDRESEEDCRNG)


def boot_id_address():
    """Where the kernel keeps boot_id: looked up while the state is made (reading /proc/kallsyms
    takes most of a second under TCG), and the same in every VM restored from it."""
    with open("/proc/kallsyms") as symbols:
        return next(line.split()[0] for line in symbols if line.split()[2:3] == ["sysctl_bootid"])


def new_boot_id(address):
    """The kernel makes boot_id on its first read; the module forgets it, so the next read makes
    a new one. The module is unloaded later (forget_boot_id_module)."""
    run("insmod", BOOT_ID_MODULE, "address=0x" + address)
    with open("/proc/sys/kernel/random/boot_id") as f:
        f.read()


def forget_boot_id_module():
    subprocess.run(["rmmod", "stratus_bootid"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def new_machine_id():
    """What systemd makes on a cold boot of this image (its /etc/machine-id is empty): the VM's
    SMBIOS UUID, which the host has already made the instance's (and where the saved boot's
    daemons hold the saved one, they now hold the instance's too)."""
    try:
        with open("/sys/class/dmi/id/product_uuid") as f:
            machine_id = uuid.UUID(f.read().strip()).hex
    except (OSError, ValueError):
        machine_id = uuid.uuid4().hex
    with open("/etc/machine-id", "w") as f:
        f.write(machine_id + "\n")


def reprobe_nic():
    """virtio_net reads the MAC when it binds: the restored device already has the instance's."""
    device = os.path.basename(os.readlink("/sys/class/net/eth0/device"))
    for action in ("unbind", "bind"):
        with open("/sys/bus/virtio/drivers/virtio_net/" + action, "w") as f:
            f.write(device)
    while not os.path.exists("/sys/class/net/eth0"):
        time.sleep(0.02)
    with open("/etc/network/interfaces.d/50-cloud-init", "w") as f:
        f.write("auto eth0\niface eth0 inet dhcp\n")
    os.makedirs("/run/network", exist_ok=True)  # ifupdown's state; networking.service sat out the warm boot
    run("ifup", "eth0")


def metadata(paths):
    """The metadata service's answers for `paths` (None when absent), with an IMDSv2 token."""
    token = None
    for attempt in range(100):
        try:
            request = urllib.request.Request(IMDS + "/api/token", method="PUT",
                                             headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
            token = urllib.request.urlopen(request, timeout=2).read().decode()
            break
        except OSError:
            time.sleep(0.2)
    if token is None:
        raise RuntimeError("the metadata service gave no token")
    answers = {}
    for path in paths:
        request = urllib.request.Request(IMDS + "/meta-data/" + path, headers={"X-aws-ec2-metadata-token": token})
        try:
            answers[path] = urllib.request.urlopen(request, timeout=5).read().decode()
        except urllib.error.HTTPError:
            answers[path] = None
    return answers


def set_hostname(local_hostname):
    name = local_hostname.split(".")[0]
    with open("/etc/hostname", "w") as f:
        f.write(name + "\n")
    socket.sethostname(name)


def new_host_keys():
    """Starts making the host keys (cloud-init's ssh_genkeytypes in this image); their processes."""
    for path in glob.glob("/etc/ssh/ssh_host_*"):
        os.remove(path)
    return [subprocess.Popen(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", "/etc/ssh/ssh_host_%s_key" % kind],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for kind in ("ed25519", "ecdsa")]


def wait_all(processes):
    for process in processes:
        output, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(process.args), process.returncode, output))


def add_default_user(public_key):
    """ec2-user as cloud-init makes it (system_info.default_user in this image)."""
    try:
        pwd.getpwnam("ec2-user")
    except KeyError:
        run("useradd", "ec2-user", "--comment", "EC2 Default User", "--groups", "adm,sudo", "--shell", "/bin/bash", "-m")
        run("passwd", "-l", "ec2-user")
    with open("/etc/sudoers.d/90-cloud-init-users", "w") as f:
        f.write("\n# User rules for ec2-user\nec2-user ALL=(ALL) NOPASSWD:ALL\n")
    os.chmod("/etc/sudoers.d/90-cloud-init-users", 0o440)
    if public_key:
        user = pwd.getpwnam("ec2-user")
        ssh_dir = os.path.join(user.pw_dir, ".ssh")
        os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
        # Added to the keys an AMI made from an instance carries, as cloud-init does.
        authorized = os.path.join(ssh_dir, "authorized_keys")
        kept = open(authorized).read().splitlines() if os.path.exists(authorized) else []
        with open(authorized, "w") as f:
            f.write("".join(line + "\n" for line in kept if line.strip() != public_key.strip()) + public_key.strip() + "\n")
        for path in (ssh_dir, os.path.join(ssh_dir, "authorized_keys")):
            os.chown(path, user.pw_uid, user.pw_gid)
        os.chmod(os.path.join(ssh_dir, "authorized_keys"), 0o600)


def cloud_init(*stage):
    """Runs one cloud-init stage in a child of this process (its code is already imported)."""
    pid = os.fork()
    if pid == 0:
        import cloudinit.cmd.main
        os.environ.setdefault("TZ", ":/etc/localtime")
        code = 1
        try:
            code = cloudinit.cmd.main.main(["cloud-init", "--file", CLOUD_CFG] + list(stage)) or 0
        finally:
            os._exit(code)
    os.waitpid(pid, 0)


def take_identity(identity, boot_id_at, began):
    """The instance's own identity, its user and sshd, before anyone can log in. The host keys are
    made while the NIC and the metadata service are waited for."""
    took = []

    def step(name, action, *args):
        started = time.monotonic()
        result = action(*args)
        took.append("%s %.1f" % (name, time.monotonic() - started))
        return result

    step("boot id", new_boot_id, boot_id_at)
    step("machine-id", new_machine_id)
    keygens = step("host keys started", new_host_keys)
    try:
        step("nic", reprobe_nic)
        answers = step("metadata", metadata, ["local-hostname", "public-keys/0/openssh-key"])
        step("hostname", set_hostname, answers["local-hostname"] or identity["instance_id"])
        step("user", add_default_user, answers["public-keys/0/openssh-key"])
    except Exception:
        for process in keygens:  # done before cloud-init looks at the key files
            process.communicate()
        raise
    step("host keys", wait_all, keygens)
    step("sshd", run, "systemctl", "start", "ssh.service")
    log("%s: ssh up %.1f s after the restore (%s)" % (identity["instance_id"], time.monotonic() - began,
                                                      ", ".join(took)))


def main():
    identity, boot_id_at = wait_for_identity()
    began = time.monotonic()
    # No secret may come from the saved state's RNG: without the reseed nothing goes on.
    reseed(bytes.fromhex(identity["random"]))
    time.clock_settime(time.CLOCK_REALTIME, float(identity["time"]))
    try:
        take_identity(identity, boot_id_at, began)
    except Exception:
        # cloud-init below still makes what is missing (host keys, ec2-user) as on a cold boot.
        log("%s: the direct steps failed, cloud-init makes the rest:\n%s" % (identity["instance_id"],
                                                                             traceback.format_exc()))
    forget_boot_id_module()
    subprocess.run(["systemctl", "restart", "systemd-journald.service", "serial-getty@ttyS0.service"])
    with open(CLOUD_CFG, "w") as f:
        f.write("ssh_deletekeys: false\n")
    # An AMI made from an instance holds that instance's cached datasource, which cloud-init's
    # network stage trusts: only its local stage, which a restore skips, would have dropped it.
    if os.path.islink("/var/lib/cloud/instance"):
        os.remove("/var/lib/cloud/instance")
    cloud_init("init")
    subprocess.run(["systemctl", "start", "ssh.service"])  # a no-op unless the direct steps failed
    cloud_init("modules", "--mode", "config")
    cloud_init("modules", "--mode", "final")


main()
AGENT
chmod 755 "$root/usr/local/sbin/stratus-warm-agent"
cat >"$root/etc/systemd/system/stratus-warm-agent.service" <<'UNIT'
[Unit]
Description=stratus warm pool: take on the instance's identity after a restore
ConditionKernelCommandLine=stratus.warm

[Service]
Type=simple
ExecStart=/usr/local/sbin/stratus-warm-agent
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
# During the warm boot, cloud-init and ifupdown (an AMI made from an instance has eth0 set to
# DHCP, which the warm boot's network does not answer) wait for the agent, and sshd for host keys.
for unit in cloud-init-local cloud-init cloud-config cloud-final networking; do
  mkdir -p "$root/etc/systemd/system/$unit.service.d"
  printf '[Unit]\nConditionKernelCommandLine=!stratus.warm\n' >"$root/etc/systemd/system/$unit.service.d/50-stratus-warm.conf"
done
mkdir -p "$root/etc/systemd/system/ssh.service.d"
printf '[Unit]\nConditionPathExistsGlob=/etc/ssh/ssh_host_*_key\n' >"$root/etc/systemd/system/ssh.service.d/50-stratus-host-keys.conf"
# The agent's module: clears the kernel's boot id (its address from /proc/kallsyms) so that the
# next read makes a new one. Built against the image's own kernel; the compiler goes again.
mkdir -p "$root/var/tmp/stratus-bootid"
cat >"$root/var/tmp/stratus-bootid/stratus_bootid.c" <<'MODULE'
#include <linux/module.h>
#include <linux/string.h>

static unsigned long address;
module_param(address, ulong, 0);
MODULE_PARM_DESC(address, "the address of sysctl_bootid (from /proc/kallsyms)");

static int __init stratus_bootid_init(void) {
  if (address) memset((void *)address, 0, 16);
  return 0;
}

static void __exit stratus_bootid_exit(void) {}

module_init(stratus_bootid_init);
module_exit(stratus_bootid_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Forgets the boot id, so that a guest restored from a saved state gets its own");
MODULE
echo 'obj-m := stratus_bootid.o' >"$root/var/tmp/stratus-bootid/Kbuild"

# Generic image: per-instance identity comes from cloud-init at first boot. dbus's machine-id
# is /etc/machine-id itself, not a copy that systemd would take for the machine's at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$root/var/lib/dbus/machine-id"
: >"$root/etc/hostname"

kernel="$(basename "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)")"
version="${kernel#vmlinuz-}"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
chroot "$root" apt-get update -q
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc-12 make "linux-headers-$version"
chroot "$root" make -s -C "/lib/modules/$version/build" M=/var/tmp/stratus-bootid CC=gcc-12 modules
chroot "$root" strip --strip-debug /var/tmp/stratus-bootid/stratus_bootid.ko
install -m 644 "$root/var/tmp/stratus-bootid/stratus_bootid.ko" "$root/usr/local/lib/stratus/"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove gcc-12 make "linux-headers-$version"
rm -rf "$root/var/tmp/stratus-bootid"
chroot "$root" systemctl enable stratus-warm-agent.service
chroot "$root" useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ec2-instance-connect
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer
chroot "$root" update-initramfs -u -k all
chroot "$root" apt-get clean
for m in dev/pts dev proc sys; do umount "$root/$m"; done
rm -f "$root/etc/resolv.conf"

cp "$root/boot/vmlinuz-$version" "$out/vmlinuz"
cp "$root/boot/initrd.img-$version" "$out/initrd.img"
mkfs.ext4 -q -F -L "$label" -d "$root" "$work/root.raw" "$size"
qemu-img convert -f raw -O qcow2 "$work/root.raw" "$out/disk.qcow2"
cat >"$out/image.json" <<JSON
{"name": "debian-12-amd64", "kernel": "$version", "root_label": "$label", "cmdline": "root=LABEL=$label ro console=ttyS0,115200n8 net.ifnames=0", "size": "$size", "warm_agent": true}
JSON
