"""DescribeNetworkInterfaces through boto3 and the aws CLI: every instance's interface with its
attachment, groups, addresses and public IP; ids, filters, errors. The server's AMI is a
stand-in, so the instances stay pending."""

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


if __name__ == "__main__":
    unittest.main()
