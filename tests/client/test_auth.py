"""Authentication: SigV4 header auth, bad secrets, unknown keys, clock skew,
presigned (query-string) requests."""

import datetime
import unittest
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import (ACCESS_KEY_ID, SECRET_ACCESS_KEY, StratusTestCase,
                     skewed_clock)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class AuthTest(StratusTestCase):

    def vpc_count(self):
        return len(self.ec2.describe_vpcs()["Vpcs"])

    # ------------------------------------------------------------ header auth
    def test_valid_credentials_succeed(self):
        r = self.ec2.describe_regions()
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertTrue(r["Regions"])

    def test_wrong_secret_is_auth_failure(self):
        bad = self.server.client(secret_key=SECRET_ACCESS_KEY[:-4] + "XXXX")
        with self.assertEc2Error("AuthFailure", status=401):
            bad.describe_regions()

    def test_unknown_access_key_is_auth_failure(self):
        bad = self.server.client(access_key="AKIAUNKNOWNKEY000000", secret_key=SECRET_ACCESS_KEY)
        with self.assertEc2Error("AuthFailure", status=401):
            bad.describe_vpcs()

    def test_auth_failure_on_mutating_call_creates_nothing(self):
        before = self.vpc_count()
        bad = self.server.client(secret_key="not-the-secret-0000000000000000000000000")
        with self.assertEc2Error("AuthFailure"):
            bad.create_vpc(CidrBlock="10.77.0.0/16")
        self.assertEqual(self.vpc_count(), before)

    def test_unsigned_request_rejected(self):
        r = self.server.raw_request({"Action": "DescribeRegions"}, sign=False)
        self.assertIn(r.status, (400, 401, 403), r)
        self.assertIn(r.error_code(), ("AuthFailure", "MissingAuthenticationToken"), r)

    def test_tampered_body_rejected(self):
        prepared = self.server.prepare_request({"Action": "DescribeVpcs"})
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode()
        tampered = body.replace("DescribeVpcs", "DescribeSubnets")
        self.assertNotEqual(body, tampered)
        r = self.server.http("POST", prepared.url, tampered, dict(prepared.headers))
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)

    def test_signature_with_wrong_service_scope_rejected(self):
        r = self.server.raw_request({"Action": "DescribeRegions"}, service="s3")
        self.assertIn(r.status, (400, 401, 403), r)
        self.assertNotEqual(r.status, 200)

    def test_raw_signed_request_succeeds(self):
        """Control for the raw-request tests: a correct signature passes."""
        r = self.server.raw_request({"Action": "DescribeRegions"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("us-east-1", r.text)

    # ------------------------------------------------------------ clock skew
    def test_request_signed_20_minutes_ago_expired(self):
        with skewed_clock(-20):
            with self.assertEc2Error("RequestExpired", status=400):
                self.ec2.describe_regions()

    def test_request_signed_20_minutes_in_future_expired(self):
        with skewed_clock(+20):
            with self.assertEc2Error("RequestExpired", status=400):
                self.ec2.describe_regions()

    def test_raw_request_with_old_date_expired(self):
        r = self.server.raw_request({"Action": "DescribeRegions"},
                                    when=utcnow() - datetime.timedelta(minutes=20))
        self.assertEqual(r.error_code(), "RequestExpired", r)
        self.assertEqual(r.status, 400)

    def test_small_skew_is_tolerated(self):
        with skewed_clock(-10):
            r = self.ec2.describe_regions()
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        with skewed_clock(+10):
            r = self.ec2.describe_regions()
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_skewed_create_creates_nothing(self):
        before = self.vpc_count()
        with skewed_clock(-30):
            with self.assertEc2Error("RequestExpired"):
                self.ec2.create_vpc(CidrBlock="10.78.0.0/16")
        self.assertEqual(self.vpc_count(), before)

    # --------------------------------------------------------- presigned URLs
    def _presign(self, client, method, params=None, expires=300, http_method="GET"):
        # EC2's model says POST; a URL fetched with GET must be signed for GET
        # (the method is part of the canonical request).
        url = client.generate_presigned_url(method, Params=params or {}, ExpiresIn=expires,
                                            HttpMethod=http_method)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertIn("X-Amz-Signature", q, url)
        self.assertIn("X-Amz-Credential", q, url)
        return url

    def test_presigned_url_works(self):
        url = self._presign(self.ec2, "describe_regions")
        r = self.server.http("GET", url)
        self.assertEqual(r.status, 200, r)
        root = r.xml()
        self.assertTrue(root.tag.endswith("DescribeRegionsResponse"), root.tag)
        self.assertIn("<regionName>us-east-1</regionName>", r.text)
        self.assertIn("<regionName>ap-northeast-2</regionName>", r.text)
        self.assertTrue(r.request_id())

    def test_presigned_url_region_comes_from_credential_scope(self):
        url = self._presign(self.ec2_apne2, "describe_availability_zones")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertIn("/ap-northeast-2/ec2/", q["X-Amz-Credential"][0])
        r = self.server.http("GET", url)
        self.assertEqual(r.status, 200, r)
        self.assertIn("ap-northeast-2a", r.text)
        self.assertNotIn("us-east-1a", r.text)

    def test_presigned_url_with_parameters(self):
        vpc_id = self.default_vpc()["VpcId"]
        url = self._presign(self.ec2, "describe_vpcs", {"VpcIds": [vpc_id]})
        r = self.server.http("GET", url)
        self.assertEqual(r.status, 200, r)
        self.assertIn(vpc_id, r.text)

    def test_presigned_url_tampered_signature_rejected(self):
        url = self._presign(self.ec2, "describe_regions")
        parts = urllib.parse.urlsplit(url)
        q = urllib.parse.parse_qsl(parts.query)
        q = [(k, ("0" * len(v) if k == "X-Amz-Signature" else v)) for k, v in q]
        bad = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))
        r = self.server.http("GET", bad)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)

    def test_presigned_url_tampered_parameter_rejected(self):
        url = self._presign(self.ec2, "describe_availability_zones",
                            {"ZoneNames": ["us-east-1a"]})
        bad = url.replace("us-east-1a", "us-east-1b")
        self.assertNotEqual(url, bad)
        r = self.server.http("GET", bad)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)

    def test_presigned_url_expired_rejected(self):
        with skewed_clock(-30):
            url = self._presign(self.ec2, "describe_regions", expires=60)
        r = self.server.http("GET", url)
        self.assertNotEqual(r.status, 200, r)
        self.assertIn(r.error_code(), ("RequestExpired", "AuthFailure"), r)

    def test_presigned_url_signed_for_post_rejected_on_get(self):
        url = self._presign(self.ec2, "describe_regions", http_method="POST")
        r = self.server.http("GET", url)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)

    def test_presigned_url_unknown_key_rejected(self):
        bad = self.server.client(access_key="AKIAUNKNOWNKEY000000")
        url = self._presign(bad, "describe_regions")
        r = self.server.http("GET", url)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)

    # ------------------------------------------- what the signature must cover
    def group_count(self):
        return len(self.ec2.describe_security_groups()["SecurityGroups"])

    def test_presigned_post_url_refuses_an_unsigned_body(self):
        # botocore presigns over UNSIGNED-PAYLOAD: the body is anyone's, so its parameters
        # must not be merged into the signed ones (here: turn a read into a create).
        url = self._presign(self.ec2, "describe_vpcs", http_method="POST")
        before = self.group_count()
        body = urllib.parse.urlencode({"Action": "CreateSecurityGroup", "Version": "2016-11-15",
                                       "GroupName": "smuggled", "GroupDescription": "smuggled"})
        r = self.server.http("POST", url, body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "AuthFailure", r)
        self.assertEqual(self.group_count(), before)
        # The same URL with no body does what it was signed for.
        r = self.server.http("POST", url, b"", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.xml().tag.endswith("DescribeVpcsResponse"), r)

    def test_signed_body_cannot_repeat_the_querys_action(self):
        # Both parts signed, but two Actions: neither may win silently.
        body = urllib.parse.urlencode({"Action": "CreateSecurityGroup", "Version": "2016-11-15",
                                       "GroupName": "twice", "GroupDescription": "twice"})
        req = AWSRequest(method="POST", url=self.server.endpoint + "/?Action=DescribeVpcs", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "ec2", "us-east-1").add_auth(req)
        prepared = req.prepare()
        before = self.group_count()
        r = self.server.http("POST", prepared.url, prepared.body, dict(prepared.headers))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error_code(), "InvalidParameterValue", r)
        self.assertEqual(self.group_count(), before)


if __name__ == "__main__":
    unittest.main()
