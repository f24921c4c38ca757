"""CreateVpc / DeleteVpc / DescribeVpcs and the default VPC."""

import unittest

from harness import ACCOUNT_ID, MISSING, StratusTestCase, tags_of, uniq


class DefaultVpcTest(StratusTestCase):

    def check_default_vpc(self, client):
        vpc = self.default_vpc(client)
        self.assertIdShape("vpc", vpc["VpcId"])
        self.assertEqual(vpc["CidrBlock"], "172.31.0.0/16")
        self.assertTrue(vpc["IsDefault"])
        self.assertEqual(vpc["State"], "available")
        self.assertEqual(vpc["OwnerId"], ACCOUNT_ID)
        self.assertEqual(vpc.get("InstanceTenancy"), "default")
        assoc = vpc["CidrBlockAssociationSet"]
        self.assertEqual([a["CidrBlock"] for a in assoc], ["172.31.0.0/16"])
        self.assertEqual(assoc[0]["CidrBlockState"]["State"], "associated")
        return vpc

    def test_default_vpc_us_east_1(self):
        self.check_default_vpc(self.ec2)

    def test_default_vpc_ap_northeast_2(self):
        self.check_default_vpc(self.ec2_apne2)

    def test_default_vpcs_differ_per_region(self):
        a = self.default_vpc(self.ec2)["VpcId"]
        b = self.default_vpc(self.ec2_apne2)["VpcId"]
        self.assertNotEqual(a, b)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=[b])

    def test_default_vpc_has_igw_route_table_and_sg(self):
        vpc_id = self.default_vpc()["VpcId"]
        f = [{"Name": "vpc-id", "Values": [vpc_id]}]
        sgs = self.ec2.describe_security_groups(Filters=f)["SecurityGroups"]
        self.assertEqual([g["GroupName"] for g in sgs], ["default"])
        rts = self.ec2.describe_route_tables(Filters=f)["RouteTables"]
        self.assertEqual(len(rts), 1)
        self.assertTrue(any(a.get("Main") for a in rts[0]["Associations"]))
        igws = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual(len(igws), 1)

    def test_cidr_block_filter_and_unknown_filters_refused_up_front(self):
        vpc = self.default_vpc()
        got = self.ec2.describe_vpcs(Filters=[{"Name": "cidr-block", "Values": [vpc["CidrBlock"]]}])["Vpcs"]
        self.assertIn(vpc["VpcId"], [v["VpcId"] for v in got])
        self.assertEqual(self.ec2.describe_vpcs(Filters=[{"Name": "cidr-block", "Values": ["10.255.0.0/16"]}])["Vpcs"], [])
        # AWS refuses an unknown filter name whatever the data, even when nothing would reach it.
        for describe in (lambda: self.ec2.describe_vpcs(Filters=[{"Name": "no-such-filter", "Values": ["x"]}]),
                         lambda: self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": ["vpc-00000000"]},
                                                                    {"Name": "no-such-filter", "Values": ["x"]}])):
            with self.assertEc2Error("InvalidParameterValue", status=400):
                describe()

    def test_is_default_filter(self):
        vpcs = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        self.assertEqual(len(vpcs), 1)
        vpc_id = self.make_vpc("10.10.0.0/16")
        non_default = self.ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
        self.assertIn(vpc_id, [v["VpcId"] for v in non_default])
        self.assertNotIn(vpcs[0]["VpcId"], [v["VpcId"] for v in non_default])


class VpcTest(StratusTestCase):

    def test_create_vpc_response(self):
        r = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")
        vpc = r["Vpc"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc["VpcId"])
        self.assertIdShape("vpc", vpc["VpcId"])
        self.assertEqual(vpc["CidrBlock"], "10.0.0.0/16")
        self.assertIn(vpc["State"], ("pending", "available"))
        self.assertFalse(vpc["IsDefault"])
        self.assertEqual(vpc["OwnerId"], ACCOUNT_ID)
        self.assertEqual(vpc["InstanceTenancy"], "default")
        self.assertTrue(vpc.get("DhcpOptionsId"))
        self.assertEqual([a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]], ["10.0.0.0/16"])
        self.assertTrue(vpc["CidrBlockAssociationSet"][0]["AssociationId"].startswith("vpc-cidr-assoc-"))

        got = self.ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["State"], "available")
        self.assertEqual(got[0]["CidrBlock"], "10.0.0.0/16")

    def test_create_vpc_makes_main_route_table_and_default_sg(self):
        vpc_id = self.make_vpc("10.1.0.0/16")
        f = [{"Name": "vpc-id", "Values": [vpc_id]}]
        rts = self.ec2.describe_route_tables(Filters=f)["RouteTables"]
        self.assertEqual(len(rts), 1)
        rt = rts[0]
        self.assertEqual([a["Main"] for a in rt["Associations"]], [True])
        self.assertEqual([(x["DestinationCidrBlock"], x["GatewayId"]) for x in rt["Routes"]],
                         [("10.1.0.0/16", "local")])
        sgs = self.ec2.describe_security_groups(Filters=f)["SecurityGroups"]
        self.assertEqual([g["GroupName"] for g in sgs], ["default"])

    def test_delete_vpc_removes_it_and_its_defaults(self):
        vpc_id = self.ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
        f = [{"Name": "vpc-id", "Values": [vpc_id]}]
        self.ec2.delete_vpc(VpcId=vpc_id)
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.describe_vpcs(VpcIds=[vpc_id])
        self.assertEqual(self.ec2.describe_route_tables(Filters=f)["RouteTables"], [])
        self.assertEqual(self.ec2.describe_security_groups(Filters=f)["SecurityGroups"], [])
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.delete_vpc(VpcId=vpc_id)

    def test_delete_missing_vpc(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400) as cm:
            self.ec2.delete_vpc(VpcId=MISSING["vpc"])
        self.assertIn(MISSING["vpc"], cm.exception.response["Error"]["Message"])

    def test_describe_missing_vpc(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.describe_vpcs(VpcIds=[MISSING["vpc"]])

    def test_describe_mix_of_existing_and_missing_is_error(self):
        existing = self.default_vpc()["VpcId"]
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=[existing, MISSING["vpc"]])

    def test_delete_vpc_with_subnet_is_dependency_violation(self):
        vpc_id = self.make_vpc("10.3.0.0/16")
        sn = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.3.1.0/24")["Subnet"]["SubnetId"]
        with self.assertEc2Error("DependencyViolation", status=400):
            self.ec2.delete_vpc(VpcId=vpc_id)
        self.assertEqual(len(self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]), 1)
        self.ec2.delete_subnet(SubnetId=sn)
        self.ec2.delete_vpc(VpcId=vpc_id)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=[vpc_id])

    def test_delete_vpc_with_attached_igw_is_dependency_violation(self):
        vpc_id = self.make_vpc("10.4.0.0/16")
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_vpc(VpcId=vpc_id)

    def test_delete_vpc_with_extra_security_group_is_dependency_violation(self):
        vpc_id = self.make_vpc("10.5.0.0/16")
        self.ec2.create_security_group(GroupName="extra", Description="x", VpcId=vpc_id)
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_vpc(VpcId=vpc_id)

    def test_invalid_cidr(self):
        for bad in ("10.0.0.0/33", "300.0.0.0/16", "10.0.0/16", "banana"):
            with self.subTest(cidr=bad):
                with self.assertEc2Error("InvalidParameterValue", status=400):
                    self.ec2.create_vpc(CidrBlock=bad)

    def test_cidr_size_out_of_range(self):
        for bad in ("10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29"):
            with self.subTest(cidr=bad):
                with self.assertEc2Error("InvalidVpc.Range", status=400):
                    self.ec2.create_vpc(CidrBlock=bad)

    def test_boundary_sizes_accepted(self):
        for cidr in ("10.20.0.0/28", "10.21.0.0/16"):
            with self.subTest(cidr=cidr):
                vpc_id = self.make_vpc(cidr)
                self.assertEqual(self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"], cidr)

    def test_tag_specifications_and_tag_filter(self):
        name = uniq("vpc")
        r = self.ec2.create_vpc(CidrBlock="10.6.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}, {"Key": "env", "Value": "test"}]}])
        vpc_id = r["Vpc"]["VpcId"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc_id)
        self.assertEqual(tags_of(r["Vpc"]), {"Name": name, "env": "test"})
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [vpc_id])
        self.assertEqual(tags_of(got[0]), {"Name": name, "env": "test"})
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["env"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [vpc_id])

    def test_filters(self):
        vpc_id = self.make_vpc("10.7.0.0/16")
        cases = [
            ("vpc-id", vpc_id),
            ("cidr", "10.7.0.0/16"),
            ("cidr-block-association.cidr-block", "10.7.0.0/16"),
        ]
        for name, value in cases:
            with self.subTest(filter=name):
                got = self.ec2.describe_vpcs(Filters=[{"Name": name, "Values": [value]}])["Vpcs"]
                self.assertEqual([v["VpcId"] for v in got], [vpc_id])
        got = self.ec2.describe_vpcs(Filters=[{"Name": "state", "Values": ["available"]},
                                              {"Name": "owner-id", "Values": [ACCOUNT_ID]}])["Vpcs"]
        self.assertIn(vpc_id, [v["VpcId"] for v in got])
        got = self.ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["192.0.2.0/24"]}])["Vpcs"]
        self.assertEqual(got, [])

    def test_filters_are_anded_values_ored(self):
        a = self.make_vpc("10.8.0.0/16")
        b = self.make_vpc("10.9.0.0/16")
        got = self.ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [a, b]}])["Vpcs"]
        self.assertEqual(sorted(v["VpcId"] for v in got), sorted([a, b]))
        got = self.ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [a, b]},
                                              {"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [b])

    def test_regions_are_isolated(self):
        vpc_id = self.make_vpc("10.11.0.0/16", client=self.ec2_apne2)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=[vpc_id])
        self.assertEqual(len(self.ec2_apne2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]), 1)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.delete_vpc(VpcId=vpc_id)


class SecondaryCidrTest(StratusTestCase):
    """AssociateVpcCidrBlock / DisassociateVpcCidrBlock: subnets in a secondary CIDR, local routes
    in every table, AWS's restrictions, no state change on failure."""

    def vpc(self, vpc_id):
        return self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]

    def local_routes(self, vpc_id):
        tables = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        return [sorted(r["DestinationCidrBlock"] for r in t["Routes"] if r.get("GatewayId") == "local") for t in tables]

    def test_associate_use_and_disassociate(self):
        vpc_id = self.make_vpc("10.80.0.0/16")
        custom = self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        self.addCleanup(self.ec2.delete_route_table, RouteTableId=custom)
        r = self.ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="100.64.0.0/16")
        self.assertEqual(r["VpcId"], vpc_id)
        association = r["CidrBlockAssociation"]
        self.assertEqual(association["CidrBlock"], "100.64.0.0/16")
        self.assertEqual(association["CidrBlockState"]["State"], "associated")
        vpc = self.vpc(vpc_id)
        self.assertEqual(vpc["CidrBlock"], "10.80.0.0/16")
        self.assertEqual([a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]], ["10.80.0.0/16", "100.64.0.0/16"])
        self.assertEqual(self.local_routes(vpc_id), [["10.80.0.0/16", "100.64.0.0/16"]] * 2)
        found = self.ec2.describe_vpcs(Filters=[{"Name": "cidr-block-association.cidr-block",
                                                 "Values": ["100.64.0.0/16"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in found], [vpc_id])
        # A subnet may live in the secondary CIDR; the secondary cannot go while it is there.
        subnet = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock="100.64.1.0/24")["Subnet"]["SubnetId"]
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
        self.ec2.delete_subnet(SubnetId=subnet)
        out = self.ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
        self.assertEqual(out["CidrBlockAssociation"]["CidrBlockState"]["State"], "disassociated")
        self.assertEqual([a["CidrBlock"] for a in self.vpc(vpc_id)["CidrBlockAssociationSet"]], ["10.80.0.0/16"])
        self.assertEqual(self.local_routes(vpc_id), [["10.80.0.0/16"]] * 2)
        with self.assertEc2Error("InvalidSubnet.Range"):
            self.ec2.create_subnet(VpcId=vpc_id, CidrBlock="100.64.1.0/24")

    def test_refusals_change_nothing(self):
        vpc_id = self.make_vpc("10.81.0.0/16")
        primary = self.vpc(vpc_id)["CidrBlockAssociationSet"][0]["AssociationId"]
        before = self.vpc(vpc_id)
        cases = [
            ("10.81.128.0/17", "InvalidVpc.Range"),     # overlaps the primary
            ("10.82.0.0/15", "InvalidVpc.Range"),       # larger than /16
            ("10.82.0.0/29", "InvalidVpc.Range"),       # smaller than /28
            ("198.19.0.0/16", "InvalidVpc.Range"),      # reserved by AWS
            ("10.82.0.0/33", "InvalidParameterValue"),
        ]
        for cidr, code in cases:
            with self.subTest(cidr=cidr):
                with self.assertEc2Error(code):
                    self.ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=cidr)
        with self.assertEc2Error("OperationNotPermitted"):
            self.ec2.disassociate_vpc_cidr_block(AssociationId=primary)
        with self.assertEc2Error("InvalidVpcCidrBlockAssociationID.NotFound"):
            self.ec2.disassociate_vpc_cidr_block(AssociationId="vpc-cidr-assoc-0123456789abcdef0")
        self.assertEqual(self.vpc(vpc_id), before)

    def test_at_most_five_cidrs(self):
        vpc_id = self.make_vpc("10.83.0.0/16")
        for i in range(4):
            self.ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.%d.0.0/16" % (90 + i))
        with self.assertEc2Error("CidrLimitExceeded"):
            self.ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.95.0.0/16")
        self.assertEqual(len(self.vpc(vpc_id)["CidrBlockAssociationSet"]), 5)
        for a in self.vpc(vpc_id)["CidrBlockAssociationSet"][1:]:
            self.ec2.disassociate_vpc_cidr_block(AssociationId=a["AssociationId"])


if __name__ == "__main__":
    unittest.main()
