"""STS on the same endpoint as EC2, routed by the service the SigV4 scope names: GetCallerIdentity
for the root key (Ansible's ec2_security_group and Terraform's AWS provider call it first)."""

import unittest

from harness import ACCESS_KEY_ID, ACCOUNT_ID, StratusTestCase


class GetCallerIdentityTest(StratusTestCase):

    def test_root_identity_in_any_region(self):
        for region in ("us-east-1", "eu-west-1", "ap-northeast-2"):
            sts = self.server.client(region, service="sts")
            identity = sts.get_caller_identity()
            self.assertEqual(identity["Account"], ACCOUNT_ID)
            self.assertEqual(identity["Arn"], "arn:aws:iam::%s:root" % ACCOUNT_ID)
            self.assertEqual(identity["UserId"], ACCOUNT_ID)
            self.assertRegex(identity["ResponseMetadata"]["RequestId"], r"^[0-9a-f-]{36}$")

    def test_aws_cli(self):
        out = self.server.aws("sts", "get-caller-identity")
        self.assertEqual(out["Account"], ACCOUNT_ID)
        self.assertEqual(out["Arn"], "arn:aws:iam::%s:root" % ACCOUNT_ID)

    def test_errors_use_the_query_protocol_envelope(self):
        sts = self.server.client("us-east-1", service="sts")
        # An action of the model that stratus does not serve yet: botocore's Query error parser
        # reads the code, so the envelope is STS's, not EC2's.
        with self.assertEc2Error("UnsupportedOperation", status=400):
            sts.assume_role(RoleArn="arn:aws:iam::%s:role/r" % ACCOUNT_ID, RoleSessionName="session")
        wrong = self.server.client("us-east-1", service="sts", secret_key="not-the-secret-key-at-all-0000000000000")
        with self.assertEc2Error(("AuthFailure", "SignatureDoesNotMatch")):
            wrong.get_caller_identity()

    def test_unknown_access_key(self):
        sts = self.server.client("us-east-1", service="sts", access_key="AKIANOBODYNOBODY0000")
        with self.assertRaises(Exception) as raised:
            sts.get_caller_identity()
        self.assertIn("AuthFailure", str(raised.exception))
        self.assertNotIn(ACCESS_KEY_ID, str(raised.exception))


if __name__ == "__main__":
    unittest.main()
