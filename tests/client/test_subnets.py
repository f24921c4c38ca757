"""CreateSubnet / DeleteSubnet / DescribeSubnets and the default subnets."""

import ipaddress
import unittest

from harness import ACCOUNT_ID, MISSING, ZONES, StratusTestCase, tags_of, uniq


class DefaultSubnetsTest(StratusTestCase):

    def check_default_subnets(self, client, region):
        vpc = self.default_vpc(client)
        subnets = client.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        self.assertEqual(sorted(s["AvailabilityZone"] for s in subnets), ZONES[region])
        zone_ids = {z["ZoneName"]: z["ZoneId"] for z in
                    client.describe_availability_zones()["AvailabilityZones"]}
        vpc_net = ipaddress.ip_network("172.31.0.0/16")
        nets = []
        for s in subnets:
            self.assertIdShape("subnet", s["SubnetId"])
            self.assertEqual(s["VpcId"], vpc["VpcId"])
            self.assertTrue(s["DefaultForAz"])
            self.assertTrue(s["MapPublicIpOnLaunch"])
            self.assertEqual(s["State"], "available")
            self.assertEqual(s["AvailabilityZoneId"], zone_ids[s["AvailabilityZone"]])
            net = ipaddress.ip_network(s["CidrBlock"])
            self.assertEqual(net.prefixlen, 20)
            self.assertTrue(net.subnet_of(vpc_net), net)
            self.assertEqual(s["AvailableIpAddressCount"], 4091)
            self.assertEqual(s["OwnerId"], ACCOUNT_ID)
            nets.append(net)
        for i, a in enumerate(nets):
            for b in nets[i + 1:]:
                self.assertFalse(a.overlaps(b), (a, b))

    def test_default_subnets_us_east_1(self):
        self.check_default_subnets(self.ec2, "us-east-1")

    def test_default_subnets_ap_northeast_2(self):
        self.check_default_subnets(self.ec2_apne2, "ap-northeast-2")

    def test_default_vpc_contains_exactly_default_subnets(self):
        vpc_id = self.default_vpc()["VpcId"]
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        self.assertEqual(len(subnets), len(ZONES["us-east-1"]))


class SubnetTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vpc_id = cls.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        cls.zone_ids = {z["ZoneName"]: z["ZoneId"] for z in
                        cls.ec2.describe_availability_zones()["AvailabilityZones"]}

    def subnet(self, cidr, **kw):
        s = self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr, **kw)["Subnet"]
        self.addCleanup(self._delete_quietly, s["SubnetId"])
        return s

    def _delete_quietly(self, subnet_id):
        try:
            self.ec2.delete_subnet(SubnetId=subnet_id)
        except Exception:
            pass

    def vpc_subnet_count(self):
        return len(self.ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}])["Subnets"])

    def test_create_subnet_response(self):
        s = self.subnet("10.1.1.0/24", AvailabilityZone="us-east-1b")
        self.assertIdShape("subnet", s["SubnetId"])
        self.assertEqual(s["VpcId"], self.vpc_id)
        self.assertEqual(s["CidrBlock"], "10.1.1.0/24")
        self.assertEqual(s["AvailabilityZone"], "us-east-1b")
        self.assertEqual(s["AvailabilityZoneId"], self.zone_ids["us-east-1b"])
        self.assertIn(s["State"], ("pending", "available"))
        self.assertEqual(s["AvailableIpAddressCount"], 251)
        self.assertFalse(s["DefaultForAz"])
        self.assertFalse(s["MapPublicIpOnLaunch"])
        self.assertEqual(s["OwnerId"], ACCOUNT_ID)
        self.assertEqual(s["SubnetArn"], "arn:aws:ec2:us-east-1:%s:subnet/%s" % (ACCOUNT_ID, s["SubnetId"]))
        got = self.ec2.describe_subnets(SubnetIds=[s["SubnetId"]])["Subnets"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["State"], "available")
        self.assertEqual(got[0]["CidrBlock"], "10.1.1.0/24")

    def test_available_ip_count_by_size(self):
        for cidr, count in (("10.1.16.0/28", 11), ("10.1.32.0/20", 4091), ("10.1.2.0/23", 507)):
            with self.subTest(cidr=cidr):
                self.assertEqual(self.subnet(cidr)["AvailableIpAddressCount"], count)

    def test_create_by_zone_id(self):
        zid = self.zone_ids["us-east-1c"]
        s = self.subnet("10.1.3.0/24", AvailabilityZoneId=zid)
        self.assertEqual(s["AvailabilityZone"], "us-east-1c")
        self.assertEqual(s["AvailabilityZoneId"], zid)

    def test_create_without_zone_picks_region_zone(self):
        s = self.subnet("10.1.4.0/24")
        self.assertIn(s["AvailabilityZone"], ZONES["us-east-1"])

    def test_whole_vpc_cidr_allowed(self):
        vpc_id = self.make_vpc("10.50.0.0/24")
        s = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.50.0.0/24")["Subnet"]
        self.assertEqual(s["CidrBlock"], "10.50.0.0/24")

    def test_overlap_is_conflict(self):
        self.subnet("10.1.5.0/24")
        before = self.vpc_subnet_count()
        for cidr in ("10.1.5.0/24", "10.1.5.128/25", "10.1.4.0/23"):
            with self.subTest(cidr=cidr):
                with self.assertEc2Error("InvalidSubnet.Conflict", status=400):
                    self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr)
        self.assertEqual(self.vpc_subnet_count(), before)

    def test_outside_vpc_is_range(self):
        for cidr in ("10.2.0.0/24", "192.168.0.0/24", "10.0.0.0/15"):
            with self.subTest(cidr=cidr):
                with self.assertEc2Error("InvalidSubnet.Range", status=400):
                    self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr)

    def test_too_small_is_range(self):
        with self.assertEc2Error("InvalidSubnet.Range", status=400):
            self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.1.6.0/29")

    def test_malformed_cidr_is_invalid_parameter_value(self):
        for cidr in ("10.1.7.0/33", "10.1.7", "ten.one.seven.zero/24"):
            with self.subTest(cidr=cidr):
                with self.assertEc2Error("InvalidParameterValue", status=400):
                    self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr)

    def test_unknown_zone_is_invalid_parameter_value(self):
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.1.8.0/24",
                                   AvailabilityZone="us-east-1z")

    def test_zone_of_other_region_is_invalid_parameter_value(self):
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.1.9.0/24",
                                   AvailabilityZone="ap-northeast-2a")

    def test_unknown_vpc(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.create_subnet(VpcId=MISSING["vpc"], CidrBlock="10.1.10.0/24")

    def test_vpc_of_other_region_not_found(self):
        other = self.default_vpc(self.ec2_apne2)["VpcId"]
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.create_subnet(VpcId=other, CidrBlock="172.31.128.0/24")

    def test_delete_subnet(self):
        s = self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.1.11.0/24")["Subnet"]
        self.ec2.delete_subnet(SubnetId=s["SubnetId"])
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400):
            self.ec2.describe_subnets(SubnetIds=[s["SubnetId"]])
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400):
            self.ec2.delete_subnet(SubnetId=s["SubnetId"])
        # The range is free again.
        again = self.subnet("10.1.11.0/24")
        self.assertNotEqual(again["SubnetId"], s["SubnetId"])

    def test_describe_missing(self):
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400) as cm:
            self.ec2.describe_subnets(SubnetIds=[MISSING["subnet"]])
        self.assertIn(MISSING["subnet"], cm.exception.response["Error"]["Message"])

    def test_filters(self):
        a = self.subnet("10.1.12.0/24", AvailabilityZone="us-east-1a")
        b = self.subnet("10.1.13.0/24", AvailabilityZone="us-east-1c")

        def ids(*filters):
            return sorted(s["SubnetId"] for s in self.ec2.describe_subnets(Filters=list(filters))["Subnets"])

        vpcf = {"Name": "vpc-id", "Values": [self.vpc_id]}
        self.assertEqual(ids(vpcf, {"Name": "availability-zone", "Values": ["us-east-1a"]}),
                         [a["SubnetId"]])
        self.assertEqual(ids({"Name": "cidr-block", "Values": ["10.1.13.0/24"]}), [b["SubnetId"]])
        self.assertEqual(ids({"Name": "cidr-block", "Values": ["10.1.12.0/24", "10.1.13.0/24"]}),
                         sorted([a["SubnetId"], b["SubnetId"]]))
        self.assertEqual(ids({"Name": "subnet-id", "Values": [a["SubnetId"]]}), [a["SubnetId"]])
        self.assertEqual(ids(vpcf, {"Name": "availability-zone-id",
                                    "Values": [self.zone_ids["us-east-1c"]]}), [b["SubnetId"]])
        non_default = ids(vpcf, {"Name": "default-for-az", "Values": ["false"]})
        self.assertIn(a["SubnetId"], non_default)
        self.assertEqual(ids(vpcf, {"Name": "default-for-az", "Values": ["true"]}), [])
        self.assertIn(a["SubnetId"], ids(vpcf, {"Name": "state", "Values": ["available"]}))

    def test_tag_specifications(self):
        name = uniq("subnet")
        s = self.subnet("10.1.14.0/24", TagSpecifications=[
            {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}])
        self.assertEqual(tags_of(s), {"Name": name})
        got = self.ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [name]}])["Subnets"]
        self.assertEqual([x["SubnetId"] for x in got], [s["SubnetId"]])


if __name__ == "__main__":
    unittest.main()
