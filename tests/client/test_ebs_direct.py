"""The EBS direct APIs (rest-json) through boto3's `ebs` client and `aws ebs`, over the same block
store as EC2's snapshots: list-snapshot-blocks, list-changed-blocks between two snapshots of a
volume (only the blocks written in between), get-snapshot-block (the bytes and their SHA-256),
and a snapshot written block by block (start-snapshot, put-snapshot-block, complete-snapshot,
with or without a parent) that EC2 then describes and restores into a volume. Paging, checksums
and AWS's errors (ValidationException, ResourceNotFoundException) are checked; errors change
nothing. On a server whose AMI is a stand-in (instances never boot)."""

import base64
import hashlib
import os
import unittest

from harness import StandInImageTestCase
from real_disks import MiB, RealDisks

BLOCK = 512 * 1024
MISSING_SNAPSHOT = "snap-0123456789abcdef0"


def checksum(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class EbsDirectTest(RealDisks, StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ebs = cls.server.client("us-east-1", service="ebs")

    def two_snapshots(self):
        """Snapshots of one volume before and after blocks 3 and 1000 change (blocks 0-7 written first)."""
        volume_id = self.new_volume()
        self.write(volume_id, 0, 4 * MiB, 0x11)
        first = self.snapshot(volume_id)["SnapshotId"]
        self.write(volume_id, 3 * BLOCK, 4096, 0x22)
        self.write(volume_id, 1000 * BLOCK, BLOCK, 0x33)
        second = self.snapshot(volume_id)["SnapshotId"]
        for snap in (first, second):
            self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap)
        return first, second

    def test_lists_and_reads_blocks_and_what_changed(self):
        first, second = self.two_snapshots()
        listed = self.ebs.list_snapshot_blocks(SnapshotId=first)
        self.assertEqual([b["BlockIndex"] for b in listed["Blocks"]], list(range(8)))
        self.assertEqual((listed["BlockSize"], listed["VolumeSize"]), (BLOCK, 1))
        self.assertIn("ExpiryTime", listed)
        self.assertNotIn("NextToken", listed)

        changed = self.ebs.list_changed_blocks(FirstSnapshotId=first, SecondSnapshotId=second)["ChangedBlocks"]
        self.assertEqual([b["BlockIndex"] for b in changed], [3, 1000])
        self.assertIn("FirstBlockToken", changed[0])
        self.assertNotIn("FirstBlockToken", changed[1])  # block 1000 was all zeros before

        got = self.ebs.get_snapshot_block(SnapshotId=second, BlockIndex=1000, BlockToken=changed[1]["SecondBlockToken"])
        data = got["BlockData"].read()
        self.assertEqual(data, b"\x33" * BLOCK)
        self.assertEqual((got["DataLength"], got["ChecksumAlgorithm"]), (BLOCK, "SHA256"))
        self.assertEqual(got["Checksum"], checksum(data))
        old = self.ebs.get_snapshot_block(SnapshotId=first, BlockIndex=3,
                                          BlockToken=changed[0]["FirstBlockToken"])["BlockData"].read()
        self.assertEqual(old, b"\x11" * BLOCK)

        with self.assertEc2Error("ValidationException"):
            self.ebs.get_snapshot_block(SnapshotId=second, BlockIndex=3, BlockToken=changed[1]["SecondBlockToken"])
        with self.assertEc2Error("ResourceNotFoundException"):
            self.ebs.list_snapshot_blocks(SnapshotId=MISSING_SNAPSHOT)
        with self.assertEc2Error("ResourceNotFoundException"):
            self.server.client("us-west-2", service="ebs").list_snapshot_blocks(SnapshotId=first)  # regional

    def test_pages(self):
        volume_id = self.new_volume()
        self.write(volume_id, 0, 150 * BLOCK, 0x44)
        snap = self.snapshot(volume_id)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap)
        page = self.ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100)
        self.assertEqual(len(page["Blocks"]), 100)
        rest = self.ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100, NextToken=page["NextToken"])
        self.assertEqual([b["BlockIndex"] for b in rest["Blocks"]], list(range(100, 150)))
        self.assertNotIn("NextToken", rest)
        later = self.ebs.list_changed_blocks(SecondSnapshotId=snap, StartingBlockIndex=140)["ChangedBlocks"]
        self.assertEqual([b["BlockIndex"] for b in later], list(range(140, 150)))

    def test_written_snapshot_is_a_snapshot_like_any_other(self):
        started = self.ebs.start_snapshot(VolumeSize=1, Description="written directly",
                                          Tags=[{"Key": "origin", "Value": "ebs"}])
        snap = started["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap)
        self.assertEqual((started["Status"], started["BlockSize"], started["VolumeSize"]), ("pending", BLOCK, 1))
        blocks = {5: os.urandom(BLOCK), 9: b"\x77" * BLOCK}
        for index, data in blocks.items():
            put = self.ebs.put_snapshot_block(SnapshotId=snap, BlockIndex=index, BlockData=data, DataLength=BLOCK,
                                              Checksum=checksum(data), ChecksumAlgorithm="SHA256")
            self.assertEqual(put["Checksum"], checksum(data))
        with self.assertEc2Error("ValidationException"):
            self.ebs.put_snapshot_block(SnapshotId=snap, BlockIndex=1, BlockData=blocks[9], DataLength=BLOCK,
                                        Checksum=checksum(b"other"), ChecksumAlgorithm="SHA256")
        with self.assertEc2Error("ValidationException"):
            self.ebs.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=3)
        aggregate = checksum(b"".join(hashlib.sha256(blocks[i]).digest() for i in sorted(blocks)))
        done = self.ebs.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=2, Checksum=aggregate,
                                          ChecksumAlgorithm="SHA256", ChecksumAggregationMethod="LINEAR")
        self.assertEqual(done["Status"], "completed")
        described = self.ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"][0]
        self.assertEqual((described["State"], described["Description"], described["VolumeSize"]),
                         ("completed", "written directly", 1))
        self.assertEqual(described["Tags"], [{"Key": "origin", "Value": "ebs"}])
        with self.assertEc2Error("ValidationException"):
            self.ebs.put_snapshot_block(SnapshotId=snap, BlockIndex=1, BlockData=blocks[9], DataLength=BLOCK,
                                        Checksum=checksum(blocks[9]), ChecksumAlgorithm="SHA256")
        volume_id = self.new_volume(SnapshotId=snap, zone="us-east-1c")
        self.assertTrue(self.reads(volume_id, 9 * BLOCK, BLOCK, 0x77))
        self.assertTrue(self.reads(volume_id, 0, 5 * BLOCK, 0))

        # A child of it: only the block written differs.
        child = self.ebs.start_snapshot(VolumeSize=1, ParentSnapshotId=snap)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=child)
        self.ebs.put_snapshot_block(SnapshotId=child, BlockIndex=9, BlockData=b"\x78" * BLOCK, DataLength=BLOCK,
                                    Checksum=checksum(b"\x78" * BLOCK), ChecksumAlgorithm="SHA256")
        self.ebs.complete_snapshot(SnapshotId=child, ChangedBlocksCount=1)
        changed = self.ebs.list_changed_blocks(FirstSnapshotId=snap, SecondSnapshotId=child)["ChangedBlocks"]
        self.assertEqual([b["BlockIndex"] for b in changed], [9])
        self.assertEqual([b["BlockIndex"] for b in self.ebs.list_snapshot_blocks(SnapshotId=child)["Blocks"]], [5, 9])

    def test_a_client_token_starts_one_snapshot(self):
        token = "start-%s" % os.urandom(4).hex()
        first = self.ebs.start_snapshot(VolumeSize=2, ClientToken=token, Timeout=30)
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=first["SnapshotId"])
        again = self.ebs.start_snapshot(VolumeSize=2, ClientToken=token, Timeout=30)
        self.assertEqual(again["SnapshotId"], first["SnapshotId"])
        with self.assertEc2Error("ConflictException"):
            self.ebs.start_snapshot(VolumeSize=3, ClientToken=token, Timeout=30)
        mine = [s for s in self.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] if s["VolumeSize"] in (2, 3)]
        self.assertEqual([s["SnapshotId"] for s in mine], [first["SnapshotId"]])
        # The SDK makes up a token per call: two calls, two snapshots.
        other = self.ebs.start_snapshot(VolumeSize=2)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=other)
        self.assertNotEqual(other, first["SnapshotId"])
        with self.assertEc2Error("ValidationException"):  # the model's range: 10 to 4320 minutes (the SDK checks 10)
            self.ebs.start_snapshot(VolumeSize=1, Timeout=4321)

    def test_a_body_of_the_wrong_types_is_a_validation_error(self):
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import urllib.request
        from harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY
        for body in (b'{"VolumeSize": "8"}', b'{"VolumeSize": 1, "Tags": [{"Key": 5}]}', b'not json'):
            request = botocore.awsrequest.AWSRequest(method="POST", url=self.server.endpoint + "/snapshots", data=body,
                                                     headers={"Content-Type": "application/json"})
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "ebs",
                                    "us-east-1").add_auth(request)
            prepared = request.prepare()
            try:
                urllib.request.urlopen(urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers),
                                                              method="POST"), timeout=10)
                self.fail("a mistyped StartSnapshot was accepted: %r" % body)
            except urllib.error.HTTPError as e:
                self.assertEqual((e.code, e.headers["x-amzn-ErrorType"]), (400, "ValidationException"), body)
        with self.assertEc2Error("ResourceNotFoundException"):  # the server still answers
            self.ebs.list_snapshot_blocks(SnapshotId=MISSING_SNAPSHOT)

    def test_aws_cli(self):
        first, second = self.two_snapshots()
        out = self.server.aws("ebs", "list-changed-blocks", "--first-snapshot-id", first, "--second-snapshot-id", second)
        self.assertEqual([b["BlockIndex"] for b in out["ChangedBlocks"]], [3, 1000])
        missing = self.server.aws_proc("ebs", "list-snapshot-blocks", "--snapshot-id", MISSING_SNAPSHOT)
        self.assertIn("ResourceNotFoundException", missing.stderr)


if __name__ == "__main__":
    unittest.main()
