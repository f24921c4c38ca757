"""STS on the same endpoint as EC2, routed by the service the SigV4 scope names: GetCallerIdentity
(Ansible's ec2_security_group and Terraform's AWS provider call it first), AssumeRole with the
role's trust policy enforced, GetSessionToken, and the temporary credentials they hand out,
honoured by SigV4 in every service (header and presigned URL) until they expire."""

import json
import os
import sqlite3
import time
import unittest
import urllib.request

from harness import ACCESS_KEY_ID, ACCOUNT_ID, StratusTestCase, skip_on_shared_store


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
            sts.get_federation_token(Name="session")
        wrong = self.server.client("us-east-1", service="sts", secret_key="not-the-secret-key-at-all-0000000000000")
        with self.assertEc2Error(("AuthFailure", "SignatureDoesNotMatch")):
            wrong.get_caller_identity()

    def test_unknown_access_key(self):
        sts = self.server.client("us-east-1", service="sts", access_key="AKIANOBODYNOBODY0000")
        with self.assertRaises(Exception) as raised:
            sts.get_caller_identity()
        self.assertIn("AuthFailure", str(raised.exception))
        self.assertNotIn(ACCESS_KEY_ID, str(raised.exception))


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*actions, resource="*"):
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource}


class SessionsTest(StratusTestCase):
    """A user `dev` who may assume role `reader` (EC2 read-only) and what its sessions may do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client(service="iam")
        cls.iam.create_user(UserName="dev")
        cls.dev_arn = "arn:aws:iam::%s:user/dev" % ACCOUNT_ID
        cls.iam.put_user_policy(UserName="dev", PolicyName="assume", PolicyDocument=document(
            allow("sts:AssumeRole", "ec2:DescribeRegions")))
        key = cls.iam.create_access_key(UserName="dev")["AccessKey"]
        cls.dev_key = key
        cls.dev_sts = cls.server.client(service="sts", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        trust = document({"Effect": "Allow", "Principal": {"AWS": cls.dev_arn}, "Action": "sts:AssumeRole"},
                         {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT_ID},
                          "Action": "sts:AssumeRole",
                          "Condition": {"StringEquals": {"sts:ExternalId": "open-sesame"}}})
        cls.role = cls.iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)["Role"]
        cls.iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=document(
            allow("ec2:Describe*", "sts:AssumeRole")))
        cls.addClassCleanup(cls.remove_principals)

    @classmethod
    def remove_principals(cls):
        iam = cls.iam
        for fn, kw in ((iam.delete_access_key, {"UserName": "dev", "AccessKeyId": cls.dev_key["AccessKeyId"]}),
                       (iam.delete_user_policy, {"UserName": "dev", "PolicyName": "assume"}),
                       (iam.delete_user, {"UserName": "dev"}),
                       (iam.delete_role_policy, {"RoleName": "reader", "PolicyName": "read"}),
                       (iam.delete_role, {"RoleName": "reader"})):
            try:
                fn(**kw)
            except Exception:
                pass

    def assume(self, sts=None, **kw):
        kw.setdefault("RoleArn", self.role["Arn"])
        kw.setdefault("RoleSessionName", "work")
        return (sts or self.dev_sts).assume_role(**kw)

    def test_assumed_role_identity_and_permissions(self):
        answer = self.assume(DurationSeconds=1800)
        creds = answer["Credentials"]
        self.assertRegex(creds["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertGreater(len(creds["SessionToken"]), 100)
        left = creds["Expiration"].timestamp() - time.time()
        self.assertTrue(1700 < left <= 1800, left)
        arn = "arn:aws:sts::%s:assumed-role/reader/work" % ACCOUNT_ID
        self.assertEqual(answer["AssumedRoleUser"], {"AssumedRoleId": self.role["RoleId"] + ":work", "Arn": arn})
        identity = self.server.session_client(creds, service="sts").get_caller_identity()
        self.assertEqual((identity["Arn"], identity["UserId"], identity["Account"]),
                         (arn, self.role["RoleId"] + ":work", ACCOUNT_ID))
        ec2 = self.server.session_client(creds)
        ec2.describe_vpcs()  # the role's policy allows it; dev's own does not
        with self.assertEc2Error("UnauthorizedOperation", status=403) as raised:
            ec2.create_vpc(CidrBlock="10.9.0.0/16")
        self.assertIn("User: %s is not authorized to perform: ec2:CreateVpc" % arn,
                      raised.exception.response["Error"]["Message"])
        # The aws CLI reads the same credentials from its environment.
        env = dict(self.server.cli_env(), AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                   AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"], AWS_SESSION_TOKEN=creds["SessionToken"])
        self.assertEqual(self.server.aws("sts", "get-caller-identity", env=env)["Arn"], arn)

    def test_trust_policy_decides(self):
        # Root never assumes roles; a user the trust policy does not name needs the external id.
        with self.assertEc2Error("AccessDenied", status=403) as raised:
            self.assume(self.server.client(service="sts"))
        self.assertEqual(raised.exception.response["Error"]["Message"], "Roles may not be assumed by root accounts.")
        other = self.iam.create_user(UserName="other")["User"]
        self.addCleanup(self.iam.delete_user, UserName="other")
        self.iam.put_user_policy(UserName="other", PolicyName="a", PolicyDocument=document(allow("sts:AssumeRole")))
        self.addCleanup(self.iam.delete_user_policy, UserName="other", PolicyName="a")
        key = self.iam.create_access_key(UserName="other")["AccessKey"]
        self.addCleanup(self.iam.delete_access_key, UserName="other", AccessKeyId=key["AccessKeyId"])
        sts = self.server.client(service="sts", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        with self.assertEc2Error("AccessDenied", status=403) as raised:
            self.assume(sts)
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "User: %s is not authorized to perform: sts:AssumeRole on resource: %s because no role "
                         "trust policy allows the sts:AssumeRole action" % (other["Arn"], self.role["Arn"]))
        with self.assertEc2Error("AccessDenied"):
            self.assume(sts, ExternalId="wrong-one")
        self.assume(sts, ExternalId="open-sesame")
        # Trust naming the account delegates to the caller's own policies: without them, denied.
        self.iam.delete_user_policy(UserName="other", PolicyName="a")
        with self.assertEc2Error("AccessDenied") as raised:
            self.assume(sts, ExternalId="open-sesame")
        self.assertIn("because no identity-based policy allows", raised.exception.response["Error"]["Message"])
        self.iam.put_user_policy(UserName="other", PolicyName="a", PolicyDocument=document(allow("sts:AssumeRole")))
        # A role that does not exist is refused the same way, not reported missing.
        with self.assertEc2Error("AccessDenied"):
            self.assume(RoleArn="arn:aws:iam::%s:role/nobody" % ACCOUNT_ID)

    def test_durations(self):
        with self.assertEc2Error("ValidationError") as raised:
            self.assume(DurationSeconds=7201)
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        sts = self.server.client(service="sts", access_key=self.dev_key["AccessKeyId"],
                                 secret_key=self.dev_key["SecretAccessKey"], validate=False)
        with self.assertEc2Error("ValidationError"):
            sts.assume_role(RoleArn=self.role["Arn"], RoleSessionName="work", DurationSeconds=899)
        with self.assertEc2Error("ValidationError"):
            sts.assume_role(RoleArn=self.role["Arn"], RoleSessionName="a b")
        # Role chaining: a session of `reader` assuming `reader` again (its trust names the account
        # with an external id) gets an hour at most.
        session = self.server.session_client(self.assume()["Credentials"], service="sts")
        with self.assertEc2Error("ValidationError") as raised:
            self.assume(session, ExternalId="open-sesame", DurationSeconds=3601)
        self.assertIn("1 hour session limit for roles assumed by role chaining", raised.exception.response["Error"]["Message"])
        chained = self.assume(session, ExternalId="open-sesame", RoleSessionName="chained")
        self.assertEqual(chained["AssumedRoleUser"]["Arn"], "arn:aws:sts::%s:assumed-role/reader/chained" % ACCOUNT_ID)

    def test_session_policies_narrow_the_role(self):
        answer = self.assume(Policy=document(allow("ec2:DescribeVpcs")))
        self.assertIn("PackedPolicySize", answer)
        ec2 = self.server.session_client(answer["Credentials"])
        ec2.describe_vpcs()
        with self.assertEc2Error("UnauthorizedOperation") as raised:
            ec2.describe_subnets()
        self.assertIn("because no session policy allows", raised.exception.response["Error"]["Message"])
        with self.assertEc2Error("MalformedPolicyDocument"):
            self.assume(Policy='{"Statement": 7}')
        # AWS managed policies may narrow too.
        answer = self.assume(PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
        with self.assertEc2Error("UnauthorizedOperation"):
            self.server.session_client(answer["Credentials"]).describe_vpcs()

    def test_session_tags_need_tag_session(self):
        with self.assertEc2Error("AccessDenied") as raised:
            self.assume(Tags=[{"Key": "team", "Value": "blue"}])
        self.assertIn("sts:TagSession", raised.exception.response["Error"]["Message"])

    def test_tokens_are_checked(self):
        creds = self.assume()["Credentials"]
        forged = dict(creds, SessionToken=creds["SessionToken"][:-4] + "AAAA")
        with self.assertEc2Error("InvalidClientTokenId", status=403):
            self.server.session_client(forged, service="sts").get_caller_identity()
        with self.assertEc2Error("AuthFailure"):
            self.server.session_client(forged).describe_vpcs()
        without = self.server.client(service="sts", access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"])
        with self.assertEc2Error("InvalidClientTokenId"):
            without.get_caller_identity()
        # A long-term key with a token is no session either.
        with self.assertEc2Error("InvalidClientTokenId"):
            self.server.client(service="sts", session_token=creds["SessionToken"]).get_caller_identity()
        # Presigned: the token travels in the query string (botocore signs Query APIs' URLs for POST).
        url = self.server.session_client(creds).generate_presigned_url("describe_regions", ExpiresIn=60)
        self.assertIn("X-Amz-Security-Token=", url)
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertIn(b"us-east-1", response.read())

    def test_get_session_token(self):
        dev = self.dev_sts.get_session_token(DurationSeconds=900)["Credentials"]
        self.assertRegex(dev["AccessKeyId"], r"^ASIA")
        sts = self.server.session_client(dev, service="sts")
        self.assertEqual(sts.get_caller_identity()["Arn"], self.dev_arn)
        self.server.session_client(dev).describe_regions()  # dev's own permissions
        with self.assertEc2Error("UnauthorizedOperation"):
            self.server.session_client(dev).describe_vpcs()
        with self.assertEc2Error("InvalidClientTokenId", status=403):
            self.server.session_client(dev, service="iam").list_users()
        with self.assertEc2Error("AccessDenied") as raised:
            sts.get_session_token()
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "Cannot call GetSessionToken with session credentials")
        sts.assume_role(RoleArn=self.role["Arn"], RoleSessionName="from-session")
        # The root's sessions last an hour at most.
        root = self.server.client(service="sts").get_session_token(DurationSeconds=7200)["Credentials"]
        self.assertLessEqual(root["Expiration"].timestamp() - time.time(), 3600)
        self.assertEqual(self.server.session_client(root, service="sts").get_caller_identity()["Arn"],
                         "arn:aws:iam::%s:root" % ACCOUNT_ID)

    @skip_on_shared_store
    def test_sessions_survive_a_restart_and_expire(self):
        creds = self.assume()["Credentials"]
        self.server.stop()
        db = sqlite3.connect(os.path.join(self.server.data_dir, "stratus.db"))
        with db:
            db.execute("UPDATE records SET doc = json_set(doc, '$.Expiration', ?) WHERE id = ?",
                       (int(time.time()) + 5, creds["AccessKeyId"]))
        db.close()
        self.server.start(port=self.server.port)
        sts = self.server.session_client(creds, service="sts")
        sts.get_caller_identity()
        time.sleep(6)
        with self.assertEc2Error("ExpiredToken", status=403) as raised:
            sts.get_caller_identity()
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "The security token included in the request is expired")


if __name__ == "__main__":
    unittest.main()
