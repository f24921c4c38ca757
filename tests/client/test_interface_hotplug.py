"""A second network interface and a data volume in a running instance (TCG VMs, so minutes).

`a` and `b` run in the default subnet of one zone with a group that allows SSH only; `a` serves
HTTP on 8080 on all its addresses. An interface in a second subnet of the zone, with a group of
its own that allows 8080 from the VPC, is attached to running `a`: a NIC appears in the guest and
gets the interface's address by DHCP; `b` reaches `a`'s web server through that address (the
reply leaves by the same interface: the image routes by source address) but not through `a`'s
primary address. The metadata service lists both interfaces. An Elastic IP associated with the
interface reaches `a` from the host through it. The interface and its address stay across
stop/start; detaching takes the NIC out of the guest and makes the interface available; attaching
it again brings it back; terminating `a` leaves it available. A volume made in the zone is
hot-plugged into running `a` (the guest sees it by its id as serial, the metadata service lists
it), written, grown while attached, kept across stop/start; then the user's snapshot scenario:
files written on it, a snapshot while `a` runs, ~1% changed, a second snapshot that stores only
what changed (list-changed-blocks shows the few blocks), CreateSnapshots of both of a's volumes at one instant, a volume made from it in `b`'s zone (us-east-1b) attached to `b`, which reads the
files as they were at the second snapshot; the volume is detached from `a` once the guest lets
go. Needs root, QEMU, the base image."""

import glob
import os
import unittest

from harness import VmTestCase, skip_unless_vms

# A web server on 8080 that starts on every boot (a unit, not user data: that runs once).
WEB_SERVER = """#!/bin/bash
cat > /etc/systemd/system/web.service <<'UNIT'
[Service]
ExecStart=/usr/bin/python3 -m http.server 8080 --directory /var/tmp
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now web
"""


@skip_unless_vms
class InterfaceHotplugTest(VmTestCase):

    def curl_from(self, instance, address):
        """True when `instance` gets an HTTP answer from address:8080 within 3 s."""
        out = self.ssh(instance, "curl -s -o /dev/null -m 3 -w '%%{http_code}' http://%s:8080/" % address)
        return out.stdout.strip() == "200"

    def test_second_interface_is_hot_plugged_enforced_and_detached(self):
        self.create_key("eni")
        image = self.base_image()
        anywhere = [{"CidrIp": "0.0.0.0/0"}]
        ssh = self.ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": anywhere}])
        web = self.ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
        zone = "us-east-1a"
        ids = {}
        for name, user_data, where in (("a", WEB_SERVER, zone), ("b", "", "us-east-1b")):
            ids[name] = self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                               KeyName="eni", SecurityGroupIds=[ssh], UserData=user_data,
                                               Placement={"AvailabilityZone": where})["Instances"][0]["InstanceId"]
        vpc = self.describe(ids["a"])["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.201.0/24",
                                        AvailabilityZone=zone)["Subnet"]["SubnetId"]
        eni = self.ec2.create_network_interface(SubnetId=subnet, Groups=[web])["NetworkInterface"]
        eni_id, eni_ip = eni["NetworkInterfaceId"], eni["PrivateIpAddress"]
        for instance_id in ids.values():
            self.waiter("instance_running", instance_id)
        a, b = self.describe(ids["a"]), self.describe(ids["b"])
        self.wait_ssh(a)
        self.wait_ssh(b)
        up = self.ssh(a, "cloud-init status --wait >/dev/null; sudo systemctl is-active web", timeout=300)
        self.assertEqual(up.stdout.strip(), "active", up)
        self.assertFalse(self.curl_from(b, a["PrivateIpAddress"]))  # a's own group does not open 8080

        # Hot-plugged: the guest gets the address; only the interface's group opens 8080.
        self.attach(eni_id, a)
        self.wait_for(lambda: self.curl_from(b, eni_ip), 30, "b does not reach a through the new interface")
        self.assertFalse(self.curl_from(b, a["PrivateIpAddress"]))
        macs = self.ssh(a, "curl -s http://169.254.169.254/latest/meta-data/network/interfaces/macs/").stdout.split()
        self.assertEqual(sorted(m.strip("/") for m in macs),
                         sorted([a["NetworkInterfaces"][0]["MacAddress"], eni["MacAddress"]]))
        described = self.describe(ids["a"])
        self.assertEqual([e["NetworkInterfaceId"] for e in described["NetworkInterfaces"]],
                         [a["NetworkInterfaces"][0]["NetworkInterfaceId"], eni_id])

        # An Elastic IP on the interface reaches `a` through it (its group opens SSH too).
        self.ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": anywhere}])
        address = self.ec2.allocate_address(Domain="vpc")
        self.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=eni_id)
        by_eip = dict(a, PublicIpAddress=address["PublicIp"])
        self.wait_ssh(by_eip, deadline=30)
        self.assertEqual(self.ssh(by_eip, "hostname").stdout.strip(), a["PrivateDnsName"].split(".")[0])

        # A volume of its own in the zone, hot-plugged into running `a` and written there.
        volume_id = self.ec2.create_volume(AvailabilityZone=zone, Size=1, VolumeType="gp3")["VolumeId"]
        self.wait_for(lambda: self.volume(volume_id)["State"] == "available", 60, "the volume was not made")
        disk = self.attach_volume(volume_id, a, "/dev/sdf")
        written = self.ssh(a, "sudo mkfs.ext4 -q {0} && sudo mkdir -p /mnt/v && sudo mount {0} /mnt/v && "
                              "echo kept | sudo tee /mnt/v/file >/dev/null && sudo umount /mnt/v".format(disk))
        self.assertEqual(written.returncode, 0, written.stderr)
        mappings = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in self.describe(ids["a"])["BlockDeviceMappings"]}
        self.assertEqual(mappings["/dev/sdf"], volume_id)
        bdm = self.ssh(a, "curl -s http://169.254.169.254/latest/meta-data/block-device-mapping/ebs1").stdout
        self.assertEqual(bdm.strip(), "sdf")
        # Grown while attached: the guest sees the new size at once.
        self.ec2.modify_volume(VolumeId=volume_id, Size=2)
        self.wait_for(lambda: self.ec2.describe_volumes_modifications(VolumeIds=[volume_id])[
            "VolumesModifications"][0]["ModificationState"] == "completed", 60, "the modification did not complete")
        size = self.ssh(a, "sudo blockdev --getsize64 " + disk).stdout.strip()
        self.assertEqual(size, str(2 << 30))

        # Across stop/start the VM boots with both NICs and the volume.
        stopping = self.ec2.stop_instances(InstanceIds=[ids["a"]])["StoppingInstances"][0]
        self.assertEqual(stopping["CurrentState"]["Name"], "stopping")
        self.waiter("instance_stopped", ids["a"])
        self.ec2.start_instances(InstanceIds=[ids["a"]])
        self.waiter("instance_running", ids["a"])
        a = self.describe(ids["a"])
        self.wait_ssh(a)
        self.wait_for(lambda: self.address_of(a, "eth1") == eni_ip, 120, "eth1 has no address after stop/start")
        self.wait_for(lambda: self.curl_from(b, eni_ip), 60, "b does not reach a through eth1 after stop/start")
        self.wait_ssh(by_eip, deadline=30)  # the interface's Elastic IP stays with it
        self.assertEqual(self.ssh(a, "test -b " + disk).returncode, 0, "the volume is not in the guest after start")

        # Snapshots while `a` runs and writes: the second stores only what changed since the first.
        blocks = lambda: len(glob.glob(os.path.join(self.server.data_dir, "blocks", "*", "*.zst")))
        base = self.ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        self.wait_for(lambda: self.ec2.describe_snapshots(SnapshotIds=[base])["Snapshots"][0]["State"] == "completed",
                      120, "the base image's snapshot was not imported")
        base_blocks = blocks()
        mounted = self.ssh(a, "sudo mount {0} /mnt/v && sudo dd if=/dev/urandom of=/mnt/v/data bs=1M count=64 "
                              "status=none && echo one | sudo tee /mnt/v/file >/dev/null && sync".format(disk))
        self.assertEqual(mounted.returncode, 0, mounted.stderr)
        before = blocks()
        first = self.snapshot(volume_id)
        full = blocks() - before
        self.assertGreaterEqual(full, 128, "the first snapshot did not store the 64 MiB written")
        changed = self.ssh(a, "sudo dd if=/dev/urandom of=/mnt/v/data bs=1M count=1 seek=8 conv=notrunc status=none "
                              "&& echo two | sudo tee /mnt/v/file >/dev/null && sync && md5sum /mnt/v/data")
        self.assertEqual(changed.returncode, 0, changed.stderr)
        before = blocks()
        second = self.snapshot(volume_id)
        added = blocks() - before
        print("snapshots of a running guest's volume: %d blocks, then %d after a 1 MiB change" % (full, added))
        self.assertLess(added, full // 10, "the second snapshot was not incremental")
        ebs = self.server.client("us-east-1", service="ebs")
        changed_blocks = ebs.list_changed_blocks(FirstSnapshotId=first["SnapshotId"],
                                                 SecondSnapshotId=second["SnapshotId"])["ChangedBlocks"]
        listed = ebs.list_snapshot_blocks(SnapshotId=first["SnapshotId"])["Blocks"]
        print("list-changed-blocks: %d of the first snapshot's %d blocks" % (len(changed_blocks), len(listed)))
        self.assertTrue(0 < len(changed_blocks) < len(listed) // 10, "list-changed-blocks does not show ~1% changed")
        # CreateSnapshots: a's root and data volume at one instant (its VM held still meanwhile);
        # the guest runs on.
        both = self.ec2.create_snapshots(InstanceSpecification={"InstanceId": ids["a"]})["Snapshots"]
        self.assertEqual(len(both), 2)
        for snap in both:
            self.wait_for(lambda: self.ec2.describe_snapshots(SnapshotIds=[snap["SnapshotId"]])["Snapshots"][0][
                "State"] == "completed", 120, "a snapshot of CreateSnapshots did not complete")
        self.assertEqual(self.ssh(a, "true").returncode, 0, "the guest does not run on after CreateSnapshots")
        # Moved to another zone by way of the snapshot: `b` reads what `a` had at the second one.
        moved = self.ec2.create_volume(AvailabilityZone="us-east-1b", SnapshotId=second["SnapshotId"])["VolumeId"]
        self.wait_for(lambda: self.volume(moved)["State"] == "available", 120, "the volume was not restored")
        moved_disk = self.attach_volume(moved, b, "/dev/sdg")
        read = self.ssh(b, "sudo mkdir -p /mnt/v && sudo mount {0} /mnt/v && cat /mnt/v/file && md5sum /mnt/v/data && "
                           "sudo umount /mnt/v".format(moved_disk))
        self.assertEqual(read.stdout.split()[:2], ["two", changed.stdout.split()[0]], read.stderr)
        self.ec2.detach_volume(VolumeId=moved)
        self.wait_for(lambda: self.volume(moved)["State"] == "available", 60, "the volume did not come off b")
        self.ec2.delete_volume(VolumeId=moved)
        for snap in [first, second] + both:
            self.ec2.delete_snapshot(SnapshotId=snap["SnapshotId"])

        # Detached once the guest lets go.
        self.assertEqual(self.ssh(a, "sudo umount /mnt/v").returncode, 0)
        self.ec2.detach_volume(VolumeId=volume_id)
        took = self.wait_for(lambda: self.volume(volume_id)["State"] == "available", 60,
                             "the volume did not become available")
        print("volume detached -> available in %.1f s" % took)
        self.assertNotEqual(self.ssh(a, "test -b " + disk).returncode, 0, "the disk is still in the guest")
        self.ec2.delete_volume(VolumeId=volume_id)
        self.wait_for(lambda: blocks() == base_blocks, 30, "the deleted snapshots' blocks were not reclaimed")

        # Detached: the NIC leaves the guest, the interface is available, its address unreachable.
        attachment = self.interface(eni_id)["Attachment"]["AttachmentId"]
        self.ec2.detach_network_interface(AttachmentId=attachment)
        took = self.wait_for(lambda: self.interface(eni_id)["Status"] == "available", 60,
                             "the interface did not become available")
        print("detached -> available in %.1f s" % took)
        self.assertNotEqual(self.ssh(a, "ip link show eth1").returncode, 0, "eth1 is still in the guest")
        self.assertFalse(self.curl_from(b, eni_ip))

        # Attached again (the same QEMU ids are reused), then kept past termination.
        self.attach(eni_id, a)
        self.wait_for(lambda: self.curl_from(b, eni_ip), 30, "b does not reach a after re-attaching")
        self.ec2.terminate_instances(InstanceIds=[ids["a"]])
        self.wait_for(lambda: self.interface(eni_id)["Status"] == "available", 120,
                      "the interface did not outlive its instance")
        self.ec2.delete_network_interface(NetworkInterfaceId=eni_id)
        self.ec2.release_address(AllocationId=address["AllocationId"])


if __name__ == "__main__":
    unittest.main()
