"""DHCP options sets: Create/Describe/Delete/AssociateDhcpOptions ("default" too), with AWS's
errors and no state change on failure. What instances get on their next lease is checked with
real VMs in test_vpc_isolation."""

import unittest

from harness import MISSING, StratusTestCase, uniq


def config(options):
    return {c["Key"]: [v["Value"] for v in c["Values"]] for c in options["DhcpConfigurations"]}


class DhcpOptionsTest(StratusTestCase):

    def create(self, configurations, **kw):
        """A new options set, deleted after the test unless the test deleted it."""
        options = self.ec2.create_dhcp_options(DhcpConfigurations=configurations, **kw)["DhcpOptions"]
        dopt = options["DhcpOptionsId"]
        self.addCleanup(lambda: self.ec2.describe_dhcp_options(Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}])
                        ["DhcpOptions"] and self.ec2.delete_dhcp_options(DhcpOptionsId=dopt))
        return options

    def test_default_set_of_every_vpc(self):
        vpc = self.default_vpc()
        options = self.ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"][0]
        self.assertEqual(config(options), {"domain-name": ["ec2.internal"],
                                           "domain-name-servers": ["AmazonProvidedDNS"]})
        other = self.server.client("eu-west-1")
        options = other.describe_dhcp_options(DhcpOptionsIds=[self.default_vpc(other)["DhcpOptionsId"]])
        self.assertEqual(config(options["DhcpOptions"][0])["domain-name"], ["eu-west-1.compute.internal"])

    def test_create_describe_associate_delete(self):
        tag = uniq("dopt")
        options = self.create([
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS", "192.0.2.53"]},
            {"Key": "ntp-servers", "Values": ["192.0.2.123"]},
            {"Key": "netbios-node-type", "Values": ["2"]}],
            TagSpecifications=[{"ResourceType": "dhcp-options", "Tags": [{"Key": "Name", "Value": tag}]}])
        dopt = options["DhcpOptionsId"]
        self.assertIdShape("dopt", dopt)
        self.assertEqual(options["OwnerId"], self.default_vpc()["OwnerId"])
        self.assertEqual(config(options)["domain-name-servers"], ["AmazonProvidedDNS", "192.0.2.53"])
        found = self.ec2.describe_dhcp_options(Filters=[{"Name": "tag:Name", "Values": [tag]}])["DhcpOptions"]
        self.assertEqual([o["DhcpOptionsId"] for o in found], [dopt])
        by_value = self.ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["corp.example"]}])
        self.assertEqual([o["DhcpOptionsId"] for o in by_value["DhcpOptions"]], [dopt])

        vpc = self.make_vpc("10.61.0.0/16")
        self.ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
        self.assertEqual(self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"], dopt)
        by_set = self.ec2.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in by_set], [vpc])
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_dhcp_options(DhcpOptionsId=dopt)
        self.ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
        self.assertEqual(self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"], "default")
        self.ec2.delete_dhcp_options(DhcpOptionsId=dopt)
        with self.assertEc2Error("InvalidDhcpOptionID.NotFound"):
            self.ec2.describe_dhcp_options(DhcpOptionsIds=[dopt])

    def test_bad_requests_change_nothing(self):
        before = self.ec2.describe_dhcp_options()["DhcpOptions"]
        bad = [
            [{"Key": "colour", "Values": ["red"]}],
            [{"Key": "domain-name-servers", "Values": ["not-an-ip"]}],
            [{"Key": "domain-name-servers", "Values": ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4",
                                                       "192.0.2.5"]}],
            [{"Key": "netbios-node-type", "Values": ["3"]}],
            [{"Key": "domain-name", "Values": ["a.example"]}, {"Key": "domain-name", "Values": ["b.example"]}],
        ]
        for configurations in bad:
            with self.subTest(configurations=configurations):
                with self.assertEc2Error("InvalidParameterValue"):
                    self.ec2.create_dhcp_options(DhcpConfigurations=configurations)
        vpc = self.default_vpc()["VpcId"]
        with self.assertEc2Error("InvalidDhcpOptionID.NotFound"):
            self.ec2.associate_dhcp_options(DhcpOptionsId="dopt-0123456789abcdef0", VpcId=vpc)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=MISSING["vpc"])
        with self.assertEc2Error("InvalidDhcpOptionID.NotFound"):
            self.ec2.delete_dhcp_options(DhcpOptionsId="dopt-0123456789abcdef0")
        self.assertEqual(self.ec2.describe_dhcp_options()["DhcpOptions"], before)

    def test_aws_cli(self):
        out = self.server.aws("ec2", "create-dhcp-options", "--dhcp-configurations",
                              "Key=domain-name,Values=cli.example", region="us-west-2")
        dopt = out["DhcpOptions"]["DhcpOptionsId"]
        self.server.aws("ec2", "delete-dhcp-options", "--dhcp-options-id", dopt, region="us-west-2")
        gone = self.server.aws_proc("ec2", "describe-dhcp-options", "--dhcp-options-ids", dopt, region="us-west-2")
        self.assertIn("InvalidDhcpOptionID.NotFound", gone.stderr)


if __name__ == "__main__":
    unittest.main()
