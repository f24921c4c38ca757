"""Several `stratus serve` on one PostgreSQL database (`--store`) are one region: what one server
writes, the others answer; checks that span records hold across servers; IAM changes made through
one server apply on the others; S3 objects stored through one server are served by the others; only
one server runs the region's instances.

The test starts its own PostgreSQL (scripts/postgres on a unix socket), whatever
STRATUS_TEST_STORE says.
"""
import concurrent.futures
import json
import shutil
import subprocess
import tempfile
import unittest

from botocore.exceptions import ClientError

from harness import (ServerError, StratusServer, StratusTestCase, TestPostgres, reap, uniq)


class SharedStoreTest(StratusTestCase):
    """Server `a` runs the instances; `b` serves the API beside it (--no-host); they share a
    directory for S3's bytes (--shared-dir)."""

    @classmethod
    def setUpClass(cls):
        cls.store_url = TestPostgres.new_database()
        cls.addClassCleanup(TestPostgres.drop_database, cls.store_url)
        cls.shared_dir = tempfile.mkdtemp(prefix="stratus-test-shared-")
        cls.addClassCleanup(shutil.rmtree, cls.shared_dir, True)
        cls.a = StratusServer(store_url=cls.store_url, extra_args=["--shared-dir", cls.shared_dir])
        cls.addClassCleanup(reap, cls.a)
        cls.a.start()
        cls.b = StratusServer(store_url=cls.store_url, extra_args=["--no-host", "--shared-dir", cls.shared_dir])
        cls.addClassCleanup(reap, cls.b)
        cls.b.start()
        cls.server = cls.a
        cls.ec2_a = cls.a.client("us-east-1")
        cls.ec2_b = cls.b.client("us-east-1")

    def seen_on_b(self, check, message):
        """Waits (up to 2 s, well inside the 5 s periodic catch-up) until `check` holds on b."""
        def holds():
            try:
                return check()
            except Exception:  # not there yet: an error such as InvalidVpcID.NotFound
                return False
        self.wait_for(holds, 2, message)

    def test_a_write_on_one_server_is_answered_by_the_other(self):
        vpc = self.ec2_a.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        self.seen_on_b(lambda: self.ec2_b.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["State"] == "available",
                       "b never described a's VPC")
        name = uniq("shared")
        self.ec2_b.create_key_pair(KeyName=name)
        # A server reads its own writes at once, and writes after catching up: a's duplicate
        # check sees b's key pair although a learns of it by notification.
        with self.assertEc2Error("InvalidKeyPair.Duplicate"):
            self.ec2_a.create_key_pair(KeyName=name)
        self.ec2_b.delete_vpc(VpcId=vpc)
        self.seen_on_b(lambda: not self.ec2_a.describe_vpcs(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"], "a still describes the deleted VPC")

    def test_s3_objects_stored_through_one_server_are_served_by_the_other(self):
        s3_a, s3_b = self.a.client("us-east-1", service="s3"), self.b.client("us-east-1", service="s3")
        bucket = uniq("shared-bucket")
        s3_a.create_bucket(Bucket=bucket)
        self.seen_on_b(lambda: s3_b.head_bucket(Bucket=bucket) is not None, "b never knew a's bucket")
        s3_b.put_object(Bucket=bucket, Key="k", Body=b"written through b")
        self.seen_on_b(lambda: s3_a.get_object(Bucket=bucket, Key="k")["Body"].read() == b"written through b",
                       "a never served b's object")
        s3_a.put_object(Bucket=bucket, Key="k", Body=b"then through a")
        self.seen_on_b(lambda: s3_b.get_object(Bucket=bucket, Key="k")["Body"].read() == b"then through a",
                       "b still serves the older version")
        self.assertEqual([o["Key"] for o in s3_b.list_objects_v2(Bucket=bucket)["Contents"]], ["k"])
        s3_a.delete_object(Bucket=bucket, Key="k")
        self.seen_on_b(lambda: s3_b.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, "b still lists the object")
        s3_b.delete_bucket(Bucket=bucket)

    def test_s3_writes_racing_on_two_servers_are_checked_against_each_other(self):
        s3 = [self.a.client("us-east-1", service="s3"), self.b.client("us-east-1", service="s3")]
        bucket = uniq("race-bucket")

        def attempt(call):
            try:
                call()
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        # One bucket name, created through both servers at once: made once.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda c: attempt(lambda: c.create_bucket(Bucket=bucket)), s3 * 4))
        self.assertEqual(sorted(results), ["BucketAlreadyOwnedByYou"] * 7 + ["ok"], results)
        # One key written with If-None-Match: * through both at once: written once.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: attempt(lambda: s3[i % 2].put_object(
                Bucket=bucket, Key="once", Body=b"writer %d" % i, IfNoneMatch="*")), range(8)))
        self.assertEqual(sorted(results), ["PreconditionFailed"] * 7 + ["ok"], results)
        # A write right after the other server's, with no wait: checked against it.
        s3[1].put_object(Bucket=bucket, Key="fresh", Body=b"b")
        self.assertEqual(attempt(lambda: s3[0].put_object(Bucket=bucket, Key="fresh", Body=b"a", IfNoneMatch="*")),
                         "PreconditionFailed")
        s3[0].delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "once"}, {"Key": "fresh"}]})
        self.assertEqual(attempt(lambda: s3[1].delete_bucket(Bucket=bucket)), "ok")

    def test_a_name_taken_concurrently_on_two_servers_is_taken_once(self):
        vpc = self.ec2_a.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        name = uniq("race")

        def create(ec2):
            try:
                return ec2.create_security_group(GroupName=name, Description="race", VpcId=vpc)["GroupId"]
            except Exception as e:  # noqa: BLE001 - the loser's error is checked below
                return e

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, [self.ec2_a, self.ec2_b] * 4))
        created = [r for r in results if isinstance(r, str)]
        self.assertEqual(len(created), 1, results)
        for r in results:
            if not isinstance(r, str):
                self.assertEqual(r.response["Error"]["Code"], "InvalidGroup.Duplicate")
        groups = self.ec2_b.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
        self.assertEqual([g["GroupId"] for g in groups["SecurityGroups"]], created)

    def test_iam_changes_made_on_one_server_apply_on_the_other(self):
        iam = self.a.client(service="iam")
        user = uniq("shared-user")
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        as_user_b = self.b.client("us-east-1", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        def denied():  # once b knows the key (AuthFailure until then), for want of a policy
            try:
                as_user_b.describe_vpcs()
            except ClientError as e:
                return e.response["Error"]["Code"] == "UnauthorizedOperation"
            self.fail("a user without policies was allowed")
        self.wait_for(denied, 2, "b never knew the new key")
        iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}))
        self.seen_on_b(lambda: "Vpcs" in as_user_b.describe_vpcs(), "b kept denying after the policy was added")

    def test_only_one_server_runs_the_region_and_no_host_needs_a_store(self):
        second_host = StratusServer(store_url=self.store_url)
        self.addCleanup(reap, second_host)
        with self.assertRaises(ServerError) as refused:
            second_host.start(timeout=20)
        self.assertIn("start this one with --no-host", str(refused.exception))
        self.addCleanup(shutil.rmtree, self.a.data_dir + "-alone", True)
        alone = subprocess.run([self.a.binary, "serve", "--no-host", "--data-dir", self.a.data_dir + "-alone",
                                "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(alone.returncode, 2)
        self.assertIn("--no-host needs --store", alone.stderr)


if __name__ == "__main__":
    unittest.main()
