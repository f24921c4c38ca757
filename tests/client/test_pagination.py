"""MaxResults / NextToken pagination on Describe calls, and boto3 paginators."""

import unittest

from harness import StratusTestCase, uniq

N = 7


class PaginationTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.ec2
        cls.vpc = c.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        cls.vpc_filter = [{"Name": "vpc-id", "Values": [cls.vpc]}]
        cls.sgs = [c.create_security_group(GroupName="page-%d" % i, Description="d", VpcId=cls.vpc)["GroupId"]
                   for i in range(N)]
        cls.default_sg = c.describe_security_groups(
            Filters=cls.vpc_filter + [{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
        cls.subnets = [c.create_subnet(VpcId=cls.vpc, CidrBlock="10.7.%d.0/24" % i)["Subnet"]["SubnetId"]
                       for i in range(N)]
        cls.rtbs = [c.create_route_table(VpcId=cls.vpc)["RouteTable"]["RouteTableId"] for _ in range(N)]
        cls.igw_tag = uniq("igwpage")
        # Four: with the default VPC's, AWS's quota of five internet gateways per region.
        cls.igws = [c.create_internet_gateway(TagSpecifications=[
            {"ResourceType": "internet-gateway", "Tags": [{"Key": "batch", "Value": cls.igw_tag}]}]
        )["InternetGateway"]["InternetGatewayId"] for _ in range(4)]
        cls.tag_keys = ["pk-%d" % i for i in range(N)]
        c.create_tags(Resources=[cls.vpc], Tags=[{"Key": k, "Value": "v"} for k in cls.tag_keys])
        cls.key_prefix = uniq("kpage")
        cls.keys = ["%s-%d" % (cls.key_prefix, i) for i in range(N)]
        for k in cls.keys:
            c.create_key_pair(KeyName=k, KeyType="ed25519")

    def page_through(self, method, result_key, id_key, page_size=5, **kw):
        """Collect ids across pages made by hand with MaxResults/NextToken."""
        seen = []
        token = None
        pages = 0
        while True:
            args = dict(kw, MaxResults=page_size)
            if token:
                args["NextToken"] = token
            r = method(**args)
            pages += 1
            items = r[result_key]
            self.assertLessEqual(len(items), page_size, "page larger than MaxResults")
            seen.extend(i[id_key] for i in items)
            token = r.get("NextToken")
            if not token:
                break
            self.assertLess(pages, 50, "pagination never ends")
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages: %r" % seen)
        return seen, pages

    def test_security_groups_by_hand(self):
        seen, pages = self.page_through(self.ec2.describe_security_groups, "SecurityGroups", "GroupId",
                                        Filters=self.vpc_filter)
        self.assertEqual(sorted(seen), sorted(self.sgs + [self.default_sg]))
        self.assertGreaterEqual(pages, 2)

    def test_first_page_has_token(self):
        r = self.ec2.describe_security_groups(Filters=self.vpc_filter, MaxResults=5)
        self.assertEqual(len(r["SecurityGroups"]), 5)
        self.assertTrue(r.get("NextToken"))

    def test_large_page_has_no_token(self):
        r = self.ec2.describe_security_groups(Filters=self.vpc_filter, MaxResults=1000)
        self.assertEqual(len(r["SecurityGroups"]), N + 1)
        self.assertFalse(r.get("NextToken"))

    def test_unpaged_returns_everything(self):
        r = self.ec2.describe_security_groups(Filters=self.vpc_filter)
        self.assertEqual(len(r["SecurityGroups"]), N + 1)
        self.assertFalse(r.get("NextToken"))

    def test_security_groups_paginator(self):
        seen = []
        pages = 0
        for page in self.ec2.get_paginator("describe_security_groups").paginate(
                Filters=self.vpc_filter, PaginationConfig={"PageSize": 5}):
            pages += 1
            self.assertLessEqual(len(page["SecurityGroups"]), 5)
            seen.extend(g["GroupId"] for g in page["SecurityGroups"])
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(sorted(seen), sorted(self.sgs + [self.default_sg]))
        self.assertGreaterEqual(pages, 2)

    def test_paginator_max_items(self):
        got = self.ec2.get_paginator("describe_security_groups").paginate(
            Filters=self.vpc_filter, PaginationConfig={"PageSize": 5, "MaxItems": 6}).build_full_result()
        self.assertEqual(len(got["SecurityGroups"]), 6)
        self.assertTrue(got.get("NextToken"))

    def test_subnets(self):
        seen, pages = self.page_through(self.ec2.describe_subnets, "Subnets", "SubnetId", Filters=self.vpc_filter)
        self.assertEqual(sorted(seen), sorted(self.subnets))
        self.assertGreaterEqual(pages, 2)

    def test_subnets_paginator(self):
        seen = [s["SubnetId"] for page in self.ec2.get_paginator("describe_subnets").paginate(
            Filters=self.vpc_filter, PaginationConfig={"PageSize": 5}) for s in page["Subnets"]]
        self.assertEqual(sorted(seen), sorted(self.subnets))

    def test_route_tables(self):
        seen, pages = self.page_through(self.ec2.describe_route_tables, "RouteTables", "RouteTableId",
                                        Filters=self.vpc_filter)
        self.assertEqual(len(seen), N + 1)  # + main table
        self.assertTrue(set(self.rtbs) <= set(seen))

    def test_internet_gateways(self):
        seen, pages = self.page_through(self.ec2.describe_internet_gateways, "InternetGateways",
                                        "InternetGatewayId",
                                        Filters=[{"Name": "tag:batch", "Values": [self.igw_tag]}])
        self.assertEqual(sorted(seen), sorted(self.igws))

    def test_tags(self):
        seen, pages = self.page_through(self.ec2.describe_tags, "Tags", "Key",
                                        Filters=[{"Name": "resource-id", "Values": [self.vpc]}])
        self.assertEqual(sorted(seen), sorted(self.tag_keys))
        self.assertGreaterEqual(pages, 2)

    def test_tags_paginator(self):
        seen = [t["Key"] for page in self.ec2.get_paginator("describe_tags").paginate(
            Filters=[{"Name": "resource-id", "Values": [self.vpc]}], PaginationConfig={"PageSize": 5})
            for t in page["Tags"]]
        self.assertEqual(sorted(seen), sorted(self.tag_keys))

    def test_security_group_rules(self):
        seen, _ = self.page_through(self.ec2.describe_security_group_rules, "SecurityGroupRules",
                                    "SecurityGroupRuleId",
                                    Filters=[{"Name": "group-id", "Values": self.sgs}])
        self.assertEqual(len(seen), N)  # one default egress rule each

    def test_vpcs(self):
        seen, _ = self.page_through(self.ec2.describe_vpcs, "Vpcs", "VpcId")
        self.assertIn(self.vpc, seen)
        self.assertEqual(len(seen), len(self.ec2.describe_vpcs()["Vpcs"]))

    def test_key_pairs_list_is_complete(self):
        # DescribeKeyPairs has no MaxResults in the API: all come back at once.
        got = self.ec2.describe_key_pairs(
            Filters=[{"Name": "key-name", "Values": [self.key_prefix + "-*"]}])["KeyPairs"]
        self.assertEqual(sorted(k["KeyName"] for k in got), sorted(self.keys))
        self.assertNotIn("NextToken", self.ec2.describe_key_pairs())

    def test_deletes_between_pages_skip_nothing(self):
        # A NextToken names where the page ended, not an offset: deleting items already shown
        # (the page's last one included) must not shift the rest out of sight.
        c = self.ec2
        vpc = c.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
        self.addCleanup(c.delete_vpc, VpcId=vpc)
        made = [c.create_subnet(VpcId=vpc, CidrBlock="10.70.%d.0/24" % i)["Subnet"]["SubnetId"] for i in range(8)]
        remaining = set(made)
        for subnet in made:
            self.addCleanup(lambda s=subnet: s in remaining and c.delete_subnet(SubnetId=s))
        only = [{"Name": "vpc-id", "Values": [vpc]}]
        first = c.describe_subnets(Filters=only, MaxResults=5)
        shown = [s["SubnetId"] for s in first["Subnets"]]
        self.assertEqual(len(shown), 5)
        for gone in (shown[0], shown[-1]):
            c.delete_subnet(SubnetId=gone)
            remaining.discard(gone)
        second = c.describe_subnets(Filters=only, MaxResults=5, NextToken=first["NextToken"])
        rest = [s["SubnetId"] for s in second["Subnets"]]
        self.assertNotIn("NextToken", second)
        self.assertEqual(sorted(shown + rest), sorted(made))
        # Created between pages: seen once at most, never a repeat of the first page.
        third_first = c.describe_subnets(Filters=only, MaxResults=5)
        late = c.create_subnet(VpcId=vpc, CidrBlock="10.70.9.0/24")["Subnet"]["SubnetId"]
        remaining.add(late)
        self.addCleanup(c.delete_subnet, SubnetId=late)
        after = c.describe_subnets(Filters=only, MaxResults=5, NextToken=third_first["NextToken"])["Subnets"]
        ids = [s["SubnetId"] for s in third_first["Subnets"]] + [s["SubnetId"] for s in after]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertLessEqual(set(remaining) - {late}, set(ids))

    def test_max_results_below_minimum(self):
        loose = self.server.client(validate=False)
        with self.assertEc2Error("InvalidParameterValue", status=400):
            loose.describe_security_groups(Filters=self.vpc_filter, MaxResults=2)

    def test_bogus_next_token(self):
        with self.assertEc2Error(("InvalidParameterValue", "InvalidNextToken", "InvalidPaginationToken"),
                                 status=400):
            self.ec2.describe_subnets(Filters=self.vpc_filter, MaxResults=5, NextToken="garbage-token")


if __name__ == "__main__":
    unittest.main()
