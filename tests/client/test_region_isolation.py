"""Regions beyond us-east-1 work as us-east-1 does, each with its own default VPC and
resources that no other region sees (boto3 and the aws CLI)."""

import unittest

from harness import ZONES, AwsCliError, StratusTestCase, uniq

# Regions other than us-east-1 that scripts name most, on several continents.
OTHERS = ("us-west-2", "eu-west-1", "ap-northeast-2", "ap-southeast-2", "sa-east-1", "ca-central-1")


class RegionIsolationTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = {r: cls.server.client(r) for r in ("us-east-1",) + OTHERS}

    def test_each_region_has_its_own_default_vpc(self):
        defaults = {}
        for region, ec2 in self.clients.items():
            vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
            self.assertEqual(len(vpcs), 1, region)
            self.assertEqual(vpcs[0]["CidrBlock"], "172.31.0.0/16", region)
            defaults[region] = vpcs[0]["VpcId"]
            subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
            self.assertEqual(sorted(s["AvailabilityZone"] for s in subnets), ZONES[region], region)
            self.assertTrue(all(s["DefaultForAz"] for s in subnets), region)
            groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])
            self.assertEqual([g["GroupName"] for g in groups["SecurityGroups"]], ["default"], region)
        self.assertEqual(len(set(defaults.values())), len(defaults), defaults)

    def test_resources_stay_in_their_region(self):
        made = {}
        for region in OTHERS:
            ec2 = self.clients[region]
            vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "region", "Value": region}]}])["Vpc"]
            self.addCleanup(ec2.delete_vpc, VpcId=vpc["VpcId"])
            made[region] = vpc["VpcId"]
        for region in OTHERS:
            ec2 = self.clients[region]
            tagged = ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["region"]}])["Vpcs"]
            self.assertEqual([v["VpcId"] for v in tagged], [made[region]], region)
            self.assertEqual(tagged[0]["Tags"], [{"Key": "region", "Value": region}])
            other = made[OTHERS[(OTHERS.index(region) + 1) % len(OTHERS)]]
            with self.assertEc2Error("InvalidVpcID.NotFound"):
                ec2.describe_vpcs(VpcIds=[other])
            with self.assertEc2Error("InvalidVpcID.NotFound"):
                ec2.delete_vpc(VpcId=other)
            tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["region"]}])["Tags"]
            self.assertEqual([t["ResourceId"] for t in tags], [made[region]], region)
        self.assertEqual(self.clients["us-east-1"].describe_vpcs(
            Filters=[{"Name": "tag-key", "Values": ["region"]}])["Vpcs"], [])

    def test_key_pair_names_are_per_region(self):
        name = uniq("key")
        fingerprints = set()
        for region in ("eu-west-1", "ap-northeast-2"):
            ec2 = self.clients[region]
            key = ec2.create_key_pair(KeyName=name)
            self.addCleanup(ec2.delete_key_pair, KeyName=name)
            fingerprints.add(key["KeyFingerprint"])
        self.assertEqual(len(fingerprints), 2)
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.clients["us-west-2"].describe_key_pairs(KeyNames=[name])

    def test_aws_cli_in_other_regions(self):
        for region in ("eu-west-1", "us-west-2"):
            zones = self.server.aws("ec2", "describe-availability-zones", region=region)["AvailabilityZones"]
            self.assertEqual(sorted(z["ZoneName"] for z in zones), ZONES[region])
            group = self.server.aws("ec2", "create-security-group", "--group-name", uniq("cli"),
                                    "--description", "cli in " + region, "--vpc-id",
                                    self.default_vpc(self.clients[region])["VpcId"], region=region)
            self.addCleanup(self.clients[region].delete_security_group, GroupId=group["GroupId"])
            found = self.server.aws("ec2", "describe-security-groups", "--group-ids", group["GroupId"],
                                    region=region)["SecurityGroups"]
            self.assertEqual(found[0]["Description"], "cli in " + region)
            with self.assertRaises(AwsCliError) as raised:
                self.server.aws("ec2", "describe-security-groups", "--group-ids", group["GroupId"],
                                region="ap-southeast-2")
            self.assertIn("InvalidGroup.NotFound", raised.exception.proc.stderr)


if __name__ == "__main__":
    unittest.main()
