"""The warm pool (issue 17) end to end: launches restore a saved state of a booted guest.

A t2.micro is launched first when no saved state of its layout exists yet: it boots cold and the
server makes the state beside the image meanwhile. Then five t2.micro instances are launched at
once with user data and a data volume. Each is restored from that one state (its console says
so; the data volume, which the saved VM had not, is plugged into it), and each is a
machine of its own: distinct SSH host keys (the ones sshd serves), machine-ids, hostnames, boot
ids, random bytes, MACs, IPs and SMBIOS UUIDs (in the firmware's table and the kernel's copies), the
MAC and IP being its interface's; SSH works with the key
pair; user data ran once; the metadata service answers its own instance id; the guest clock is
within 2 s of the host's. Then restored instances behave as booted ones: a snapshot of a
restored root volume, made a volume and hot-plugged into another restored instance, holds what
the warm boot wrote (the random seed, older than the launch) and what the instance wrote since
(its machine-id); an interface hot-plugged gets its address, the address of an instance just
terminated (whose lease the VPC's DHCP server let go); a reboot is a new boot of the same
machine (new boot id; the same host keys and SMBIOS UUID, now from the firmware; user data not
again). A stop and start of a restored
instance is test_instances' (its first instance is restored). An AMI made from a restored
instance gets a state of its own: its first launch boots while the pool makes it, the next launch
restores from it and is a machine of its own that holds what the AMI holds; the state goes with
the AMI's snapshot. Needs root, QEMU and the base image."""

import glob
import os
import shlex
import subprocess
import time

from harness import VmTestCase, saved_states, skip_unless_vms

USER_DATA = "#!/bin/bash\necho ran >> /var/tmp/user-data-runs\nls /dev/disk/by-id > /var/tmp/disks-at-user-data\n"
DATA_DEVICE = "/dev/sdg"  # the five restored instances' data volume, which the saved VM did not have
# The system UUID in the SMBIOS table the firmware wrote to RAM (what dmidecode reads).
TABLE_UUID = """import uuid
t = open('/sys/firmware/dmi/tables/DMI', 'rb').read()
i = 0
while t[i] != 1:
    i = t.index(b'\\0\\0', i + t[i + 1]) + 2
print(uuid.UUID(bytes_le=t[i + 8:i + 24]))"""
# What the identity test reads inside each instance, one KEY=VALUE per line.
IDENTITY = ("echo host_key=$(sudo cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub); "
            "echo machine_id=$(cat /etc/machine-id); echo hostname=$(hostname); "
            "echo boot_id=$(cat /proc/sys/kernel/random/boot_id); echo mac=$(cat /sys/class/net/eth0/address); "
            "echo ip=$(ip -o -4 addr show dev eth0 | awk '{print $4}' | cut -d/ -f1); "
            "echo random=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'); "
            "echo product_uuid=$(sudo cat /sys/class/dmi/id/product_uuid); "
            "echo product_serial=$(sudo cat /sys/class/dmi/id/product_serial); "
            "echo pid1_machine_id=$(sudo busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 "
            "org.freedesktop.DBus.Peer GetMachineId | cut -d'\"' -f2); "

            "echo table_uuid=$(sudo python3 -c " + shlex.quote(TABLE_UUID) + "); "
            "T=$(curl -s -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token); "
            "echo imds_id=$(curl -s -H \"X-aws-ec2-metadata-token: $T\" http://169.254.169.254/latest/meta-data/instance-id); "
            "cloud-init status --wait >/dev/null; echo user_data_runs=$(cat /var/tmp/user-data-runs | wc -l); "
            "echo clock=$(date +%s.%N)")


@skip_unless_vms
class WarmPoolTest(VmTestCase):

    serve_args = ("--warm-pool", "4")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.launched_at = None
        cls.five = []

    def launch(self, count, image=None, data_volume=False):
        """Launches `count` t2.micro instances of `image` (the base image's by default) with the SSH
        group, the key and USER_DATA, and with `data_volume` a 1 GiB volume at DATA_DEVICE; their ids."""
        mappings = [{"DeviceName": DATA_DEVICE, "Ebs": {"VolumeSize": 1}}] if data_volume else []
        reservation = self.ec2.run_instances(
            ImageId=image or self.base_image(), InstanceType="t2.micro", MinCount=count, MaxCount=count,
            KeyName="warm", SecurityGroupIds=[self.ssh_group()], UserData=USER_DATA, BlockDeviceMappings=mappings)
        return [i["InstanceId"] for i in reservation["Instances"]]

    def ssh_group(self):
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["ssh"]}])["SecurityGroups"]
        if groups:
            return groups[0]["GroupId"]
        group = self.ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        return group

    def five_restored(self):
        """Five t2.micro instances launched at once from one saved state, SSH up (launched once
        per class)."""
        if self.five:
            return self.five
        self.create_key("warm")
        if not saved_states(1, 1024):
            # The first launch boots cold and has the state made; it goes then, its address free again.
            first = self.launch(1)
            took = self.wait_for(lambda: saved_states(1, 1024), 600, "no saved state was made for t2.micro")
            print("\nsaved state ready %.0f s after the first launch" % took)
            self.ec2.terminate_instances(InstanceIds=first)
        type(self).launched_at = time.time()
        ids = self.launch(5, data_volume=True)
        for instance_id in ids:
            self.waiter("instance_running", instance_id)
            self.wait_ssh(self.describe(instance_id))
        print("five restored launches: SSH to all five %.1f s after RunInstances" % (time.time() - self.launched_at))
        type(self).five = [self.describe(i) for i in ids]
        return self.five

    def identity(self, instance):
        """IDENTITY read in `instance`, and the host's clock before and after."""
        before = time.time()
        out = self.ssh(instance, IDENTITY, timeout=300)
        after = time.time()
        self.assertEqual(out.returncode, 0, out.stderr)
        values = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        return values, before, after

    def served_host_key(self, instance):
        """The ed25519 host key sshd at the instance's public IP offers."""
        out = subprocess.run(["ssh-keyscan", "-t", "ed25519", instance["PublicIpAddress"]],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.split()[-1] if out.stdout.split() else ""

    def test_1_five_instances_from_one_state_are_five_machines(self):
        five = self.five_restored()
        seen = {key: set() for key in ("host_key", "machine_id", "hostname", "boot_id", "mac", "ip", "random",
                                       "product_uuid")}
        for instance in five:
            instance_id = instance["InstanceId"]
            console = self.ec2.get_console_output(InstanceId=instance_id).get("Output", "")
            self.assertIn("stratus-warm-agent: %s: ssh up" % instance_id, console, "not restored from the state")
            values, before, after = self.identity(instance)
            for key in seen:
                seen[key].add(values[key])
            self.assertEqual(values["mac"], instance["NetworkInterfaces"][0]["MacAddress"])
            self.assertEqual(values["ip"], instance["PrivateIpAddress"])
            self.assertEqual(values["imds_id"], instance_id)
            self.assertEqual(values["user_data_runs"], "1")
            self.assertEqual(values["hostname"], "ip-" + instance["PrivateIpAddress"].replace(".", "-"))
            self.assertEqual(self.served_host_key(instance), values["host_key"])
            # The launch's data volume, plugged into the restored VM, was there for user data.
            [data] = [m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"] if m["DeviceName"] == DATA_DEVICE]
            seen_by_user_data = self.ssh(instance, "cat /var/tmp/disks-at-user-data").stdout.split()
            self.assertIn("virtio-" + data.replace("-", ""), seen_by_user_data)
            # The instance's own SMBIOS UUID (test_2: the one its reboot's firmware gives), everywhere.
            self.assertTrue(values["product_uuid"].startswith("ec2"), values["product_uuid"])
            self.assertEqual(values["product_serial"], values["product_uuid"])
            self.assertEqual(values["table_uuid"], values["product_uuid"])
            # The machine-id a cold boot gets (systemd takes the VM's UUID): in /etc/machine-id,
            # and in PID 1, which read it before the save.
            for key in ("machine_id", "pid1_machine_id"):
                self.assertEqual(values[key], values["product_uuid"].replace("-", ""), key)
            clock = float(values["clock"])
            self.assertTrue(before - 2 <= clock <= after + 2, "guest clock %.1f, host %.1f..%.1f" % (clock, before, after))
        for key, values in seen.items():
            self.assertEqual(len(values), 5, "%s shared: %s" % (key, values))

    def test_2_restored_instances_behave_as_booted_ones(self):
        a, b = self.five_restored()[:2]
        before, _, _ = self.identity(a)
        # A snapshot of a's root volume holds the warm boot's writes and a's own.
        seed_age = self.ssh(a, "sync; stat -c %Y /var/lib/systemd/random-seed; "
                               "sudo sha256sum /var/lib/systemd/random-seed /etc/machine-id | cut -d' ' -f1")
        written_at, *sums = seed_age.stdout.split()
        self.assertLess(int(written_at), self.launched_at, "the random seed was not written by the warm boot")
        [root] = [m["Ebs"]["VolumeId"] for m in a["BlockDeviceMappings"] if m["DeviceName"] == a["RootDeviceName"]]
        snap = self.snapshot(root)["SnapshotId"]
        copy = self.ec2.create_volume(SnapshotId=snap, AvailabilityZone=b["Placement"]["AvailabilityZone"])["VolumeId"]
        self.wait_for(lambda: self.volume(copy)["State"] == "available", 120, "the volume was not made")
        disk = self.attach_volume(copy, b, "/dev/sdf")
        out = self.ssh(b, "sudo mount %s /mnt && sudo sha256sum /mnt/var/lib/systemd/random-seed /mnt/etc/machine-id "
                          "| cut -d' ' -f1; sudo umount /mnt" % disk, timeout=60)
        self.assertEqual(out.stdout.split(), sums, out.stderr)
        # An interface hot-plugged into a gets its address, even one a terminated instance held
        # a lease on a moment ago (the VPC's DHCP server must have forgotten that lease).
        e = self.five[4]
        self.ec2.terminate_instances(InstanceIds=[e["InstanceId"]])
        self.waiter("instance_terminated", e["InstanceId"])
        eni = self.ec2.create_network_interface(SubnetId=a["SubnetId"], Groups=[self.ssh_group()],
                                                PrivateIpAddress=e["PrivateIpAddress"])
        self.attach(eni["NetworkInterface"]["NetworkInterfaceId"], a)
        # A reboot: a new boot of the same machine.
        self.ec2.reboot_instances(InstanceIds=[a["InstanceId"]])
        self.wait_for(lambda: self.boot_id(a) not in ("", before["boot_id"]), 300, "a did not reboot")
        rebooted, _, _ = self.identity(a)
        for key in ("host_key", "machine_id", "hostname", "mac", "ip", "product_uuid", "table_uuid"):
            self.assertEqual(rebooted[key], before[key], key)
        self.assertEqual(rebooted["user_data_runs"], "1")

    def test_3_an_ami_made_from_a_restored_instance_gets_a_state_of_its_own(self):
        c = self.five_restored()[2]
        source, _, _ = self.identity(c)
        marked = self.ssh(c, "echo from-c | sudo tee /etc/stratus-ami-mark >/dev/null && sync")
        self.assertEqual(marked.returncode, 0, marked.stderr)
        image = self.ec2.create_image(InstanceId=c["InstanceId"], Name="warm-ami", NoReboot=True,
                                      BlockDeviceMappings=[{"DeviceName": DATA_DEVICE, "NoDevice": ""}])["ImageId"]
        self.ec2.get_waiter("image_available").wait(ImageIds=[image], WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        snapshot = self.ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        states = os.path.join(self.server.data_dir, "warm-amis", snapshot)
        # The first launch boots; its start gives the snapshot a disk of the pool's, and the
        # state is made over it in the background (the instance itself is not needed for that).
        [first] = self.launch(1, image)
        self.waiter("instance_running", first)
        self.ec2.terminate_instances(InstanceIds=[first])
        took = self.wait_for(lambda: glob.glob(os.path.join(states, "warm", "*", "layout.json")), 600,
                             "no saved state was made for the AMI")
        print("\nthe AMI's saved state ready %.0f s after its first launch" % took)
        [second_id] = self.launch(1, image)
        self.waiter("instance_running", second_id)
        second = self.describe(second_id)
        self.wait_ssh(second)
        console = self.ec2.get_console_output(InstanceId=second_id).get("Output", "")
        self.assertIn("stratus-warm-agent: %s: ssh up" % second_id, console, "not restored from the AMI's state")
        values, _, _ = self.identity(second)
        for key in ("host_key", "machine_id", "hostname", "boot_id", "mac", "ip", "random"):
            self.assertNotEqual(values[key], source[key], key)
        self.assertEqual(values["imds_id"], second_id)
        self.assertEqual(self.served_host_key(second), values["host_key"])
        if values["user_data_runs"] != "2":  # c's, which the AMI holds, and its own
            inside = self.ssh(second, "cat /var/tmp/user-data-runs; cloud-init status --long; ls -l /var/lib/cloud/instances "
                                      "/var/lib/cloud/instance; sudo tail -n 30 /var/log/cloud-init-output.log")
            self.fail("user data runs: %s\n%s\nconsole ends:\n%s" % (values["user_data_runs"], inside.stdout, console[-3000:]))
        self.assertEqual(self.ssh(second, "cat /etc/stratus-ami-mark").stdout.strip(), "from-c")
        # Deregistered and its snapshot deleted, the AMI's disk and states go.
        self.ec2.terminate_instances(InstanceIds=[second_id])
        self.waiter("instance_terminated", second_id)
        self.waiter("instance_terminated", first)
        self.ec2.deregister_image(ImageId=image)
        self.ec2.delete_snapshot(SnapshotId=snapshot)
        self.wait_for(lambda: not os.path.exists(states), 30, "the AMI's disk and states stayed")
