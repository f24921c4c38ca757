"""Wire protocol: error envelope, HTTP statuses, request ids, InvalidAction,
MissingParameter, UnknownParameter, InvalidParameterValue, DryRun,
refusal of actions not built yet, GET and POST forms."""

import re
import unittest

from harness import EC2_NS, StratusTestCase


def strip_ns(root):
    """Drop XML namespaces in place (EC2 error envelopes carry none, success
    documents carry the API namespace)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
    return root


class WireTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A client that does not validate parameters client-side, so the
        # server's own validation is what answers.
        cls.loose = cls.server.client("us-east-1", validate=False)

    # ---------------------------------------------------------- envelopes
    def assertErrorEnvelope(self, r, code, status):
        self.assertEqual(r.status, status, r)
        ctype = r.headers.get("Content-Type", "")
        self.assertIn("xml", ctype.lower(), "Content-Type %r" % ctype)
        root = strip_ns(r.xml())
        self.assertEqual(root.tag, "Response", r)
        errors = root.findall("./Errors/Error")
        self.assertEqual(len(errors), 1, r)
        self.assertEqual(errors[0].findtext("Code"), code, r)
        self.assertTrue(errors[0].findtext("Message"), r)
        rid = root.findtext("./RequestID")
        self.assertTrue(rid, "error envelope lacks <RequestID>: %r" % r)
        return rid

    def error_message(self, r):
        return strip_ns(r.xml()).findtext("./Errors/Error/Message") or ""

    def test_invalid_action_raw(self):
        r = self.server.raw_request({"Action": "FrobnicateWidgets"})
        self.assertErrorEnvelope(r, "InvalidAction", 400)
        self.assertIn("FrobnicateWidgets", self.error_message(r))

    def test_invalid_action_via_get(self):
        r = self.server.raw_request({"Action": "NoSuchThing"}, method="GET")
        self.assertErrorEnvelope(r, "InvalidAction", 400)

    def test_success_document_shape(self):
        r = self.server.raw_request({"Action": "DescribeRegions"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("xml", r.headers.get("Content-Type", "").lower())
        root = r.xml()
        ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
        # Real EC2 says "http://ec2.amazonaws.com/doc/2016-11-15/".
        self.assertEqual(ns.rstrip("/"), EC2_NS.rstrip("/"), root.tag)
        root = strip_ns(root)
        self.assertEqual(root.tag, "DescribeRegionsResponse")
        self.assertTrue(root.findtext("requestId"))
        self.assertGreaterEqual(len(root.findall("regionInfo/item")), 2)

    def test_get_form_works(self):
        r = self.server.raw_request({"Action": "DescribeAvailabilityZones"}, method="GET")
        self.assertEqual(r.status, 200, r)
        self.assertIn("us-east-1a", r.text)

    def test_not_found_envelope_raw(self):
        r = self.server.raw_request({"Action": "DescribeVpcs", "VpcId.1": "vpc-0123456789abcdef0"})
        self.assertErrorEnvelope(r, "InvalidVpcID.NotFound", 400)
        self.assertIn("vpc-0123456789abcdef0", self.error_message(r))

    def test_request_ids_present_and_unique(self):
        ids = set()
        for _ in range(5):
            rid = self.ec2.describe_regions()["ResponseMetadata"]["RequestId"]
            self.assertTrue(rid)
            ids.add(rid)
        for _ in range(3):
            r = self.server.raw_request({"Action": "NoSuchThing"})
            ids.add(r.request_id())
        self.assertEqual(len(ids), 8, "request ids must be unique: %r" % ids)

    def test_request_id_looks_like_uuid(self):
        rid = self.ec2.describe_vpcs()["ResponseMetadata"]["RequestId"]
        self.assertRegex(rid, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

    def test_error_request_id_via_sdk(self):
        with self.assertEc2Error("InvalidSubnetID.NotFound", status=400) as cm:
            self.ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"])
        self.assertTrue(cm.exception.response["ResponseMetadata"]["RequestId"])

    # ----------------------------------------------------- MissingParameter
    def test_missing_parameter_delete_vpc(self):
        with self.assertEc2Error("MissingParameter", status=400):
            self.loose.delete_vpc()

    def test_missing_parameter_create_subnet_raw(self):
        before = len(self.ec2.describe_subnets()["Subnets"])
        r = self.server.raw_request({"Action": "CreateSubnet", "CidrBlock": "172.31.200.0/24"})
        self.assertErrorEnvelope(r, "MissingParameter", 400)
        self.assertEqual(len(self.ec2.describe_subnets()["Subnets"]), before)

    def test_missing_parameter_create_security_group_description(self):
        with self.assertEc2Error("MissingParameter", status=400):
            self.loose.create_security_group(GroupName="no-description")
        got = self.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["no-description"]}])["SecurityGroups"]
        self.assertEqual(got, [])

    def test_missing_parameter_attach_igw(self):
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.addCleanup(self.ec2.delete_internet_gateway, InternetGatewayId=igw)
        with self.assertEc2Error("MissingParameter", status=400):
            self.loose.attach_internet_gateway(InternetGatewayId=igw)

    def test_missing_parameter_create_key_pair(self):
        with self.assertEc2Error("MissingParameter", status=400):
            self.loose.create_key_pair()

    # ------------------------------------------------ invalid / unknown input
    def test_unknown_parameter(self):
        r = self.server.raw_request({"Action": "DescribeVpcs", "Frobnication": "yes"})
        self.assertErrorEnvelope(r, "UnknownParameter", 400)
        self.assertIn("Frobnication", self.error_message(r))

    def test_malformed_cidr_is_invalid_parameter_value(self):
        with self.assertEc2Error("InvalidParameterValue", status=400) as cm:
            self.ec2.create_vpc(CidrBlock="not-a-cidr")
        self.assertIn("not-a-cidr", cm.exception.response["Error"]["Message"])

    def test_malformed_boolean_is_rejected(self):
        r = self.server.raw_request({"Action": "DescribeVpcs", "DryRun": "maybe"})
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error_code(), ("InvalidParameterValue", "InvalidParameter"), r)

    def test_malformed_integer_is_rejected(self):
        r = self.server.raw_request({"Action": "DescribeVpcs", "MaxResults": "lots"})
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error_code(), ("InvalidParameterValue", "InvalidParameter"), r)

    def test_unknown_filter_name_is_invalid_parameter_value(self):
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.describe_vpcs(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])

    # ---------------------------------------------------------------- DryRun
    def test_dry_run_describe(self):
        with self.assertEc2Error("DryRunOperation", status=412):
            self.ec2.describe_vpcs(DryRun=True)

    def test_dry_run_validates_first(self):
        # AWS checks the request before answering DryRunOperation: a bad one gets its own error.
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_vpc(CidrBlock="10.0.0.0/33", DryRun=True)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"], DryRun=True)
        with self.assertEc2Error("InvalidSubnetID.NotFound"):
            self.ec2.delete_subnet(SubnetId="subnet-0123456789abcdef0", DryRun=True)
        out = self.server.aws_proc("ec2", "create-vpc", "--cidr-block", "10.0.0.0/33", "--dry-run")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("InvalidParameterValue", out.stderr)

    def test_dry_run_create_vpc_creates_nothing(self):
        before = len(self.ec2.describe_vpcs()["Vpcs"])
        with self.assertEc2Error("DryRunOperation", status=412):
            self.ec2.create_vpc(CidrBlock="10.99.0.0/16", DryRun=True)
        self.assertEqual(len(self.ec2.describe_vpcs()["Vpcs"]), before)
        got = self.ec2.describe_vpcs(
            Filters=[{"Name": "cidr-block-association.cidr-block", "Values": ["10.99.0.0/16"]}])["Vpcs"]
        self.assertEqual(got, [])

    def test_dry_run_create_key_pair_creates_nothing(self):
        with self.assertEc2Error("DryRunOperation", status=412):
            self.ec2.create_key_pair(KeyName="dry-run-key", DryRun=True)
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2.describe_key_pairs(KeyNames=["dry-run-key"])

    def test_dry_run_create_security_group_creates_nothing(self):
        with self.assertEc2Error("DryRunOperation", status=412):
            self.ec2.create_security_group(GroupName="dry-run-sg", Description="d", DryRun=True)
        got = self.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["dry-run-sg"]}])["SecurityGroups"]
        self.assertEqual(got, [])

    def test_dry_run_delete_keeps_resource(self):
        self.ec2.create_key_pair(KeyName="dry-run-delete")
        self.addCleanup(self.ec2.delete_key_pair, KeyName="dry-run-delete")
        with self.assertEc2Error("DryRunOperation", status=412):
            self.ec2.delete_key_pair(KeyName="dry-run-delete", DryRun=True)
        got = self.ec2.describe_key_pairs(KeyNames=["dry-run-delete"])["KeyPairs"]
        self.assertEqual(len(got), 1)

    def test_dry_run_false_is_a_real_call(self):
        r = self.ec2.describe_vpcs(DryRun=False)
        self.assertIn("Vpcs", r)

    def test_dry_run_message(self):
        with self.assertEc2Error("DryRunOperation") as cm:
            self.ec2.describe_regions(DryRun=True)
        self.assertRegex(cm.exception.response["Error"]["Message"],
                         re.compile("would have succeeded", re.I))

    # ----------------------------------------------- actions not built yet
    def test_unbuilt_action_is_refused(self):
        with self.assertEc2Error("UnsupportedOperation") as cm:
            self.ec2.create_transit_gateway(Description="not built")
        self.assertGreaterEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertNotIn("TransitGateway", cm.exception.response)

    def test_retired_classic_actions_answer_as_aws_does(self):
        # Ansible's ec2_vpc_net matches this exact text to learn that ClassicLink is gone.
        vpc = self.default_vpc()["VpcId"]
        for call in (lambda: self.ec2.describe_vpc_classic_link(VpcIds=[vpc]),
                     lambda: self.ec2.describe_vpc_classic_link_dns_support(),
                     lambda: self.ec2.enable_vpc_classic_link(VpcId=vpc),
                     lambda: self.ec2.describe_moving_addresses()):
            with self.assertEc2Error("UnsupportedOperation", status=400) as cm:
                call()
            self.assertEqual(cm.exception.response["Error"]["Message"],
                             "The functionality you requested is not available in this region.")
        cli = self.server.aws_proc("ec2", "describe-vpc-classic-link", "--vpc-ids", vpc)
        self.assertNotEqual(cli.returncode, 0)
        self.assertIn("The functionality you requested is not available in this region.", cli.stderr)


if __name__ == "__main__":
    unittest.main()
