"""CreateTags / DeleteTags / DescribeTags, tag filters on Describe calls,
TagSpecifications on create calls."""

import unittest

from harness import MISSING, StratusTestCase, tags_of, uniq


class TagsTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.ec2
        cls.vpc = c.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
        cls.subnet = c.create_subnet(VpcId=cls.vpc, CidrBlock="10.3.1.0/24")["Subnet"]["SubnetId"]
        cls.sg = c.create_security_group(GroupName="tagged", Description="d", VpcId=cls.vpc)["GroupId"]
        cls.igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        cls.rtb = c.create_route_table(VpcId=cls.vpc)["RouteTable"]["RouteTableId"]
        cls.key = c.create_key_pair(KeyName="tagged-key")["KeyPairId"]
        cls.eip = c.allocate_address(Domain="vpc")["AllocationId"]
        cls.addClassCleanup(c.release_address, AllocationId=cls.eip)
        cls.acl = c.create_network_acl(VpcId=cls.vpc)["NetworkAcl"]["NetworkAclId"]
        cls.eni = c.create_network_interface(SubnetId=cls.subnet)["NetworkInterface"]["NetworkInterfaceId"]
        cls.rule = c.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [cls.sg]}])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        cls.dopt = c.describe_dhcp_options()["DhcpOptions"][0]["DhcpOptionsId"]
        # Every kind stratus lets CreateTags tag, as DescribeTags names its type.
        cls.kinds = {
            cls.vpc: "vpc", cls.subnet: "subnet", cls.sg: "security-group",
            cls.igw: "internet-gateway", cls.rtb: "route-table", cls.key: "key-pair",
            cls.eip: "elastic-ip", cls.acl: "network-acl", cls.eni: "network-interface",
            cls.rule: "security-group-rule", cls.dopt: "dhcp-options",
        }

    def describe_tags(self, *filters):
        out = []
        token = None
        while True:
            kw = {"Filters": list(filters)}
            if token:
                kw["NextToken"] = token
            r = self.ec2.describe_tags(**kw)
            out.extend(r["Tags"])
            token = r.get("NextToken")
            if not token:
                return out

    def test_tag_all_resource_kinds_in_one_call(self):
        key = uniq("k")
        ids = list(self.kinds)
        r = self.ec2.create_tags(Resources=ids, Tags=[{"Key": key, "Value": "v1"}])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        got = self.describe_tags({"Name": "key", "Values": [key]})
        self.assertEqual(sorted((t["ResourceId"], t["ResourceType"], t["Value"]) for t in got),
                         sorted((i, self.kinds[i], "v1") for i in ids))

    def test_tags_visible_on_resources(self):
        key = uniq("vis")
        self.ec2.create_tags(Resources=list(self.kinds), Tags=[{"Key": key, "Value": "yes"}])
        c = self.ec2
        self.assertEqual(tags_of(c.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0]).get(key), "yes")
        self.assertEqual(tags_of(c.describe_subnets(SubnetIds=[self.subnet])["Subnets"][0]).get(key), "yes")
        self.assertEqual(tags_of(c.describe_security_groups(GroupIds=[self.sg])["SecurityGroups"][0]).get(key), "yes")
        self.assertEqual(tags_of(c.describe_internet_gateways(
            InternetGatewayIds=[self.igw])["InternetGateways"][0]).get(key), "yes")
        self.assertEqual(tags_of(c.describe_route_tables(RouteTableIds=[self.rtb])["RouteTables"][0]).get(key), "yes")
        self.assertEqual(tags_of(c.describe_key_pairs(KeyPairIds=[self.key])["KeyPairs"][0]).get(key), "yes")

    def test_tag_filters_on_describe_calls(self):
        value = uniq("val")
        self.ec2.create_tags(Resources=list(self.kinds), Tags=[{"Key": "Role", "Value": value}])
        f = [{"Name": "tag:Role", "Values": [value]}]
        c = self.ec2
        self.assertEqual([v["VpcId"] for v in c.describe_vpcs(Filters=f)["Vpcs"]], [self.vpc])
        self.assertEqual([s["SubnetId"] for s in c.describe_subnets(Filters=f)["Subnets"]], [self.subnet])
        self.assertEqual([g["GroupId"] for g in c.describe_security_groups(Filters=f)["SecurityGroups"]], [self.sg])
        self.assertEqual([g["InternetGatewayId"] for g in
                          c.describe_internet_gateways(Filters=f)["InternetGateways"]], [self.igw])
        self.assertEqual([r["RouteTableId"] for r in c.describe_route_tables(Filters=f)["RouteTables"]], [self.rtb])
        self.assertEqual([k["KeyPairId"] for k in c.describe_key_pairs(Filters=f)["KeyPairs"]], [self.key])
        # A non-matching value filters everything out.
        nf = [{"Name": "tag:Role", "Values": [value + "-nope"]}]
        self.assertEqual(c.describe_vpcs(Filters=nf)["Vpcs"], [])

    def test_tag_key_and_tag_value_filters(self):
        key = uniq("tk")
        self.ec2.create_tags(Resources=[self.subnet], Tags=[{"Key": key, "Value": "alpha"}])
        got = self.ec2.describe_subnets(Filters=[{"Name": "tag-key", "Values": [key]}])["Subnets"]
        self.assertEqual([s["SubnetId"] for s in got], [self.subnet])
        got = self.ec2.describe_subnets(Filters=[{"Name": "tag-key", "Values": [key]},
                                                 {"Name": "tag-value", "Values": ["alpha"]}])["Subnets"]
        self.assertEqual([s["SubnetId"] for s in got], [self.subnet])

    def test_tag_filter_wildcard(self):
        prefix = uniq("web")
        self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": "Name", "Value": prefix + "-prod"}])
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [prefix + "-*"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [self.vpc])

    def test_overwrite_value(self):
        key = uniq("ow")
        self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": key, "Value": "one"}])
        self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": key, "Value": "two"}])
        got = self.describe_tags({"Name": "resource-id", "Values": [self.vpc]}, {"Name": "key", "Values": [key]})
        self.assertEqual([t["Value"] for t in got], ["two"])

    def test_empty_value(self):
        key = uniq("empty")
        self.ec2.create_tags(Resources=[self.sg], Tags=[{"Key": key, "Value": ""}])
        got = self.describe_tags({"Name": "key", "Values": [key]})
        self.assertEqual([(t["ResourceId"], t["Value"]) for t in got], [(self.sg, "")])

    def test_describe_tags_filters(self):
        key = uniq("df")
        self.ec2.create_tags(Resources=[self.vpc, self.subnet, self.igw], Tags=[{"Key": key, "Value": "x"}])
        got = self.describe_tags({"Name": "key", "Values": [key]},
                                 {"Name": "resource-type", "Values": ["subnet"]})
        self.assertEqual([t["ResourceId"] for t in got], [self.subnet])
        got = self.describe_tags({"Name": "key", "Values": [key]},
                                 {"Name": "resource-id", "Values": [self.igw, self.vpc]})
        self.assertEqual(sorted(t["ResourceId"] for t in got), sorted([self.igw, self.vpc]))
        got = self.describe_tags({"Name": "key", "Values": [key]}, {"Name": "value", "Values": ["x"]})
        self.assertEqual(len(got), 3)
        got = self.describe_tags({"Name": "key", "Values": [key]}, {"Name": "value", "Values": ["y"]})
        self.assertEqual(got, [])
        got = self.describe_tags({"Name": "resource-type", "Values": ["key-pair"]})
        self.assertTrue(all(t["ResourceType"] == "key-pair" for t in got))

    def test_delete_tags(self):
        k1, k2, k3 = uniq("d1"), uniq("d2"), uniq("d3")
        self.ec2.create_tags(Resources=[self.rtb], Tags=[{"Key": k1, "Value": "a"},
                                                         {"Key": k2, "Value": "b"},
                                                         {"Key": k3, "Value": "c"}])
        # Key only: deletes whatever the value.
        self.ec2.delete_tags(Resources=[self.rtb], Tags=[{"Key": k1}])
        # Key + wrong value: deletes nothing.
        self.ec2.delete_tags(Resources=[self.rtb], Tags=[{"Key": k2, "Value": "not-b"}])
        # Key + right value: deletes.
        self.ec2.delete_tags(Resources=[self.rtb], Tags=[{"Key": k3, "Value": "c"}])
        tags = tags_of(self.ec2.describe_route_tables(RouteTableIds=[self.rtb])["RouteTables"][0])
        self.assertNotIn(k1, tags)
        self.assertEqual(tags.get(k2), "b")
        self.assertNotIn(k3, tags)

    def test_delete_tags_without_tags_removes_all(self):
        gid = self.ec2.create_security_group(GroupName=uniq("alltags"), Description="d", VpcId=self.vpc)["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=gid)
        self.ec2.create_tags(Resources=[gid], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.ec2.delete_tags(Resources=[gid])
        self.assertEqual(self.describe_tags({"Name": "resource-id", "Values": [gid]}), [])

    def test_tags_removed_with_resource(self):
        igw = self.ec2.create_internet_gateway(TagSpecifications=[
            {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "ephemeral"}]}]
        )["InternetGateway"]["InternetGatewayId"]
        self.assertEqual(len(self.describe_tags({"Name": "resource-id", "Values": [igw]})), 1)
        self.ec2.delete_internet_gateway(InternetGatewayId=igw)
        self.assertEqual(self.describe_tags({"Name": "resource-id", "Values": [igw]}), [])

    def test_create_tags_on_missing_resource(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.create_tags(Resources=[MISSING["vpc"]], Tags=[{"Key": "a", "Value": "b"}])
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400):
            self.ec2.create_tags(Resources=[MISSING["subnet"]], Tags=[{"Key": "a", "Value": "b"}])
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.create_tags(Resources=[MISSING["sg"]], Tags=[{"Key": "a", "Value": "b"}])

    def test_create_tags_on_malformed_id(self):
        with self.assertEc2Error(("InvalidID", "InvalidParameterValue"), status=400):
            self.ec2.create_tags(Resources=["not-a-resource-id"], Tags=[{"Key": "a", "Value": "b"}])

    def test_reserved_aws_prefix(self):
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": "aws:reserved", "Value": "x"}])
        self.assertNotIn("aws:reserved", tags_of(self.ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0]))

    def test_lengths_count_characters_and_any_printable_character_is_allowed(self):
        # EC2 (unlike most services) takes any character in tags; limits count characters, not
        # bytes: 128 Hangul syllables are 384 bytes of UTF-8.
        key, value = "\ud0dc" * 128, "\uac12!#%<&>" * 32
        self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": key, "Value": value}])
        self.assertEqual(tags_of(self.ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0])[key], value)
        self.ec2.delete_tags(Resources=[self.vpc], Tags=[{"Key": key}])
        for tag in ({"Key": "\ud0dc" * 129, "Value": "v"}, {"Key": "k", "Value": "\uac12" * 257}):
            with self.assertEc2Error("InvalidParameterValue", status=400):
                self.ec2.create_tags(Resources=[self.vpc], Tags=[tag])
        self.assertNotIn("k", tags_of(self.ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0]))

    def test_missing_tags_parameter(self):
        loose = self.server.client(validate=False)
        with self.assertEc2Error("MissingParameter", status=400):
            loose.create_tags(Resources=[self.vpc])

    def test_tag_specifications_on_create_calls(self):
        name = uniq("spec")
        spec = lambda rt: [{"ResourceType": rt, "Tags": [{"Key": "Name", "Value": name}]}]
        c = self.ec2
        vpc = c.create_vpc(CidrBlock="10.4.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]
        self.addCleanup(c.delete_vpc, VpcId=vpc["VpcId"])
        sn = c.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.4.0.0/24",
                             TagSpecifications=spec("subnet"))["Subnet"]
        self.addCleanup(c.delete_subnet, SubnetId=sn["SubnetId"])
        sg = c.create_security_group(GroupName=name, Description="d", VpcId=vpc["VpcId"],
                                     TagSpecifications=spec("security-group"))
        self.addCleanup(c.delete_security_group, GroupId=sg["GroupId"])
        rt = c.create_route_table(VpcId=vpc["VpcId"], TagSpecifications=spec("route-table"))["RouteTable"]
        self.addCleanup(c.delete_route_table, RouteTableId=rt["RouteTableId"])
        igw = c.create_internet_gateway(TagSpecifications=spec("internet-gateway"))["InternetGateway"]
        self.addCleanup(c.delete_internet_gateway, InternetGatewayId=igw["InternetGatewayId"])
        kp = c.create_key_pair(KeyName=name, TagSpecifications=spec("key-pair"))
        self.addCleanup(c.delete_key_pair, KeyName=name)

        self.assertEqual(tags_of(vpc), {"Name": name})
        self.assertEqual(tags_of(sn), {"Name": name})
        self.assertEqual(tags_of(sg), {"Name": name})
        self.assertEqual(tags_of(rt), {"Name": name})
        self.assertEqual(tags_of(igw), {"Name": name})
        self.assertEqual(tags_of(kp), {"Name": name})
        got = self.describe_tags({"Name": "value", "Values": [name]})
        self.assertEqual(sorted((t["ResourceType"], t["ResourceId"]) for t in got), sorted([
            ("vpc", vpc["VpcId"]), ("subnet", sn["SubnetId"]), ("security-group", sg["GroupId"]),
            ("route-table", rt["RouteTableId"]), ("internet-gateway", igw["InternetGatewayId"]),
            ("key-pair", kp["KeyPairId"])]))

    def test_tag_specification_wrong_resource_type(self):
        before = len(self.ec2.describe_vpcs()["Vpcs"])
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_vpc(CidrBlock="10.5.0.0/16", TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [{"Key": "a", "Value": "b"}]}])
        self.assertEqual(len(self.ec2.describe_vpcs()["Vpcs"]), before)

    def test_tags_are_regional(self):
        key = uniq("reg")
        self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": key, "Value": "1"}])
        got = self.ec2_apne2.describe_tags(Filters=[{"Name": "key", "Values": [key]}])["Tags"]
        self.assertEqual(got, [])

    def test_cli_create_and_describe_tags(self):
        key = uniq("cli")
        self.server.aws("ec2", "create-tags", "--resources", self.subnet, "--tags", "Key=%s,Value=cli" % key)
        out = self.server.aws("ec2", "describe-tags", "--filters", "Name=key,Values=%s" % key)
        self.assertEqual([(t["ResourceId"], t["Value"]) for t in out["Tags"]], [(self.subnet, "cli")])


if __name__ == "__main__":
    unittest.main()
