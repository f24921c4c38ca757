"""S3 on the region's endpoint, through boto3 and the aws CLI as they are: buckets (AWS's naming
rules, location constraints, the redirect to a bucket's own region), objects streamed to disk
(PutObject with the CRC32 boto3 adds, GetObject with ranges, conditions and response overrides,
HeadObject, CopyObject, DeleteObject(s)), listings with prefixes, delimiters and pages, presigned
URLs, SigV4's S3 forms (signed, unsigned and aws-chunked payloads), and S3's error bodies."""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import zlib

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from harness import ACCESS_KEY_ID, ACCOUNT_ID, SECRET_ACCESS_KEY, StratusTestCase


def s3_client(server, region="us-east-1", **config):
    return server.client(region, service="s3", **config)


class DeclaredPayloadAuth(botocore.auth.S3SigV4Auth):
    """S3's SigV4 signing with a chosen x-amz-content-sha256 (UNSIGNED-PAYLOAD, a STREAMING- form,
    a wrong hash) in place of the body's real hash, which botocore always signs over http."""

    def __init__(self, region, payload_hash):
        super().__init__(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "s3", region)
        self.payload_hash = payload_hash

    def payload(self, request):
        return self.payload_hash


def signing_key(date, region="us-east-1"):
    key = ("AWS4" + SECRET_ACCESS_KEY).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class S3TestCase(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = s3_client(cls.server)

    def make_bucket(self, name, region="us-east-1"):
        client = s3_client(self.server, region)
        if region == "us-east-1":
            client.create_bucket(Bucket=name)
        else:
            client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        self.addCleanup(self.empty_and_delete, client, name)
        return client

    @staticmethod
    def empty_and_delete(client, name):
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    client.delete_objects(Bucket=name, Delete={"Objects": keys})
            client.delete_bucket(Bucket=name)
        except client.exceptions.NoSuchBucket:
            pass

    def raw(self, method, path, body=b"", headers=None, region="us-east-1", payload_hash=None, sign=True,
            host=None, query=""):
        """Sends a request signed as S3 signs (the path as given) and returns (status, headers, body)."""
        url = self.server.endpoint + path + (("?" + query) if query else "")
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        if host:
            request.headers["Host"] = host
        if sign and payload_hash is not None:
            DeclaredPayloadAuth(region, payload_hash).add_auth(request)
        elif sign:
            botocore.auth.S3SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "s3", region).add_auth(request)
        prepared = request.prepare()
        parsed = urllib.parse.urlsplit(self.server.endpoint)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.request(method, prepared.url[len(self.server.endpoint):], body=body, headers=dict(prepared.headers))
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


class BucketTest(S3TestCase):

    def test_create_list_head_locate_delete(self):
        self.make_bucket("buckets-east")
        self.make_bucket("buckets-west", region="eu-west-1")
        names = {b["Name"]: b for b in self.s3.list_buckets()["Buckets"]}
        self.assertIn("buckets-east", names)
        self.assertIn("buckets-west", names)
        self.assertIsInstance(names["buckets-east"]["CreationDate"], datetime.datetime)
        self.assertIsNone(self.s3.get_bucket_location(Bucket="buckets-east")["LocationConstraint"])
        west = s3_client(self.server, "eu-west-1")
        self.assertEqual(west.get_bucket_location(Bucket="buckets-west")["LocationConstraint"], "eu-west-1")
        head = self.s3.head_bucket(Bucket="buckets-east")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], "us-east-1")
        # A client configured for another region is redirected to the bucket's (botocore retries there).
        self.s3.put_object(Bucket="buckets-west", Key="k", Body=b"v")
        self.assertEqual(west.get_object(Bucket="buckets-west", Key="k")["Body"].read(), b"v")

    def test_naming_rules_and_conflicts(self):
        for bad in ("ab", "UpperCase", "under_score", "192.168.5.4", "xn--punycode", "end-"):
            with self.assertEc2Error("InvalidBucketName", status=400, msg=bad):
                self.s3.create_bucket(Bucket=bad)
        self.make_bucket("taken-once")
        with self.assertEc2Error("BucketAlreadyOwnedByYou", status=409):
            self.s3.create_bucket(Bucket="taken-once")
        with self.assertEc2Error("InvalidLocationConstraint", status=400):
            self.s3.create_bucket(Bucket="explicit-east", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
        with self.assertEc2Error("IllegalLocationConstraintException", status=400):
            s3_client(self.server, "eu-west-1").create_bucket(Bucket="no-constraint")

    def test_public_access_block(self):
        self.make_bucket("blocked-bucket")
        config = self.s3.get_public_access_block(Bucket="blocked-bucket")["PublicAccessBlockConfiguration"]
        self.assertEqual(config, {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                                  "RestrictPublicBuckets": True})  # new buckets block public access, as on AWS
        public = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::blocked-bucket/*"}]})
        with self.assertEc2Error("AccessDenied", status=403):
            self.s3.put_bucket_policy(Bucket="blocked-bucket", Policy=public)
        with self.assertEc2Error("AccessDenied", status=403):
            self.s3.put_object(Bucket="blocked-bucket", Key="k", Body=b"x", ACL="public-read")
        with self.assertEc2Error("NoSuchBucketPolicy"):
            self.s3.get_bucket_policy(Bucket="blocked-bucket")
        self.s3.put_public_access_block(Bucket="blocked-bucket", PublicAccessBlockConfiguration={"BlockPublicPolicy": False})
        self.assertFalse(self.s3.get_public_access_block(Bucket="blocked-bucket")["PublicAccessBlockConfiguration"]["BlockPublicAcls"])
        self.s3.put_bucket_policy(Bucket="blocked-bucket", Policy=public)
        self.s3.put_object(Bucket="blocked-bucket", Key="k", Body=b"x", ACL="public-read")
        self.s3.delete_bucket_policy(Bucket="blocked-bucket")
        self.s3.delete_public_access_block(Bucket="blocked-bucket")
        with self.assertEc2Error("NoSuchPublicAccessBlockConfiguration", status=404):
            self.s3.get_public_access_block(Bucket="blocked-bucket")

    def test_delete_needs_an_empty_bucket_and_missing_buckets_are_404(self):
        self.make_bucket("not-empty")
        self.s3.put_object(Bucket="not-empty", Key="k", Body=b"x")
        with self.assertEc2Error("BucketNotEmpty", status=409):
            self.s3.delete_bucket(Bucket="not-empty")
        with self.assertEc2Error("NoSuchBucket", status=404) as raised:
            self.s3.get_object(Bucket="no-such-bucket-here", Key="k")
        self.assertEqual(raised.exception.response["Error"]["BucketName"], "no-such-bucket-here")
        with self.assertRaises(self.s3.exceptions.ClientError) as head:
            self.s3.head_bucket(Bucket="no-such-bucket-here")
        self.assertEqual(head.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_tagging(self):
        self.make_bucket("tagged-bucket")
        with self.assertEc2Error("NoSuchTagSet", status=404):
            self.s3.get_bucket_tagging(Bucket="tagged-bucket")
        tags = [{"Key": "team", "Value": "storage"}, {"Key": "cost", "Value": "42"}]
        self.s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging={"TagSet": tags})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"], tags)
        with self.assertEc2Error("InvalidTag", status=400):
            self.s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging={"TagSet": tags + [tags[0]]})
        self.s3.delete_bucket_tagging(Bucket="tagged-bucket")
        with self.assertEc2Error("NoSuchTagSet"):
            self.s3.get_bucket_tagging(Bucket="tagged-bucket")
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket="tagged-bucket"))


class ObjectTest(S3TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3.create_bucket(Bucket="objects")

    def test_put_get_head_with_metadata(self):
        body = os.urandom(100_000)
        put = self.s3.put_object(Bucket="objects", Key="dir/file.bin", Body=body, ContentType="application/x-test",
                                 Metadata={"color": "blue"}, CacheControl="max-age=60")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = self.s3.get_object(Bucket="objects", Key="dir/file.bin")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["Metadata"], {"color": "blue"})
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["ContentLength"], len(body))
        head = self.s3.head_object(Bucket="objects", Key="dir/file.bin", ChecksumMode="ENABLED")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ETag"], put["ETag"])
        crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        self.assertEqual(head["ChecksumCRC32"], crc)
        self.assertLess(abs((head["LastModified"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()), 60)
        empty = self.s3.put_object(Bucket="objects", Key="empty", Body=b"")
        self.assertEqual(empty["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"')
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="empty")["Body"].read(), b"")

    def test_additional_checksums(self):
        body = os.urandom(70_000)
        for algorithm in ("SHA1", "SHA256"):  # CRC32C and CRC64NVME need botocore[crt]: unit-tested
            put = self.s3.put_object(Bucket="objects", Key="sum/" + algorithm, Body=body, ChecksumAlgorithm=algorithm)
            self.assertIn("Checksum" + algorithm, put, algorithm)
            head = self.s3.head_object(Bucket="objects", Key="sum/" + algorithm, ChecksumMode="ENABLED")
            self.assertEqual(head["Checksum" + algorithm], put["Checksum" + algorithm])
            got = self.s3.get_object(Bucket="objects", Key="sum/" + algorithm, ChecksumMode="ENABLED")
            self.assertEqual(got["Body"].read(), body)  # botocore checks the checksum it is given
        sha = self.s3.head_object(Bucket="objects", Key="sum/SHA256", ChecksumMode="ENABLED")["ChecksumSHA256"]
        self.assertEqual(sha, base64.b64encode(hashlib.sha256(body).digest()).decode())
        wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        with self.assertEc2Error("BadDigest", status=400):
            self.s3.put_object(Bucket="objects", Key="sum/wrong", Body=body, ChecksumSHA256=wrong)
        with self.assertEc2Error("NoSuchKey"):
            self.s3.get_object(Bucket="objects", Key="sum/wrong")

    def test_keys_with_odd_characters_round_trip(self):
        for key in ("a b+c=d~!*()'", "unicode/é/日本", "trailing/", "x//y/./z", "percent%20sign"):
            self.s3.put_object(Bucket="objects", Key=key, Body=key.encode())
            self.assertEqual(self.s3.get_object(Bucket="objects", Key=key)["Body"].read(), key.encode(), key)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="objects", Prefix="x//")["Contents"]]
        self.assertEqual(keys, ["x//y/./z"])

    def test_ranges(self):
        body = bytes(range(256)) * 40
        self.s3.put_object(Bucket="objects", Key="ranged", Body=body)
        got = self.s3.get_object(Bucket="objects", Key="ranged", Range="bytes=10-19")
        self.assertEqual(got["Body"].read(), body[10:20])
        self.assertEqual(got["ContentRange"], "bytes 10-19/%d" % len(body))
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="ranged", Range="bytes=-5")["Body"].read(), body[-5:])
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="ranged", Range="bytes=10000-")["Body"].read(),
                         body[10000:])
        with self.assertEc2Error("InvalidRange", status=416):
            self.s3.get_object(Bucket="objects", Key="ranged", Range="bytes=%d-" % len(body))

    def test_conditional_requests(self):
        etag = self.s3.put_object(Bucket="objects", Key="conditional", Body=b"v1")["ETag"]
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="conditional", IfMatch=etag)["Body"].read(), b"v1")
        with self.assertEc2Error("PreconditionFailed", status=412):
            self.s3.get_object(Bucket="objects", Key="conditional", IfMatch='"0000"')
        with self.assertRaises(self.s3.exceptions.ClientError) as raised:
            self.s3.get_object(Bucket="objects", Key="conditional", IfNoneMatch=etag)
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        with self.assertRaises(self.s3.exceptions.ClientError) as raised:
            self.s3.get_object(Bucket="objects", Key="conditional", IfModifiedSince=future)
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        with self.assertEc2Error("PreconditionFailed", status=412):
            self.s3.get_object(Bucket="objects", Key="conditional", IfUnmodifiedSince=past)
        # A conditional write: If-None-Match: * refuses to replace an existing key.
        with self.assertEc2Error("PreconditionFailed", status=412):
            self.s3.put_object(Bucket="objects", Key="conditional", Body=b"v2", IfNoneMatch="*")
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="conditional")["Body"].read(), b"v1")
        self.s3.put_object(Bucket="objects", Key="conditional-new", Body=b"n", IfNoneMatch="*")

    def test_response_overrides(self):
        self.s3.put_object(Bucket="objects", Key="override", Body=b"x", ContentType="text/plain")
        got = self.s3.get_object(Bucket="objects", Key="override", ResponseContentType="application/json",
                                 ResponseContentDisposition="attachment; filename=x.json")
        self.assertEqual(got["ContentType"], "application/json")
        self.assertEqual(got["ContentDisposition"], "attachment; filename=x.json")

    def test_delete_and_delete_many(self):
        for i in range(5):
            self.s3.put_object(Bucket="objects", Key="del/%d" % i, Body=b"x")
        self.s3.delete_object(Bucket="objects", Key="del/0")
        self.s3.delete_object(Bucket="objects", Key="del/never-there")  # succeeds too, as S3
        with self.assertEc2Error("NoSuchKey", status=404) as raised:
            self.s3.get_object(Bucket="objects", Key="del/0")
        self.assertEqual(raised.exception.response["Error"]["Key"], "del/0")
        answer = self.s3.delete_objects(Bucket="objects", Delete={"Objects": [{"Key": "del/%d" % i} for i in range(1, 5)]})
        self.assertEqual(sorted(d["Key"] for d in answer["Deleted"]), ["del/1", "del/2", "del/3", "del/4"])
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket="objects", Prefix="del/"))
        quiet = self.s3.delete_objects(Bucket="objects", Delete={"Objects": [{"Key": "del/x"}], "Quiet": True})
        self.assertNotIn("Deleted", quiet)

    def test_copy(self):
        self.s3.put_object(Bucket="objects", Key="copy/src", Body=b"source", Metadata={"a": "1"}, ContentType="text/x")
        copied = self.s3.copy_object(Bucket="objects", Key="copy/dst", CopySource={"Bucket": "objects", "Key": "copy/src"})
        self.assertEqual(copied["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"source").hexdigest())
        dst = self.s3.get_object(Bucket="objects", Key="copy/dst")
        self.assertEqual(dst["Body"].read(), b"source")
        self.assertEqual(dst["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket="objects", Key="copy/dst", CopySource="objects/copy/src", MetadataDirective="REPLACE",
                            Metadata={"b": "2"}, ContentType="text/y")
        dst = self.s3.head_object(Bucket="objects", Key="copy/dst")
        self.assertEqual((dst["Metadata"], dst["ContentType"]), ({"b": "2"}, "text/y"))
        with self.assertEc2Error("InvalidRequest", status=400):
            self.s3.copy_object(Bucket="objects", Key="copy/src", CopySource="objects/copy/src")
        with self.assertEc2Error("PreconditionFailed", status=412):
            self.s3.copy_object(Bucket="objects", Key="copy/x", CopySource="objects/copy/src", CopySourceIfMatch='"0"')
        with self.assertEc2Error("NoSuchKey"):
            self.s3.copy_object(Bucket="objects", Key="copy/x", CopySource="objects/copy/none")


class ObjectTaggingTest(S3TestCase):

    def test_tags_on_put_copy_and_their_own_calls(self):
        self.make_bucket("tagged-objects")
        self.s3.put_object(Bucket="tagged-objects", Key="k", Body=b"x", Tagging="team=blue&stage=dev")
        tags = self.s3.get_object_tagging(Bucket="tagged-objects", Key="k")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("stage", "dev"), ("team", "blue")])
        self.assertEqual(self.s3.get_object(Bucket="tagged-objects", Key="k")["TagCount"], 2)
        self.s3.put_object_tagging(Bucket="tagged-objects", Key="k", Tagging={"TagSet": [{"Key": "team", "Value": "red"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket="tagged-objects", Key="k")["TagSet"], [{"Key": "team", "Value": "red"}])
        self.assertEqual(self.s3.get_object(Bucket="tagged-objects", Key="k")["Body"].read(), b"x")  # same bytes
        self.s3.copy_object(Bucket="tagged-objects", Key="copy", CopySource="tagged-objects/k")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tagged-objects", Key="copy")["TagSet"], [{"Key": "team", "Value": "red"}])
        self.s3.copy_object(Bucket="tagged-objects", Key="copy2", CopySource="tagged-objects/k", TaggingDirective="REPLACE",
                            Tagging="fresh=1")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tagged-objects", Key="copy2")["TagSet"], [{"Key": "fresh", "Value": "1"}])
        with self.assertEc2Error("InvalidTag", status=400):
            self.s3.put_object_tagging(Bucket="tagged-objects", Key="k", Tagging={"TagSet": [
                {"Key": "k%d" % i, "Value": "v"} for i in range(11)]})
        with self.assertEc2Error("InvalidTag", status=400):
            self.s3.put_object(Bucket="tagged-objects", Key="bad", Body=b"x", Tagging="aws:reserved=1")
        self.s3.delete_object_tagging(Bucket="tagged-objects", Key="k")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tagged-objects", Key="k")["TagSet"], [])
        self.assertNotIn("TagCount", self.s3.head_object(Bucket="tagged-objects", Key="k"))
        with self.assertEc2Error("NoSuchKey", status=404):
            self.s3.get_object_tagging(Bucket="tagged-objects", Key="missing")


class VersioningTest(S3TestCase):

    def test_versions_delete_markers_and_suspension(self):
        self.make_bucket("versioned")
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket="versioned"))
        self.s3.put_object(Bucket="versioned", Key="k", Body=b"before")  # the null version
        self.s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="versioned")["Status"], "Enabled")
        v1 = self.s3.put_object(Bucket="versioned", Key="k", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket="versioned", Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        got = self.s3.get_object(Bucket="versioned", Key="k")
        self.assertEqual((got["Body"].read(), got["VersionId"]), (b"two", v2))
        self.assertEqual(self.s3.get_object(Bucket="versioned", Key="k", VersionId=v1)["Body"].read(), b"one")
        self.assertEqual(self.s3.get_object(Bucket="versioned", Key="k", VersionId="null")["Body"].read(), b"before")
        deleted = self.s3.delete_object(Bucket="versioned", Key="k")
        self.assertTrue(deleted["DeleteMarker"])
        marker = deleted["VersionId"]
        with self.assertEc2Error("NoSuchKey", status=404):
            self.s3.get_object(Bucket="versioned", Key="k")
        with self.assertEc2Error("MethodNotAllowed", status=405):
            self.s3.get_object(Bucket="versioned", Key="k", VersionId=marker)
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket="versioned"))
        listed = self.s3.list_object_versions(Bucket="versioned")
        self.assertEqual([(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]],
                         [(v2, False), (v1, False), ("null", False)])
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]], [(marker, True)])
        page = self.s3.list_object_versions(Bucket="versioned", MaxKeys=2)
        self.assertTrue(page["IsTruncated"])
        rest = self.s3.list_object_versions(Bucket="versioned", KeyMarker=page["NextKeyMarker"],
                                            VersionIdMarker=page["NextVersionIdMarker"])
        self.assertEqual([v["VersionId"] for v in rest["Versions"]], [v1, "null"])
        with self.assertEc2Error("BucketNotEmpty", status=409):
            self.s3.delete_bucket(Bucket="versioned")
        # Removing the marker brings the key back; removing a version is for good.
        self.s3.delete_object(Bucket="versioned", Key="k", VersionId=marker)
        self.assertEqual(self.s3.get_object(Bucket="versioned", Key="k")["Body"].read(), b"two")
        self.s3.delete_object(Bucket="versioned", Key="k", VersionId=v2)
        self.assertEqual(self.s3.get_object(Bucket="versioned", Key="k")["Body"].read(), b"one")
        with self.assertEc2Error("NoSuchVersion", status=404):
            self.s3.get_object(Bucket="versioned", Key="k", VersionId=v2)
        # Suspended: new writes are the null version, replacing the old null one.
        self.s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Suspended"})
        suspended = self.s3.put_object(Bucket="versioned", Key="k", Body=b"suspended")
        self.assertEqual(suspended["VersionId"], "null")
        ids = [v["VersionId"] for v in self.s3.list_object_versions(Bucket="versioned")["Versions"]]
        self.assertEqual(ids, ["null", v1])
        self.assertEqual(self.s3.get_object(Bucket="versioned", Key="k", VersionId="null")["Body"].read(), b"suspended")
        # DeleteObjects by version empties it; then the bucket can go.
        answer = self.s3.delete_objects(Bucket="versioned", Delete={"Objects": [
            {"Key": "k", "VersionId": "null"}, {"Key": "k", "VersionId": v1}, {"Key": "k", "VersionId": "nope"}]})
        self.assertEqual(sorted(d["VersionId"] for d in answer["Deleted"]), sorted(["null", v1]))
        self.assertEqual([e["Code"] for e in answer["Errors"]], ["NoSuchVersion"])
        self.assertNotIn("Versions", self.s3.list_object_versions(Bucket="versioned"))
        with self.assertEc2Error("MalformedXML", status=400):
            self.s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Off"})

    def test_versions_survive_a_restart(self):
        self.make_bucket("versioned-kept")
        self.s3.put_bucket_versioning(Bucket="versioned-kept", VersioningConfiguration={"Status": "Enabled"})
        first = self.s3.put_object(Bucket="versioned-kept", Key="k", Body=b"first")["VersionId"]
        second = self.s3.put_object(Bucket="versioned-kept", Key="k", Body=b"second")["VersionId"]
        self.server.restart()
        s3 = s3_client(self.server)
        self.assertEqual(s3.get_object(Bucket="versioned-kept", Key="k")["VersionId"], second)
        self.assertEqual(s3.get_object(Bucket="versioned-kept", Key="k", VersionId=first)["Body"].read(), b"first")
        for version in (first, second):
            s3.delete_object(Bucket="versioned-kept", Key="k", VersionId=version)


class ListingTest(S3TestCase):
    """2,600 keys in a tree, paged as the paginators page them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3.create_bucket(Bucket="listing")
        cls.keys = sorted(["top-%04d" % i for i in range(100)] +
                          ["dir%d/file-%04d" % (d, i) for d in range(5) for i in range(500)])
        body = b"k"
        for key in cls.keys:
            cls.s3.put_object(Bucket="listing", Key=key, Body=body)

    def test_v2_pages_through_everything_in_order(self):
        seen, pages = [], 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="listing", PaginationConfig={"PageSize": 1000}):
            pages += 1
            self.assertLessEqual(page["KeyCount"], 1000)
            seen += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(seen, self.keys)
        self.assertEqual(pages, 3)

    def test_delimiter_rolls_up_directories(self):
        page = self.s3.list_objects_v2(Bucket="listing", Delimiter="/", MaxKeys=3)
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["dir0/", "dir1/", "dir2/"])
        self.assertNotIn("Contents", page)
        self.assertTrue(page["IsTruncated"])
        rest = self.s3.list_objects_v2(Bucket="listing", Delimiter="/", ContinuationToken=page["NextContinuationToken"])
        self.assertEqual([p["Prefix"] for p in rest["CommonPrefixes"]], ["dir3/", "dir4/"])
        self.assertEqual(len(rest["Contents"]), 100)
        self.assertEqual(rest["KeyCount"], 102)
        inner = self.s3.list_objects_v2(Bucket="listing", Prefix="dir3/", StartAfter="dir3/file-0490")
        self.assertEqual([o["Key"] for o in inner["Contents"]], ["dir3/file-%04d" % i for i in range(491, 500)])

    def test_v1_markers(self):
        seen = []
        for page in self.s3.get_paginator("list_objects").paginate(Bucket="listing", Prefix="dir1/"):
            seen += [o["Key"] for o in page.get("Contents", [])]
            for o in page.get("Contents", []):
                self.assertEqual(o["Owner"]["DisplayName"], ACCOUNT_ID)
        self.assertEqual(len(seen), 500)
        page = self.s3.list_objects(Bucket="listing", Delimiter="/", MaxKeys=2)
        self.assertEqual(page["NextMarker"], "dir1/")
        with self.assertEc2Error("InvalidArgument", status=400):
            self.s3.list_objects_v2(Bucket="listing", ContinuationToken="not-a-token")

    def test_url_encoding_type(self):
        self.s3.put_object(Bucket="listing", Key="zz/a+b c", Body=b"x")
        page = self.s3.list_objects_v2(Bucket="listing", Prefix="zz/")
        self.assertEqual(page["Contents"][0]["Key"], "zz/a+b c")  # botocore asks for url encoding and decodes
        self.s3.delete_object(Bucket="listing", Key="zz/a+b c")


class WireTest(S3TestCase):
    """The forms of SigV4 S3 clients send, checked on the wire."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3.create_bucket(Bucket="wire")

    def test_presigned_get_and_put(self):
        signer = self.server.client("us-east-1", service="s3", signature_version="s3v4")
        put_url = signer.generate_presigned_url("put_object", Params={"Bucket": "wire", "Key": "presigned"}, ExpiresIn=60)
        request = urllib.request.Request(put_url, data=b"through a URL", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as r:
            self.assertEqual(r.status, 200)
        get_url = signer.generate_presigned_url("get_object", Params={"Bucket": "wire", "Key": "presigned"}, ExpiresIn=60)
        with urllib.request.urlopen(get_url, timeout=10) as r:
            self.assertEqual(r.read(), b"through a URL")
        self.assertRefused(get_url.replace("presigned", "presigneX"), b"<Code>SignatureDoesNotMatch</Code>")
        expired = signer.generate_presigned_url("get_object", Params={"Bucket": "wire", "Key": "presigned"}, ExpiresIn=1)
        time.sleep(2)
        self.assertRefused(expired, b"Request has expired")

    def assertRefused(self, url, *expected):
        """GET `url` is answered 403 with a body holding each of `expected`."""
        with self.assertRaises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(url, timeout=10)
        body = raised.exception.read()
        self.assertEqual(raised.exception.code, 403, body)
        for part in expected:
            self.assertIn(part, body)

    def test_sigv2_presigned_urls_and_header(self):
        # boto3 presigns with SigV2 for a custom endpoint unless told s3v4: those URLs work too.
        signer = self.server.client("us-east-1", service="s3")
        put_url = signer.generate_presigned_url("put_object", Params={"Bucket": "wire", "Key": "v2"}, ExpiresIn=60)
        self.assertIn("AWSAccessKeyId=", put_url)
        # SigV2 signs the Content-Type: send none, as the URL was made without one.
        parsed = urllib.parse.urlsplit(put_url)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.request("PUT", parsed.path + "?" + parsed.query, body=b"signed the old way")
        response = conn.getresponse()
        self.assertEqual(response.status, 200, response.read())
        conn.close()
        get_url = signer.generate_presigned_url(
            "get_object", Params={"Bucket": "wire", "Key": "v2", "ResponseContentType": "text/x-old"}, ExpiresIn=60)
        with urllib.request.urlopen(get_url, timeout=10) as r:
            self.assertEqual((r.read(), r.headers["Content-Type"]), (b"signed the old way", "text/x-old"))
        for tampered in (get_url.replace("/v2?", "/v3?"), get_url.replace("text%2Fx-old", "text%2Fx-new")):
            self.assertRefused(tampered, b"<Code>SignatureDoesNotMatch</Code>", b"<StringToSign>GET\n\n\n")
        expired = signer.generate_presigned_url("get_object", Params={"Bucket": "wire", "Key": "v2"}, ExpiresIn=1)
        time.sleep(2)
        self.assertRefused(expired, b"Request has expired")
        # The header form ("Authorization: AWS KEY:SIGNATURE"), as boto3 signs with signature_version="s3".
        old = self.server.client("us-east-1", service="s3", signature_version="s3")
        old.put_object(Bucket="wire", Key="v2-header", Body=b"header", Metadata={"kind": "old"})
        answer = old.get_object(Bucket="wire", Key="v2-header")
        self.assertEqual((answer["Body"].read(), answer["Metadata"]), (b"header", {"kind": "old"}))
        wrong = self.server.client("us-east-1", service="s3", signature_version="s3", secret_key="x" * 40)
        with self.assertEc2Error("SignatureDoesNotMatch", status=403) as raised:
            wrong.get_object(Bucket="wire", Key="v2-header")
        self.assertTrue(raised.exception.response["Error"]["StringToSign"].startswith("GET\n"))

    def test_unsigned_payload_and_a_wrong_declared_hash(self):
        status, _, _ = self.raw("PUT", "/wire/unsigned", body=b"free text", payload_hash="UNSIGNED-PAYLOAD")
        self.assertEqual(status, 200)
        self.assertEqual(self.s3.get_object(Bucket="wire", Key="unsigned")["Body"].read(), b"free text")
        status, _, body = self.raw("PUT", "/wire/mismatch", body=b"abc", payload_hash=hashlib.sha256(b"abd").hexdigest())
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>XAmzContentSHA256Mismatch</Code>", body)
        with self.assertEc2Error("NoSuchKey"):
            self.s3.get_object(Bucket="wire", Key="mismatch")

    def test_signed_aws_chunked_upload(self):
        # STREAMING-AWS4-HMAC-SHA256-PAYLOAD, as the Java and Go SDKs send it: each chunk signed
        # from the previous signature, the first from the request's own.
        data = os.urandom(200_000)
        chunks = [data[:65536], data[65536:131072], data[131072:], b""]
        encoded_length = sum(len("%x;chunk-signature=%s\r\n\r\n" % (len(c), "0" * 64)) + len(c) for c in chunks)
        request = AWSRequest(method="PUT", url=self.server.endpoint + "/wire/chunked",
                             headers={"Content-Encoding": "aws-chunked",
                                      "x-amz-decoded-content-length": str(len(data)),
                                      "Content-Length": str(encoded_length)})
        DeclaredPayloadAuth("us-east-1", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD").add_auth(request)
        headers = dict(request.headers)
        amz_date = headers["X-Amz-Date"]
        scope = "%s/us-east-1/s3/aws4_request" % amz_date[:8]
        key = signing_key(amz_date[:8])
        previous, body = headers["Authorization"].split("Signature=")[1], b""
        for chunk in chunks:
            to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous,
                                 hashlib.sha256(b"").hexdigest(), hashlib.sha256(chunk).hexdigest()])
            previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            body += b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode()) + chunk + b"\r\n"
        parsed = urllib.parse.urlsplit(self.server.endpoint)

        def send(payload):
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            conn.request("PUT", "/wire/chunked", body=payload, headers=headers)
            response = conn.getresponse()
            answer = (response.status, response.read())
            conn.close()
            return answer

        status, answer = send(body)
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.s3.get_object(Bucket="wire", Key="chunked")["Body"].read(), data)
        forged = body.replace(data[70000:70010], b"X" * 10)  # a chunk's bytes no longer match its signature
        self.s3.delete_object(Bucket="wire", Key="chunked")
        status, answer = send(forged)
        self.assertEqual(status, 403, answer)
        self.assertIn(b"SignatureDoesNotMatch", answer)
        with self.assertEc2Error("NoSuchKey"):
            self.s3.get_object(Bucket="wire", Key="chunked")

    def test_virtual_hosted_style(self):
        port = urllib.parse.urlsplit(self.server.endpoint).port
        status, _, _ = self.raw("PUT", "/vhost-key", body=b"by host", host="wire.s3.us-east-1.amazonaws.com:%d" % port)
        self.assertEqual(status, 200)
        status, _, body = self.raw("GET", "/vhost-key", host="wire.s3.us-east-1.amazonaws.com:%d" % port)
        self.assertEqual((status, body), (200, b"by host"))
        self.assertEqual(self.s3.get_object(Bucket="wire", Key="vhost-key")["Body"].read(), b"by host")

    def test_auth_errors(self):
        wrong = self.server.client("us-east-1", service="s3", secret_key="x" * 40)
        with self.assertEc2Error("SignatureDoesNotMatch", status=403) as raised:
            wrong.list_buckets()
        error = raised.exception.response["Error"]  # what the client needs to find its mistake
        self.assertTrue(error["StringToSign"].startswith("AWS4-HMAC-SHA256\n"))
        self.assertTrue(error["CanonicalRequest"].startswith("GET\n/\n"))
        self.assertEqual(error["AWSAccessKeyId"], ACCESS_KEY_ID)
        unknown = self.server.client("us-east-1", service="s3", access_key="AKIANOBODYNOBODY0000")
        with self.assertEc2Error("InvalidAccessKeyId", status=403):
            unknown.list_buckets()
        status, _, body = self.raw("GET", "/wire/anything", sign=False)
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        status, _, body = self.raw("PATCH", "/wire/anything")
        self.assertEqual(status, 405)
        with self.assertEc2Error("NotImplemented", status=501):
            self.s3.get_bucket_website(Bucket="wire")

    def test_the_servers_own_refusals_come_in_s3s_form(self):
        # A body over the whole-body limit (a DeleteObjects request is read whole) is refused before
        # it is read, as S3 refuses it: an <Error> document, not EC2's envelope.
        parsed = urllib.parse.urlsplit(self.server.endpoint)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.putrequest("POST", "/wire?delete")
        conn.putheader("Content-Length", str(100 * 1024 * 1024))
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        conn.close()
        self.assertEqual(response.status, 400, body)
        self.assertIn(b"<Error><Code>EntityTooLarge</Code>", body)
        self.assertIn(b"<Resource>/wire</Resource>", body)

    def test_errors_change_nothing(self):
        before = self.s3.list_objects_v2(Bucket="wire").get("KeyCount")
        with self.assertEc2Error("BadDigest", status=400):
            self.s3.put_object(Bucket="wire", Key="bad-md5", Body=b"abc", ContentMD5=base64.b64encode(b"0" * 16).decode())
        self.assertEqual(self.s3.list_objects_v2(Bucket="wire").get("KeyCount"), before)


class CliTest(S3TestCase):
    """The aws CLI's high-level commands, which go multipart above 8 MiB (not yet: kept under)."""

    def test_cp_ls_sync_rm(self):
        self.make_bucket("cli-bucket")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            os.makedirs(os.path.join(src, "sub"))
            files = {"a.txt": b"alpha", "sub/b.bin": os.urandom(3 * 1024 * 1024)}
            for name, data in files.items():
                with open(os.path.join(src, name), "wb") as f:
                    f.write(data)
            proc = self.server.aws_proc("s3", "cp", os.path.join(src, "a.txt"), "s3://cli-bucket/one/a.txt")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            proc = self.server.aws_proc("s3", "sync", src, "s3://cli-bucket/tree")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            proc = self.server.aws_proc("s3", "ls", "s3://cli-bucket/tree/", "--recursive")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("tree/sub/b.bin", proc.stdout)
            self.assertIn("tree/a.txt", proc.stdout)
            back = os.path.join(tmp, "back")
            proc = self.server.aws_proc("s3", "cp", "s3://cli-bucket/tree", back, "--recursive")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            for name, data in files.items():
                with open(os.path.join(back, name), "rb") as f:
                    self.assertEqual(f.read(), data, name)
            proc = self.server.aws_proc("s3", "rm", "s3://cli-bucket/tree", "--recursive")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            listed = self.server.aws("s3api", "list-objects-v2", "--bucket", "cli-bucket")
            self.assertEqual([o["Key"] for o in listed["Contents"]], ["one/a.txt"])
            proc = self.server.aws_proc("s3", "ls")
            self.assertIn("cli-bucket", proc.stdout)



def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class AuthorizationTest(S3TestCase):
    """Identity policies and bucket policies together (same account: either may allow, an explicit
    deny in either wins), with S3's actions and condition keys."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("us-east-1", service="iam")
        for name in ("allowed-bucket", "other-bucket"):
            cls.s3.create_bucket(Bucket=name)
            cls.s3.put_object(Bucket=name, Key="public/readme", Body=b"hello")
            cls.s3.put_object(Bucket=name, Key="secret/key", Body=b"hidden")

    def user_client(self, name, inline=None, managed=None):
        self.iam.create_user(UserName=name)
        if inline:
            self.iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=inline)
        if managed:
            self.iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/" + managed)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return self.server.client("us-east-1", service="s3", access_key=key["AccessKeyId"],
                                  secret_key=key["SecretAccessKey"])

    def test_identity_policy_limits_a_user_to_one_bucket(self):
        s3 = self.user_client("bucket-user", inline=policy(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::allowed-bucket/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::allowed-bucket",
             "Condition": {"StringLike": {"s3:prefix": "public/*"}}}))
        s3.put_object(Bucket="allowed-bucket", Key="public/new", Body=b"mine")
        self.assertEqual(s3.get_object(Bucket="allowed-bucket", Key="public/new")["Body"].read(), b"mine")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="allowed-bucket", Prefix="public/")["Contents"]]
        self.assertEqual(keys, ["public/new", "public/readme"])
        with self.assertEc2Error("AccessDenied", status=403) as raised:
            s3.list_objects_v2(Bucket="allowed-bucket")  # no prefix: the condition does not hold
        self.assertIn("s3:ListBucket", raised.exception.response["Error"]["Message"])
        with self.assertEc2Error("AccessDenied", status=403):
            s3.get_object(Bucket="other-bucket", Key="public/readme")
        with self.assertEc2Error("AccessDenied", status=403):
            s3.put_object(Bucket="other-bucket", Key="x", Body=b"x")
        with self.assertEc2Error("AccessDenied", status=403):
            s3.delete_object(Bucket="allowed-bucket", Key="public/new")
        with self.assertEc2Error("AccessDenied", status=403):
            s3.list_buckets()

    def test_bucket_policy_allows_and_its_deny_wins(self):
        s3 = self.user_client("policy-user", inline=policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::allowed-bucket/*"}))
        user_arn = "arn:aws:iam::%s:user/policy-user" % ACCOUNT_ID
        with self.assertEc2Error("AccessDenied"):
            s3.get_object(Bucket="other-bucket", Key="public/readme")
        self.s3.put_bucket_policy(Bucket="other-bucket", Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::other-bucket/public/*"}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket="other-bucket")
        self.assertEqual(s3.get_object(Bucket="other-bucket", Key="public/readme")["Body"].read(), b"hello")
        with self.assertEc2Error("AccessDenied"):
            s3.get_object(Bucket="other-bucket", Key="secret/key")
        self.s3.put_bucket_policy(Bucket="allowed-bucket", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::allowed-bucket/secret/*"}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket="allowed-bucket")
        self.assertEqual(s3.get_object(Bucket="allowed-bucket", Key="public/readme")["Body"].read(), b"hello")
        with self.assertEc2Error("AccessDenied") as raised:
            s3.get_object(Bucket="allowed-bucket", Key="secret/key")
        self.assertIn("explicit deny in a resource-based policy", raised.exception.response["Error"]["Message"])
        stored = json.loads(self.s3.get_bucket_policy(Bucket="allowed-bucket")["Policy"])
        self.assertEqual(stored["Statement"][0]["Effect"], "Deny")

    def test_the_root_is_held_to_a_bucket_policy_deny(self):
        self.s3.put_bucket_policy(Bucket="other-bucket", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": ["s3:GetObject", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
             "Resource": ["arn:aws:s3:::other-bucket", "arn:aws:s3:::other-bucket/secret/*"]}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket="other-bucket")
        with self.assertEc2Error("AccessDenied", status=403) as raised:
            self.s3.get_object(Bucket="other-bucket", Key="secret/key")
        self.assertIn(":root is not authorized to perform: s3:GetObject", raised.exception.response["Error"]["Message"])
        self.assertEqual(self.s3.get_object(Bucket="other-bucket", Key="public/readme")["Body"].read(), b"hello")
        # The root may always read and mend the policy, whatever it says.
        self.assertIn("Deny", self.s3.get_bucket_policy(Bucket="other-bucket")["Policy"])
        self.s3.delete_bucket_policy(Bucket="other-bucket")
        self.assertEqual(self.s3.get_object(Bucket="other-bucket", Key="secret/key")["Body"].read(), b"hidden")
        self.s3.put_bucket_policy(Bucket="other-bucket", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/nothing/*"}))

    def anonymous(self, method, path, body=None):
        request = urllib.request.Request(self.server.endpoint + path, data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_anonymous_access_through_a_public_bucket_policy(self):
        self.s3.create_bucket(Bucket="public-site")
        self.addCleanup(self.empty_and_delete, self.s3, "public-site")
        self.s3.put_object(Bucket="public-site", Key="index.html", Body=b"<h1>hi</h1>")
        status, body = self.anonymous("GET", "/public-site/index.html")
        self.assertEqual(status, 403)  # no policy: anonymous requests are denied
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        public = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::public-site/*"})
        self.s3.put_public_access_block(Bucket="public-site", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
        self.s3.put_bucket_policy(Bucket="public-site", Policy=public)
        self.assertEqual(self.anonymous("GET", "/public-site/index.html")[0], 403)  # RestrictPublicBuckets holds
        self.s3.delete_public_access_block(Bucket="public-site")
        self.assertEqual(self.anonymous("GET", "/public-site/index.html"), (200, b"<h1>hi</h1>"))
        # Only what the policy grants: no listing, no writes, nothing of another bucket.
        self.assertEqual(self.anonymous("GET", "/public-site?list-type=2")[0], 403)
        self.assertEqual(self.anonymous("PUT", "/public-site/new.html", b"defaced")[0], 403)
        self.assertEqual(self.anonymous("DELETE", "/public-site/index.html")[0], 403)
        self.assertEqual(self.anonymous("GET", "/allowed-bucket/public/readme")[0], 403)
        with self.assertEc2Error("404"):
            self.s3.head_object(Bucket="public-site", Key="new.html")
        self.assertEqual(self.s3.get_object(Bucket="public-site", Key="index.html")["Body"].read(), b"<h1>hi</h1>")

    def test_existing_object_tags_decide(self):
        self.s3.put_object(Bucket="allowed-bucket", Key="tags/tagged", Body=b"t", Tagging="class=open")
        self.s3.put_object(Bucket="allowed-bucket", Key="tags/closed", Body=b"c", Tagging="class=closed")
        s3 = self.user_client("tag-reader", inline=policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::allowed-bucket/*",
             "Condition": {"StringEquals": {"s3:ExistingObjectTag/class": "open"}}}))
        self.assertEqual(s3.get_object(Bucket="allowed-bucket", Key="tags/tagged")["Body"].read(), b"t")
        with self.assertEc2Error("AccessDenied"):
            s3.get_object(Bucket="allowed-bucket", Key="tags/closed")
        tagger = self.user_client("tagger", inline=policy(
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::allowed-bucket/*",
             "Condition": {"StringEquals": {"s3:RequestObjectTag/owner": "me"}}}))
        tagger.put_object(Bucket="allowed-bucket", Key="tags/mine", Body=b"m", Tagging="owner=me")
        with self.assertEc2Error("AccessDenied"):
            tagger.put_object(Bucket="allowed-bucket", Key="tags/theirs", Body=b"m", Tagging="owner=them")

    def test_bucket_policy_must_be_about_the_bucket(self):
        with self.assertEc2Error("MalformedPolicy", status=400):
            self.s3.put_bucket_policy(Bucket="other-bucket", Policy=policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}))
        with self.assertEc2Error("MalformedPolicy", status=400):
            self.s3.put_bucket_policy(Bucket="other-bucket", Policy="{not json")
        with self.assertEc2Error("NoSuchBucketPolicy", status=404):
            self.s3.get_bucket_policy(Bucket="other-bucket")

    def test_aws_managed_read_only_policy(self):
        s3 = self.user_client("reader", managed="AmazonS3ReadOnlyAccess")
        self.assertIn("allowed-bucket", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        self.assertEqual(s3.get_object(Bucket="other-bucket", Key="secret/key")["Body"].read(), b"hidden")
        with self.assertEc2Error("AccessDenied"):
            s3.put_object(Bucket="other-bucket", Key="x", Body=b"x")
        writer = self.user_client("writer", managed="AmazonS3FullAccess")
        writer.put_object(Bucket="other-bucket", Key="by-writer", Body=b"w")
        writer.delete_object(Bucket="other-bucket", Key="by-writer")


class MultipartTest(S3TestCase):
    """Multipart uploads through boto3's calls and through `aws s3 cp`, which goes multipart above
    8 MiB (parts of 8 MiB, several at once, out of order) and downloads in ranged GETs."""

    MiB = 1024 * 1024

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3.create_bucket(Bucket="multipart")

    def test_parts_complete_into_one_object_with_the_dash_n_etag(self):
        parts_data = [os.urandom(5 * self.MiB), os.urandom(5 * self.MiB), b"tail"]
        upload = self.s3.create_multipart_upload(Bucket="multipart", Key="assembled", ContentType="text/x-parts",
                                                 Metadata={"m": "1"})
        uid = upload["UploadId"]
        listed = self.s3.list_multipart_uploads(Bucket="multipart")["Uploads"]
        self.assertIn(uid, [u["UploadId"] for u in listed])
        etags = {}
        for number in (3, 1, 2):  # out of order, as s3transfer's threads send them
            etags[number] = self.s3.upload_part(Bucket="multipart", Key="assembled", UploadId=uid, PartNumber=number,
                                                Body=parts_data[number - 1])["ETag"]
        parts = self.s3.list_parts(Bucket="multipart", Key="assembled", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, 5 * self.MiB), (2, 5 * self.MiB), (3, 4)])
        page = self.s3.list_parts(Bucket="multipart", Key="assembled", UploadId=uid, MaxParts=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextPartNumberMarker"], 2)
        with self.assertEc2Error("InvalidPartOrder", status=400):
            self.s3.complete_multipart_upload(Bucket="multipart", Key="assembled", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 2, "ETag": etags[2]}, {"PartNumber": 1, "ETag": etags[1]}]})
        with self.assertEc2Error("InvalidPart", status=400):
            self.s3.complete_multipart_upload(Bucket="multipart", Key="assembled", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": etags[2]}]})
        with self.assertEc2Error("EntityTooSmall", status=400):
            self.s3.complete_multipart_upload(Bucket="multipart", Key="assembled", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 3, "ETag": etags[3]}, {"PartNumber": 4, "ETag": etags[3]}]})
        done = self.s3.complete_multipart_upload(Bucket="multipart", Key="assembled", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": etags[n]} for n in (1, 2, 3)]})
        md5s = b"".join(hashlib.md5(d).digest() for d in parts_data)
        self.assertEqual(done["ETag"], '"%s-3"' % hashlib.md5(md5s).hexdigest())
        got = self.s3.get_object(Bucket="multipart", Key="assembled")
        self.assertEqual(got["Body"].read(), b"".join(parts_data))
        self.assertEqual((got["ContentType"], got["Metadata"]), ("text/x-parts", {"m": "1"}))
        with self.assertEc2Error("NoSuchUpload", status=404):
            self.s3.list_parts(Bucket="multipart", Key="assembled", UploadId=uid)
        self.assertNotIn(uid, [u["UploadId"] for u in self.s3.list_multipart_uploads(Bucket="multipart").get("Uploads", [])])

    def test_composite_checksum_of_parts(self):
        parts_data = [os.urandom(5 * self.MiB), b"end"]
        uid = self.s3.create_multipart_upload(Bucket="multipart", Key="summed", ChecksumAlgorithm="SHA256")["UploadId"]
        parts = []
        for number, data in enumerate(parts_data, 1):
            answer = self.s3.upload_part(Bucket="multipart", Key="summed", UploadId=uid, PartNumber=number, Body=data,
                                         ChecksumAlgorithm="SHA256")
            parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": answer["ChecksumSHA256"]})
        self.s3.complete_multipart_upload(Bucket="multipart", Key="summed", UploadId=uid, MultipartUpload={"Parts": parts})
        head = self.s3.head_object(Bucket="multipart", Key="summed", ChecksumMode="ENABLED")
        self.assertTrue(head["ChecksumSHA256"].endswith("-2"), head)
        self.assertEqual(self.s3.get_object(Bucket="multipart", Key="summed")["Body"].read(), b"".join(parts_data))

    def test_abort_and_part_rules(self):
        uid = self.s3.create_multipart_upload(Bucket="multipart", Key="aborted")["UploadId"]
        self.s3.upload_part(Bucket="multipart", Key="aborted", UploadId=uid, PartNumber=1, Body=b"x")
        with self.assertEc2Error("InvalidArgument", status=400):
            self.s3.upload_part(Bucket="multipart", Key="aborted", UploadId=uid, PartNumber=10001, Body=b"x")
        with self.assertEc2Error("NoSuchUpload", status=404):
            self.s3.upload_part(Bucket="multipart", Key="aborted", UploadId="no-such-upload", PartNumber=1, Body=b"x")
        self.s3.abort_multipart_upload(Bucket="multipart", Key="aborted", UploadId=uid)
        with self.assertEc2Error("NoSuchUpload", status=404):
            self.s3.abort_multipart_upload(Bucket="multipart", Key="aborted", UploadId=uid)
        with self.assertEc2Error("NoSuchKey"):
            self.s3.get_object(Bucket="multipart", Key="aborted")

    def test_upload_part_copy(self):
        source = os.urandom(6 * self.MiB)
        self.s3.put_object(Bucket="multipart", Key="copy-source", Body=source)
        uid = self.s3.create_multipart_upload(Bucket="multipart", Key="copied")["UploadId"]
        first = self.s3.upload_part_copy(Bucket="multipart", Key="copied", UploadId=uid, PartNumber=1,
                                         CopySource="multipart/copy-source", CopySourceRange="bytes=0-5242879")
        second = self.s3.upload_part_copy(Bucket="multipart", Key="copied", UploadId=uid, PartNumber=2,
                                          CopySource={"Bucket": "multipart", "Key": "copy-source"},
                                          CopySourceRange="bytes=5242880-%d" % (len(source) - 1))
        self.s3.complete_multipart_upload(Bucket="multipart", Key="copied", UploadId=uid, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket="multipart", Key="copied")["Body"].read(), source)
        # A copy of the multipart object is one object: the MD5 of its bytes is its ETag.
        copy = self.s3.copy_object(Bucket="multipart", Key="copied-again", CopySource="multipart/copied")
        self.assertEqual(copy["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(source).hexdigest())

    def test_cli_copies_100_mib_up_and_down(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "big.bin")
            with open(path, "wb") as f:
                for _ in range(100):
                    f.write(os.urandom(self.MiB))
            proc = self.server.aws_proc("s3", "cp", path, "s3://multipart/big.bin", timeout=600)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            head = self.s3.head_object(Bucket="multipart", Key="big.bin")
            self.assertEqual(head["ContentLength"], 100 * self.MiB)
            self.assertTrue(head["ETag"].endswith('-13"'), head["ETag"])  # 8 MiB parts
            back = os.path.join(tmp, "back.bin")
            proc = self.server.aws_proc("s3", "cp", "s3://multipart/big.bin", back, timeout=600)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(path, "rb") as a, open(back, "rb") as b:
                self.assertEqual(hashlib.sha256(a.read()).digest(), hashlib.sha256(b.read()).digest())
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket="multipart"))


if __name__ == "__main__":
    unittest.main()
