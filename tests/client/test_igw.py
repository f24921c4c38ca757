"""Internet gateways: create, attach, detach, delete, describe."""

import unittest

from harness import ACCOUNT_ID, MISSING, StratusTestCase, tags_of, uniq


class InternetGatewayTest(StratusTestCase):

    def igw(self, **kw):
        g = self.ec2.create_internet_gateway(**kw)["InternetGateway"]
        self.addCleanup(self._cleanup_igw, g["InternetGatewayId"])
        return g

    def _cleanup_igw(self, igw_id):
        try:
            g = self.ec2.describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"][0]
        except Exception:
            return
        for a in g.get("Attachments", []):
            try:
                self.ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=a["VpcId"])
            except Exception:
                pass
        try:
            self.ec2.delete_internet_gateway(InternetGatewayId=igw_id)
        except Exception:
            pass

    def describe(self, igw_id):
        got = self.ec2.describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"]
        self.assertEqual(len(got), 1)
        return got[0]

    def test_default_igw_attached_to_default_vpc(self):
        vpc_id = self.default_vpc()["VpcId"]
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual(len(got), 1)
        self.assertIdShape("igw", got[0]["InternetGatewayId"])
        self.assertEqual(got[0]["Attachments"], [{"State": "available", "VpcId": vpc_id}])
        self.assertEqual(got[0]["OwnerId"], ACCOUNT_ID)

    def test_untagged_gateways_and_route_tables_show_an_empty_tag_set(self):
        # AWS sends <tagSet/> for these (Ansible's ec2_vpc_igw_info and ec2_vpc_route_table_info
        # read resource["Tags"]); an untagged VPC comes without one, as on AWS.
        g = self.igw()
        self.assertEqual(self.describe(g["InternetGatewayId"])["Tags"], [])
        vpc_id = self.default_vpc()["VpcId"]
        tables = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        self.assertTrue(tables)
        for table in tables:
            self.assertIn("Tags", table)
        cli = self.server.aws("ec2", "describe-internet-gateways", "--internet-gateway-ids", g["InternetGatewayId"])
        self.assertEqual(cli["InternetGateways"][0]["Tags"], [])
        self.assertNotIn("Tags", self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0])

    def test_create_igw(self):
        g = self.igw()
        self.assertIdShape("igw", g["InternetGatewayId"])
        self.assertEqual(g.get("Attachments", []), [])
        self.assertEqual(g["OwnerId"], ACCOUNT_ID)
        d = self.describe(g["InternetGatewayId"])
        self.assertEqual(d.get("Attachments", []), [])

    def test_attach_detach(self):
        vpc_id = self.make_vpc("10.1.0.0/16")
        g = self.igw()["InternetGatewayId"]
        r = self.ec2.attach_internet_gateway(InternetGatewayId=g, VpcId=vpc_id)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.describe(g)["Attachments"], [{"State": "available", "VpcId": vpc_id}])
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual([x["InternetGatewayId"] for x in got], [g])
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.state", "Values": ["available"]},
                     {"Name": "internet-gateway-id", "Values": [g]}])["InternetGateways"]
        self.assertEqual(len(got), 1)

        self.ec2.detach_internet_gateway(InternetGatewayId=g, VpcId=vpc_id)
        self.assertEqual(self.describe(g).get("Attachments", []), [])
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual(got, [])

    def test_attach_already_attached_igw_to_other_vpc(self):
        v1 = self.make_vpc("10.2.0.0/16")
        v2 = self.make_vpc("10.3.0.0/16")
        g = self.igw()["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=g, VpcId=v1)
        with self.assertEc2Error("Resource.AlreadyAssociated", status=400):
            self.ec2.attach_internet_gateway(InternetGatewayId=g, VpcId=v2)
        self.assertEqual(self.describe(g)["Attachments"], [{"State": "available", "VpcId": v1}])

    def test_attach_second_igw_to_same_vpc_fails(self):
        v = self.make_vpc("10.4.0.0/16")
        g1 = self.igw()["InternetGatewayId"]
        g2 = self.igw()["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=g1, VpcId=v)
        with self.assertEc2Error("Resource.AlreadyAssociated", status=400):
            self.ec2.attach_internet_gateway(InternetGatewayId=g2, VpcId=v)
        self.assertEqual(self.describe(g2).get("Attachments", []), [])

    def test_attach_to_missing_vpc(self):
        g = self.igw()["InternetGatewayId"]
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.attach_internet_gateway(InternetGatewayId=g, VpcId=MISSING["vpc"])
        self.assertEqual(self.describe(g).get("Attachments", []), [])

    def test_attach_missing_igw(self):
        vpc_id = self.default_vpc()["VpcId"]
        with self.assertEc2Error("InvalidInternetGatewayID.NotFound", status=400):
            self.ec2.attach_internet_gateway(InternetGatewayId=MISSING["igw"], VpcId=vpc_id)

    def test_detach_not_attached(self):
        vpc_id = self.make_vpc("10.5.0.0/16")
        g = self.igw()["InternetGatewayId"]
        with self.assertEc2Error("Gateway.NotAttached", status=400):
            self.ec2.detach_internet_gateway(InternetGatewayId=g, VpcId=vpc_id)

    def test_delete_attached_is_dependency_violation(self):
        vpc_id = self.make_vpc("10.6.0.0/16")
        g = self.igw()["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=g, VpcId=vpc_id)
        with self.assertEc2Error("DependencyViolation", status=400):
            self.ec2.delete_internet_gateway(InternetGatewayId=g)
        self.assertEqual(len(self.describe(g)["Attachments"]), 1)

    def test_delete(self):
        g = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.delete_internet_gateway(InternetGatewayId=g)
        with self.assertEc2Error("InvalidInternetGatewayID.NotFound", status=400):
            self.ec2.describe_internet_gateways(InternetGatewayIds=[g])
        with self.assertEc2Error("InvalidInternetGatewayID.NotFound", status=400):
            self.ec2.delete_internet_gateway(InternetGatewayId=g)

    def test_describe_missing(self):
        with self.assertEc2Error("InvalidInternetGatewayID.NotFound", status=400) as cm:
            self.ec2.describe_internet_gateways(InternetGatewayIds=[MISSING["igw"]])
        self.assertIn(MISSING["igw"], cm.exception.response["Error"]["Message"])

    def test_tag_specifications_and_filters(self):
        name = uniq("igw")
        g = self.igw(TagSpecifications=[{"ResourceType": "internet-gateway",
                                         "Tags": [{"Key": "Name", "Value": name}]}])
        self.assertEqual(tags_of(g), {"Name": name})
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "tag:Name", "Values": [name]}])["InternetGateways"]
        self.assertEqual([x["InternetGatewayId"] for x in got], [g["InternetGatewayId"]])
        got = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "internet-gateway-id", "Values": [g["InternetGatewayId"]]}])["InternetGateways"]
        self.assertEqual(len(got), 1)

    def test_regions_are_isolated(self):
        g = self.igw()["InternetGatewayId"]
        with self.assertEc2Error("InvalidInternetGatewayID.NotFound"):
            self.ec2_apne2.describe_internet_gateways(InternetGatewayIds=[g])
        vpc_apne2 = self.default_vpc(self.ec2_apne2)["VpcId"]
        got = self.ec2_apne2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_apne2]}])["InternetGateways"]
        self.assertEqual(len(got), 1)


if __name__ == "__main__":
    unittest.main()
