"""Elastic IPs through boto3 and the aws CLI: allocate, describe (ids, public IPs, filters,
tags), associate (instance or interface, AllowReassociation), disassociate, release; the
address replaces the instance's automatic public IP. The server's AMI is a stand-in, so the
instances stay pending (the packet-level checks are in test_network_enforcement)."""

import unittest

from harness import ACCOUNT_ID, StandInImageTestCase


class ElasticIpTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instances = [i["InstanceId"] for i in cls.ec2.run_instances(
            ImageId=cls.image, InstanceType="t2.micro", MinCount=2, MaxCount=2)["Instances"]]

    def instance(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    def test_allocate_describe_release(self):
        address = self.ec2.allocate_address(Domain="vpc", TagSpecifications=[
            {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "web"}]}])
        self.assertIdShape("eipalloc", address["AllocationId"])
        self.assertRegex(address["PublicIp"], r"^198\.19\.\d+\.\d+$")
        self.assertEqual(address["Domain"], "vpc")
        got = self.ec2.describe_addresses(AllocationIds=[address["AllocationId"]])["Addresses"]
        self.assertEqual(got[0]["PublicIp"], address["PublicIp"])
        self.assertEqual(got[0]["Tags"], [{"Key": "Name", "Value": "web"}])
        self.assertNotIn("AssociationId", got[0])
        by_tag = self.ec2.describe_addresses(Filters=[{"Name": "tag:Name", "Values": ["web"]}])["Addresses"]
        self.assertEqual([a["AllocationId"] for a in by_tag], [address["AllocationId"]])
        by_ip = self.server.aws("ec2", "describe-addresses", "--public-ips", address["PublicIp"])["Addresses"]
        self.assertEqual(by_ip[0]["AllocationId"], address["AllocationId"])
        self.ec2.release_address(AllocationId=address["AllocationId"])
        with self.assertEc2Error("InvalidAllocationID.NotFound"):
            self.ec2.describe_addresses(AllocationIds=[address["AllocationId"]])
        with self.assertEc2Error("InvalidAddress.NotFound"):
            self.ec2.describe_addresses(PublicIps=[address["PublicIp"]])
        with self.assertEc2Error("InvalidAllocationID.NotFound"):
            self.ec2.release_address(AllocationId=address["AllocationId"])

    def test_associate_replaces_the_automatic_public_ip_and_moves(self):
        first, second = self.instances
        automatic = self.instance(first)["PublicIpAddress"]
        address = self.ec2.allocate_address(Domain="vpc")
        association = self.ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=first)
        self.assertIdShape("eipassoc", association["AssociationId"])
        got = self.instance(first)
        self.assertEqual(got["PublicIpAddress"], address["PublicIp"])
        self.assertEqual(got["NetworkInterfaces"][0]["Association"]["IpOwnerId"], ACCOUNT_ID)
        described = self.ec2.describe_addresses(Filters=[{"Name": "instance-id", "Values": [first]}])["Addresses"]
        self.assertEqual(described[0]["AssociationId"], association["AssociationId"])
        self.assertEqual(described[0]["PrivateIpAddress"], got["PrivateIpAddress"])
        self.assertEqual(described[0]["NetworkInterfaceId"], got["NetworkInterfaces"][0]["NetworkInterfaceId"])

        # Releasing an associated address fails; moving it needs AllowReassociation.
        with self.assertEc2Error("InvalidIPAddress.InUse"):
            self.ec2.release_address(AllocationId=address["AllocationId"])
        eni = self.instance(second)["NetworkInterfaces"][0]["NetworkInterfaceId"]
        with self.assertEc2Error("Resource.AlreadyAssociated"):
            self.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=eni)
        self.assertEqual(self.instance(first)["PublicIpAddress"], address["PublicIp"])
        moved = self.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=eni,
                                           AllowReassociation=True)
        self.assertEqual(self.instance(second)["PublicIpAddress"], address["PublicIp"])
        # The first instance launched with an automatic address: it gets a new one.
        now = self.instance(first)["PublicIpAddress"]
        self.assertRegex(now, r"^198\.19\.")
        self.assertNotIn(now, (address["PublicIp"], automatic))

        self.ec2.disassociate_address(AssociationId=moved["AssociationId"])
        self.assertNotEqual(self.instance(second)["PublicIpAddress"], address["PublicIp"])
        self.assertNotIn("AssociationId", self.ec2.describe_addresses(
            AllocationIds=[address["AllocationId"]])["Addresses"][0])
        with self.assertEc2Error("InvalidAssociationID.NotFound"):
            self.ec2.disassociate_address(AssociationId=moved["AssociationId"])
        self.ec2.release_address(AllocationId=address["AllocationId"])

    def test_bad_targets_change_nothing(self):
        address = self.ec2.allocate_address(Domain="vpc")
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.associate_address(AllocationId=address["AllocationId"], InstanceId="i-0123456789abcdef0")
        with self.assertEc2Error("InvalidNetworkInterfaceID.NotFound"):
            self.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId="eni-0123456789abcdef0")
        with self.assertEc2Error("InvalidAllocationID.NotFound"):
            self.ec2.associate_address(AllocationId="eipalloc-0123456789abcdef0", InstanceId=self.instances[0])
        self.assertNotIn("AssociationId", self.ec2.describe_addresses(
            AllocationIds=[address["AllocationId"]])["Addresses"][0])
        self.ec2.release_address(AllocationId=address["AllocationId"])


if __name__ == "__main__":
    unittest.main()
