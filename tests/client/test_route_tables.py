"""Route tables: main table, CreateRouteTable, CreateRoute/DeleteRoute,
Associate/Disassociate, DeleteRouteTable."""

import unittest

from harness import MISSING, StratusTestCase, tags_of, uniq


def routes_of(rt):
    return sorted((r.get("DestinationCidrBlock"), r.get("GatewayId")) for r in rt["Routes"])


class DefaultRouteTableTest(StratusTestCase):

    def test_default_vpc_main_route_table(self):
        vpc_id = self.default_vpc()["VpcId"]
        igw = {"InternetGatewayId": self.default_igw_id()}
        rts = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                     {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        self.assertEqual(len(rts), 1)
        rt = rts[0]
        self.assertIdShape("rtb", rt["RouteTableId"])
        self.assertEqual(routes_of(rt), sorted([("0.0.0.0/0", igw["InternetGatewayId"]),
                                                ("172.31.0.0/16", "local")]))
        for r in rt["Routes"]:
            self.assertEqual(r["State"], "active", r)
        local = [r for r in rt["Routes"] if r["GatewayId"] == "local"][0]
        self.assertEqual(local["Origin"], "CreateRouteTable")
        main = [a for a in rt["Associations"] if a["Main"]]
        self.assertEqual(len(main), 1)
        self.assertIdShape("rtbassoc", main[0]["RouteTableAssociationId"])
        self.assertEqual(main[0]["RouteTableId"], rt["RouteTableId"])
        self.assertNotIn("SubnetId", main[0])
        self.assertEqual(main[0]["AssociationState"]["State"], "associated")

    def test_default_route_table_ap_northeast_2(self):
        vpc_id = self.default_vpc(self.ec2_apne2)["VpcId"]
        rts = self.ec2_apne2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        self.assertEqual(len(rts), 1)
        self.assertIn(("172.31.0.0/16", "local"), routes_of(rts[0]))
        self.assertIn("0.0.0.0/0", [d for d, _ in routes_of(rts[0])])

    def test_delete_main_route_table_is_dependency_violation(self):
        vpc_id = self.default_vpc()["VpcId"]
        rt = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                     {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
        with self.assertEc2Error("DependencyViolation", status=400):
            self.ec2.delete_route_table(RouteTableId=rt["RouteTableId"])


class RouteTableTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vpc_id = cls.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        cls.subnet_a = cls.ec2.create_subnet(VpcId=cls.vpc_id, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
        cls.subnet_b = cls.ec2.create_subnet(VpcId=cls.vpc_id, CidrBlock="10.1.2.0/24")["Subnet"]["SubnetId"]
        cls.igw = cls.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        cls.ec2.attach_internet_gateway(InternetGatewayId=cls.igw, VpcId=cls.vpc_id)

    def rtb(self, **kw):
        rt = self.ec2.create_route_table(VpcId=self.vpc_id, **kw)["RouteTable"]
        self.addCleanup(self._cleanup_rt, rt["RouteTableId"])
        return rt

    def _cleanup_rt(self, rt_id):
        try:
            rt = self.describe(rt_id)
        except Exception:
            return
        for a in rt["Associations"]:
            if not a["Main"]:
                try:
                    self.ec2.disassociate_route_table(AssociationId=a["RouteTableAssociationId"])
                except Exception:
                    pass
        try:
            self.ec2.delete_route_table(RouteTableId=rt_id)
        except Exception:
            pass

    def describe(self, rt_id):
        got = self.ec2.describe_route_tables(RouteTableIds=[rt_id])["RouteTables"]
        self.assertEqual(len(got), 1)
        return got[0]

    def test_create_route_table(self):
        rt = self.rtb()
        self.assertIdShape("rtb", rt["RouteTableId"])
        self.assertEqual(rt["VpcId"], self.vpc_id)
        self.assertEqual(rt["Associations"], [])
        self.assertEqual(routes_of(rt), [("10.1.0.0/16", "local")])
        self.assertEqual(rt["Routes"][0]["State"], "active")
        d = self.describe(rt["RouteTableId"])
        self.assertEqual(routes_of(d), [("10.1.0.0/16", "local")])
        self.assertEqual(d["Associations"], [])

    def test_create_route_table_missing_vpc(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.create_route_table(VpcId=MISSING["vpc"])

    def test_create_and_delete_route(self):
        rt = self.rtb()["RouteTableId"]
        r = self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=self.igw)
        self.assertTrue(r["Return"])
        d = self.describe(rt)
        self.assertEqual(routes_of(d), sorted([("0.0.0.0/0", self.igw), ("10.1.0.0/16", "local")]))
        added = [x for x in d["Routes"] if x.get("DestinationCidrBlock") == "0.0.0.0/0"][0]
        self.assertEqual(added["Origin"], "CreateRoute")
        self.assertEqual(added["State"], "active")
        got = self.ec2.describe_route_tables(Filters=[
            {"Name": "route.destination-cidr-block", "Values": ["0.0.0.0/0"]},
            {"Name": "vpc-id", "Values": [self.vpc_id]}])["RouteTables"]
        self.assertIn(rt, [x["RouteTableId"] for x in got])
        got = self.ec2.describe_route_tables(Filters=[
            {"Name": "route.gateway-id", "Values": [self.igw]}])["RouteTables"]
        self.assertIn(rt, [x["RouteTableId"] for x in got])

        self.ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
        self.assertEqual(routes_of(self.describe(rt)), [("10.1.0.0/16", "local")])
        with self.assertEc2Error("InvalidRoute.NotFound", status=400):
            self.ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")

    def test_duplicate_route(self):
        rt = self.rtb()["RouteTableId"]
        self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="192.168.0.0/16", GatewayId=self.igw)
        with self.assertEc2Error("RouteAlreadyExists", status=400):
            self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="192.168.0.0/16", GatewayId=self.igw)
        self.assertEqual(len(self.describe(rt)["Routes"]), 2)

    def test_route_to_missing_table(self):
        with self.assertEc2Error("InvalidRouteTableID.NotFound", status=400):
            self.ec2.create_route(RouteTableId=MISSING["rtb"], DestinationCidrBlock="0.0.0.0/0",
                                  GatewayId=self.igw)

    def test_route_to_missing_gateway(self):
        rt = self.rtb()["RouteTableId"]
        with self.assertEc2Error(("InvalidGatewayID.NotFound", "InvalidInternetGatewayID.NotFound")):
            self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
                                  GatewayId=MISSING["igw"])
        self.assertEqual(routes_of(self.describe(rt)), [("10.1.0.0/16", "local")])

    def test_route_to_igw_of_other_vpc(self):
        rt = self.rtb()["RouteTableId"]
        default_igw = self.default_igw_id()
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
                                  GatewayId=default_igw)

    def test_route_to_a_network_interface(self):
        rt = self.rtb()["RouteTableId"]
        eni = self.ec2.create_network_interface(SubnetId=self.subnet_a)["NetworkInterface"]["NetworkInterfaceId"]
        self.addCleanup(self.ec2.delete_network_interface, NetworkInterfaceId=eni)
        self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
        route = [r for r in self.describe(rt)["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0"][0]
        self.assertEqual(route["NetworkInterfaceId"], eni)
        self.assertEqual(route["Origin"], "CreateRoute")
        # An interface attached to no running instance forwards nothing.
        self.assertEqual(route["State"], "blackhole")
        self.assertNotIn("InstanceId", route)
        for name, value in (("route.network-interface-id", eni), ("route.state", "blackhole")):
            got = self.ec2.describe_route_tables(Filters=[{"Name": name, "Values": [value]}])["RouteTables"]
            self.assertEqual([x["RouteTableId"] for x in got], [rt], name)
        # ReplaceRoute moves the destination back to the gateway.
        self.ec2.replace_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=self.igw)
        route = [r for r in self.describe(rt)["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0"][0]
        self.assertEqual((route.get("GatewayId"), route.get("NetworkInterfaceId"), route["State"]),
                         (self.igw, None, "active"))
        self.ec2.replace_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
        self.assertIn(eni, [r.get("NetworkInterfaceId") for r in self.describe(rt)["Routes"]])

    def test_route_target_errors(self):
        rt = self.rtb()["RouteTableId"]
        eni = self.ec2.create_network_interface(SubnetId=self.subnet_a)["NetworkInterface"]["NetworkInterfaceId"]
        self.addCleanup(self.ec2.delete_network_interface, NetworkInterfaceId=eni)
        default_subnet = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
        foreign = self.ec2.create_network_interface(SubnetId=default_subnet["SubnetId"])["NetworkInterface"]
        self.addCleanup(self.ec2.delete_network_interface, NetworkInterfaceId=foreign["NetworkInterfaceId"])
        cases = [
            ("InvalidParameterCombination", dict(GatewayId=self.igw, NetworkInterfaceId=eni)),
            ("InvalidNetworkInterfaceID.NotFound", dict(NetworkInterfaceId="eni-0123456789abcdef0")),
            ("InvalidNetworkInterfaceID.Malformed", dict(NetworkInterfaceId="nope")),
            ("InvalidParameterValue", dict(NetworkInterfaceId=foreign["NetworkInterfaceId"])),
            ("InvalidInstanceID.NotFound", dict(InstanceId="i-0123456789abcdef0")),
            ("InvalidParameterValue", dict(NatGatewayId="nat-0123456789abcdef0")),
            ("InvalidParameterValue", dict(TransitGatewayId="tgw-0123456789abcdef0")),
            ("InvalidParameterValue", dict()),
        ]
        for code, target in cases:
            with self.subTest(code=code, target=target):
                with self.assertEc2Error(code, status=400):
                    self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", **target)
        self.assertEqual(routes_of(self.describe(rt)), [("10.1.0.0/16", "local")])

    def test_malformed_destination(self):
        rt = self.rtb()["RouteTableId"]
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/99", GatewayId=self.igw)

    def test_delete_local_route_refused(self):
        rt = self.rtb()["RouteTableId"]
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="10.1.0.0/16")
        self.assertEqual(routes_of(self.describe(rt)), [("10.1.0.0/16", "local")])

    def test_associate_and_disassociate(self):
        rt = self.rtb()["RouteTableId"]
        r = self.ec2.associate_route_table(RouteTableId=rt, SubnetId=self.subnet_a)
        assoc = r["AssociationId"]
        self.assertIdShape("rtbassoc", assoc)
        self.assertEqual(r["AssociationState"]["State"], "associated")
        d = self.describe(rt)
        self.assertEqual(len(d["Associations"]), 1)
        a = d["Associations"][0]
        self.assertEqual((a["SubnetId"], a["Main"], a["RouteTableAssociationId"]),
                         (self.subnet_a, False, assoc))
        got = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [self.subnet_a]}])["RouteTables"]
        self.assertEqual([x["RouteTableId"] for x in got], [rt])
        got = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.route-table-association-id", "Values": [assoc]}])["RouteTables"]
        self.assertEqual([x["RouteTableId"] for x in got], [rt])

        self.ec2.disassociate_route_table(AssociationId=assoc)
        self.assertEqual(self.describe(rt)["Associations"], [])
        with self.assertEc2Error("InvalidAssociationID.NotFound", status=400):
            self.ec2.disassociate_route_table(AssociationId=assoc)

    def test_subnet_can_only_have_one_explicit_association(self):
        rt1 = self.rtb()["RouteTableId"]
        rt2 = self.rtb()["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=rt1, SubnetId=self.subnet_b)
        with self.assertEc2Error("Resource.AlreadyAssociated", status=400):
            self.ec2.associate_route_table(RouteTableId=rt2, SubnetId=self.subnet_b)
        self.assertEqual(self.describe(rt2)["Associations"], [])

    def test_associate_missing_subnet_or_table(self):
        rt = self.rtb()["RouteTableId"]
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400):
            self.ec2.associate_route_table(RouteTableId=rt, SubnetId=MISSING["subnet"])
        with self.assertEc2Error("InvalidRouteTableID.NotFound", status=400):
            self.ec2.associate_route_table(RouteTableId=MISSING["rtb"], SubnetId=self.subnet_a)

    def test_associate_subnet_of_other_vpc(self):
        rt = self.rtb()["RouteTableId"]
        default_subnet = self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.associate_route_table(RouteTableId=rt, SubnetId=default_subnet)

    def test_delete_route_table(self):
        rt = self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.delete_route_table(RouteTableId=rt)
        with self.assertEc2Error("InvalidRouteTableID.NotFound", status=400):
            self.ec2.describe_route_tables(RouteTableIds=[rt])
        with self.assertEc2Error("InvalidRouteTableID.NotFound", status=400):
            self.ec2.delete_route_table(RouteTableId=rt)

    def test_delete_associated_route_table_is_dependency_violation(self):
        rt = self.rtb()["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=rt, SubnetId=self.subnet_a)
        with self.assertEc2Error("DependencyViolation", status=400):
            self.ec2.delete_route_table(RouteTableId=rt)
        self.assertEqual(len(self.describe(rt)["Associations"]), 1)

    def test_describe_missing(self):
        with self.assertEc2Error("InvalidRouteTableID.NotFound", status=400) as cm:
            self.ec2.describe_route_tables(RouteTableIds=[MISSING["rtb"]])
        self.assertIn(MISSING["rtb"], cm.exception.response["Error"]["Message"])

    def test_tag_specifications_and_filter(self):
        name = uniq("rtb")
        rt = self.rtb(TagSpecifications=[{"ResourceType": "route-table",
                                          "Tags": [{"Key": "Name", "Value": name}]}])
        self.assertEqual(tags_of(rt), {"Name": name})
        got = self.ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [name]}])["RouteTables"]
        self.assertEqual([x["RouteTableId"] for x in got], [rt["RouteTableId"]])

    def test_main_filter_selects_only_main_table(self):
        rt = self.rtb()["RouteTableId"]
        got = self.ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc_id]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        self.assertEqual(len(got), 1)
        self.assertNotEqual(got[0]["RouteTableId"], rt)


if __name__ == "__main__":
    unittest.main()
