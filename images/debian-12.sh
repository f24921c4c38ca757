#!/usr/bin/env bash
# The recipe of stratus's base AMI: Debian 12 (bookworm) from Debian's archive with the
# cloud kernel, cloud-init (Ec2 datasource, default user ec2-user with passwordless sudo),
# openssh-server, sudo, curl, awscli (pointed at the region's API, see below), and dbus (for
# systemd-logind, which handles the power button).
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
# Generic image: per-instance identity comes from cloud-init at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
: >"$root/etc/hostname"
rm -f "$root/etc/resolv.conf"

mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
chroot "$root" useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ec2-instance-connect
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer
chroot "$root" update-initramfs -u -k all
chroot "$root" apt-get clean
for m in dev/pts dev proc sys; do umount "$root/$m"; done

kernel="$(basename "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)")"
version="${kernel#vmlinuz-}"
cp "$root/boot/vmlinuz-$version" "$out/vmlinuz"
cp "$root/boot/initrd.img-$version" "$out/initrd.img"
mkfs.ext4 -q -F -L "$label" -d "$root" "$work/root.raw" "$size"
qemu-img convert -f raw -O qcow2 "$work/root.raw" "$out/disk.qcow2"
cat >"$out/image.json" <<JSON
{"name": "debian-12-amd64", "kernel": "$version", "root_label": "$label", "cmdline": "root=LABEL=$label ro console=ttyS0,115200n8 net.ifnames=0", "size": "$size"}
JSON
