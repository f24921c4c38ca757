"""Network interfaces through boto3 and the aws CLI: every instance's interface with its
attachment, groups, addresses and public IP; interfaces of their own created, tagged, modified,
attached, detached and deleted, with AWS's errors; ids and filters. The server's AMI is a
stand-in, so the instances stay pending (attachments stay "attaching"; hot-plugging into running
VMs is tested end to end in test_interface_hotplug)."""

import time
import unittest

from harness import StandInImageTestCase


class NetworkInterfaceTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instances = cls.ec2.run_instances(ImageId=cls.image, InstanceType="t2.micro", MinCount=2,
                                              MaxCount=2)["Instances"]

    def test_each_instance_has_its_interface(self):
        first = self.instances[0]
        eni_id = first["NetworkInterfaces"][0]["NetworkInterfaceId"]
        got = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
        self.assertEqual(len(got), 1)
        eni = got[0]
        self.assertEqual(eni["Attachment"]["InstanceId"], first["InstanceId"])
        self.assertEqual(eni["Attachment"]["DeviceIndex"], 0)
        self.assertEqual(eni["Status"], "in-use")
        self.assertEqual(eni["InterfaceType"], "interface")
        self.assertEqual(eni["PrivateIpAddress"], first["PrivateIpAddress"])
        self.assertEqual(eni["SubnetId"], first["SubnetId"])
        self.assertEqual(eni["AvailabilityZone"], first["Placement"]["AvailabilityZone"])
        self.assertEqual(eni["Groups"][0]["GroupName"], "default")
        self.assertEqual(eni["Association"]["PublicIp"], first["PublicIpAddress"])
        self.assertTrue(eni["SourceDestCheck"])

        by_instance = self.server.aws("ec2", "describe-network-interfaces", "--filters",
                                      "Name=attachment.instance-id,Values=" + self.instances[1]["InstanceId"])
        self.assertEqual([e["NetworkInterfaceId"] for e in by_instance["NetworkInterfaces"]],
                         [self.instances[1]["NetworkInterfaces"][0]["NetworkInterfaceId"]])
        everything = self.ec2.describe_network_interfaces()["NetworkInterfaces"]
        self.assertEqual(len(everything), 2)
        with self.assertEc2Error("InvalidNetworkInterfaceID.NotFound"):
            self.ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])

    def subnet(self):
        """A second subnet of the default VPC in the instances' zone."""
        if not hasattr(self, "_subnet"):
            vpc = self.instances[0]["VpcId"]
            zone = self.instances[0]["Placement"]["AvailabilityZone"]
            type(self)._subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.210.0/24",
                                                        AvailabilityZone=zone)["Subnet"]
        return self._subnet

    def interface(self, eni_id):
        return self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]

    def test_create_tag_modify_and_delete(self):
        subnet = self.subnet()
        group = self.ec2.create_security_group(GroupName="eni-web", Description="web",
                                               VpcId=subnet["VpcId"])["GroupId"]
        eni = self.ec2.create_network_interface(
            SubnetId=subnet["SubnetId"], Description="second leg", Groups=[group],
            TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "role", "Value": "web"}]}],
        )["NetworkInterface"]
        eni_id = eni["NetworkInterfaceId"]
        self.assertEqual(eni["Status"], "available")
        self.assertEqual(eni["PrivateIpAddress"], "172.31.210.4")  # the first four are AWS's
        self.assertEqual(eni["SubnetId"], subnet["SubnetId"])
        self.assertEqual(eni["AvailabilityZone"], subnet["AvailabilityZone"])
        self.assertEqual(eni["Groups"], [{"GroupId": group, "GroupName": "eni-web"}])
        self.assertEqual(eni["TagSet"], [{"Key": "role", "Value": "web"}])
        self.assertEqual(eni["Description"], "second leg")
        self.assertNotIn("Attachment", eni)
        self.assertRegex(eni["MacAddress"], r"^02(:[0-9a-f]{2}){5}$")
        free = self.ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"]
        self.assertEqual(free, 256 - 5 - 1)  # AWS's five reserved, and this interface's
        by_count = self.ec2.describe_subnets(Filters=[{"Name": "available-ip-address-count", "Values": [str(free)]}])
        self.assertIn(subnet["SubnetId"], [s["SubnetId"] for s in by_count["Subnets"]])

        # A chosen address: taken, outside the subnet and reserved ones are refused.
        fixed = self.ec2.create_network_interface(SubnetId=subnet["SubnetId"],
                                                  PrivateIpAddress="172.31.210.50")["NetworkInterface"]
        self.assertEqual(fixed["Groups"][0]["GroupName"], "default")
        with self.assertEc2Error("InvalidIPAddress.InUse"):
            self.ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress="172.31.210.50")
        for outside in ("172.31.211.9", "172.31.210.2", "172.31.210.255"):
            with self.assertEc2Error("InvalidParameterValue"):
                self.ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress=outside)
        with self.assertEc2Error("InvalidSubnetID.NotFound"):
            self.ec2.create_network_interface(SubnetId="subnet-0123456789abcdef0")

        # Tags, description, source/destination check and groups change one at a time.
        self.server.aws("ec2", "create-tags", "--resources", eni_id, "--tags", "Key=team,Value=net")
        self.ec2.delete_tags(Resources=[eni_id], Tags=[{"Key": "role"}])
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "nat leg"})
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[group, fixed["Groups"][0]["GroupId"]])
        with self.assertEc2Error("InvalidParameterCombination"):
            self.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "x"},
                                                        SourceDestCheck={"Value": True})
        got = self.interface(eni_id)
        self.assertEqual(got["TagSet"], [{"Key": "team", "Value": "net"}])
        self.assertFalse(got["SourceDestCheck"])
        self.assertEqual(got["Description"], "nat leg")
        self.assertEqual(len(got["Groups"]), 2)
        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [eni_id]}])["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "net", "ResourceId": eni_id,
                                 "ResourceType": "network-interface"}])
        for name, value in (("tag:team", "net"), ("tag-key", "team")):
            by_tag = self.ec2.describe_network_interfaces(Filters=[{"Name": name, "Values": [value]}])
            self.assertEqual([e["NetworkInterfaceId"] for e in by_tag["NetworkInterfaces"]], [eni_id], name)
        available = self.server.aws("ec2", "describe-network-interfaces", "--filters", "Name=status,Values=available")
        self.assertEqual({e["NetworkInterfaceId"] for e in available["NetworkInterfaces"]},
                         {eni_id, fixed["NetworkInterfaceId"]})

        self.ec2.delete_network_interface(NetworkInterfaceId=fixed["NetworkInterfaceId"])
        self.server.aws("ec2", "delete-network-interface", "--network-interface-id", eni_id)
        with self.assertEc2Error("InvalidNetworkInterfaceID.NotFound"):
            self.ec2.delete_network_interface(NetworkInterfaceId=eni_id)
        with self.assertEc2Error("InvalidNetworkInterfaceID.Malformed"):
            self.ec2.delete_network_interface(NetworkInterfaceId="vpc-0123")

    def test_attach_detach_and_termination(self):
        subnet = self.subnet()
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1,
                                          MaxCount=1)["Instances"][0]
        instance_id = instance["InstanceId"]
        first = self.ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
        second = self.ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]

        attached = self.ec2.attach_network_interface(NetworkInterfaceId=first, InstanceId=instance_id, DeviceIndex=1)
        self.assertTrue(attached["AttachmentId"].startswith("eni-attach-"))
        eni = self.interface(first)
        self.assertEqual(eni["Status"], "in-use")
        self.assertEqual(eni["Attachment"]["InstanceId"], instance_id)
        self.assertEqual(eni["Attachment"]["DeviceIndex"], 1)
        self.assertFalse(eni["Attachment"]["DeleteOnTermination"])
        self.assertIn(eni["Attachment"]["Status"], ("attaching", "attached"))
        described = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        self.assertEqual([e["NetworkInterfaceId"] for e in described["NetworkInterfaces"]],
                         [instance["NetworkInterfaces"][0]["NetworkInterfaceId"], first])
        self.assertNotIn("TagSet", described["NetworkInterfaces"][1])

        with self.assertEc2Error("InvalidNetworkInterface.InUse"):
            self.ec2.attach_network_interface(NetworkInterfaceId=first, InstanceId=instance_id, DeviceIndex=2)
        with self.assertEc2Error("InvalidNetworkInterface.InUse"):
            self.ec2.delete_network_interface(NetworkInterfaceId=first)
        with self.assertEc2Error("InvalidParameterValue") as caught:
            self.ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=instance_id, DeviceIndex=1)
        self.assertIn("already has an interface attached at device index '1'", str(caught.exception))
        with self.assertEc2Error("AttachmentLimitExceeded"):  # t2.micro: two interfaces
            self.ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=instance_id, DeviceIndex=2)
        with self.assertEc2Error("OperationNotPermitted"):
            self.ec2.detach_network_interface(
                AttachmentId=instance["NetworkInterfaces"][0]["Attachment"]["AttachmentId"])
        with self.assertEc2Error("InvalidAttachmentID.NotFound"):
            self.ec2.detach_network_interface(AttachmentId="eni-attach-0123456789abcdef0")

        # Another zone's subnet: refused.
        zones = [z["ZoneName"] for z in self.ec2.describe_availability_zones()["AvailabilityZones"]]
        other_zone = [z for z in zones if z != instance["Placement"]["AvailabilityZone"]][0]
        far = self.ec2.create_subnet(VpcId=instance["VpcId"], CidrBlock="172.31.220.0/24",
                                     AvailabilityZone=other_zone)["Subnet"]["SubnetId"]
        far_eni = self.ec2.create_network_interface(SubnetId=far)["NetworkInterface"]["NetworkInterfaceId"]
        with self.assertEc2Error("InvalidParameterCombination"):
            self.ec2.attach_network_interface(NetworkInterfaceId=far_eni, InstanceId=self.instances[1]["InstanceId"],
                                              DeviceIndex=1)

        # The primary interface goes with the instance; an attached one whose
        # DeleteOnTermination is false stays, available (the reconciler releases it).
        self.server.aws("ec2", "detach-network-interface", "--attachment-id", attached["AttachmentId"])
        self.assertEqual(self.interface(first)["Attachment"]["Status"], "detaching")
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        deadline = time.time() + 30
        while self.interface(first)["Status"] != "available" and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.interface(first)["Status"], "available")
        self.assertNotIn("Attachment", self.interface(first))
        with self.assertEc2Error("InvalidNetworkInterfaceID.NotFound"):
            self.interface(instance["NetworkInterfaces"][0]["NetworkInterfaceId"])
        for eni_id in (first, second, far_eni):
            self.ec2.delete_network_interface(NetworkInterfaceId=eni_id)

    def test_elastic_ip_on_an_interface_of_its_own(self):
        subnet = self.subnet()
        eni_id = self.ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
        address = self.ec2.allocate_address(Domain="vpc")
        association = self.ec2.associate_address(AllocationId=address["AllocationId"],
                                                 NetworkInterfaceId=eni_id)["AssociationId"]
        eni = self.interface(eni_id)
        self.assertEqual(eni["Association"]["PublicIp"], address["PublicIp"])
        self.assertEqual(eni["Association"]["AllocationId"], address["AllocationId"])
        self.assertEqual(eni["Association"]["AssociationId"], association)
        described = self.ec2.describe_addresses(AllocationIds=[address["AllocationId"]])["Addresses"][0]
        self.assertEqual(described["NetworkInterfaceId"], eni_id)
        self.assertEqual(described["PrivateIpAddress"], eni["PrivateIpAddress"])
        self.assertNotIn("InstanceId", described)

        # Attached as a further interface, it keeps its address (the instance's own stays).
        instance = self.instances[1]
        self.ec2.attach_network_interface(NetworkInterfaceId=eni_id, InstanceId=instance["InstanceId"], DeviceIndex=1)
        described = self.ec2.describe_addresses(AllocationIds=[address["AllocationId"]])["Addresses"][0]
        self.assertEqual(described["InstanceId"], instance["InstanceId"])
        inside = self.describe_instance(instance["InstanceId"])
        self.assertEqual(inside["PublicIpAddress"], instance["PublicIpAddress"])
        self.assertEqual(inside["NetworkInterfaces"][1]["Association"]["PublicIp"], address["PublicIp"])
        with self.assertEc2Error("InvalidIPAddress.InUse"):
            self.ec2.release_address(AllocationId=address["AllocationId"])
        self.ec2.disassociate_address(AssociationId=association)
        self.assertNotIn("Association", self.interface(eni_id))
        self.assertNotIn("AssociationId", self.ec2.describe_addresses(
            AllocationIds=[address["AllocationId"]])["Addresses"][0])
        self.assertEqual(self.describe_instance(instance["InstanceId"])["PublicIpAddress"], instance["PublicIpAddress"])

        # Deleting an interface gives its address back to the account, still allocated.
        self.ec2.detach_network_interface(AttachmentId=self.interface(eni_id)["Attachment"]["AttachmentId"])
        other = self.ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
        self.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=other)
        self.ec2.delete_network_interface(NetworkInterfaceId=other)
        self.assertNotIn("AssociationId", self.ec2.describe_addresses(
            AllocationIds=[address["AllocationId"]])["Addresses"][0])
        self.ec2.release_address(AllocationId=address["AllocationId"])

    def test_run_instances_with_its_primary_interface_spelled_out(self):
        subnet = self.subnet()
        group = self.ec2.create_security_group(GroupName="eni-launch", Description="launch",
                                               VpcId=subnet["VpcId"])["GroupId"]
        primary = {"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "Groups": [group],
                   "PrivateIpAddress": "172.31.210.77", "AssociatePublicIpAddress": False}
        launch = dict(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1)
        instance = self.ec2.run_instances(NetworkInterfaces=[primary], **launch)["Instances"][0]
        self.assertEqual(instance["SubnetId"], subnet["SubnetId"])
        self.assertEqual(instance["PrivateIpAddress"], "172.31.210.77")
        self.assertEqual(instance["SecurityGroups"], [{"GroupId": group, "GroupName": "eni-launch"}])
        self.assertNotIn("PublicIpAddress", instance)
        with self.assertEc2Error("InvalidIPAddress.InUse"):
            self.ec2.run_instances(NetworkInterfaces=[primary], **launch)
        with self.assertEc2Error("InvalidParameterCombination"):
            self.ec2.run_instances(NetworkInterfaces=[primary], SubnetId=subnet["SubnetId"], **launch)
        with self.assertEc2Error("InvalidParameterCombination"):
            self.ec2.run_instances(NetworkInterfaces=[dict(primary, PrivateIpAddress="172.31.210.78")],
                                   ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=2)
        with self.assertEc2Error("UnsupportedOperation"):
            self.ec2.run_instances(NetworkInterfaces=[dict(primary, PrivateIpAddress="172.31.210.79"),
                                                      {"DeviceIndex": 1, "SubnetId": subnet["SubnetId"]}], **launch)
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])

    def describe_instance(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


if __name__ == "__main__":
    unittest.main()
