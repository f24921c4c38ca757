"""Snapshots and restores survive what can go wrong on the server's side, through boto3 on real
disks: `stratus serve` killed with SIGKILL while a snapshot copies its blocks or while a volume is
filled from one comes back and finishes the work (the snapshot completes with every block, the
volume reads exactly the snapshot; blocks the interrupted attempt stored are reclaimed when
nothing names them); a block store that runs out of space fails the snapshot (error, with a
message) and nothing else. On a server of its own whose AMI is a stand-in."""

import os
import subprocess
import unittest

from harness import StandInImageTestCase
from real_disks import MiB, RealDisks


class SnapshotCrashTest(RealDisks, StandInImageTestCase):

    def state(self, snapshot_id):
        return self.ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]

    def test_kill9_while_a_snapshot_copies_then_while_a_volume_fills(self):
        self.wait_for(lambda: self.stored_blocks() == 0, 30, "blocks of earlier tests stayed")
        volume_id = self.new_volume(Size=1)
        self.write_random(volume_id, 0, 768 * MiB)  # ~1,500 blocks: seconds of copying
        before = self.stored_blocks()
        snap_id = self.ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
        self.wait_for(lambda: self.stored_blocks() > before + 50, 60, "the snapshot did not start copying")
        self.assertEqual(self.state(snap_id)["State"], "pending")
        self.server.restart(kill=True)
        self.wait_snapshot(self.ec2, snap_id)

        restored = self.ec2.create_volume(AvailabilityZone="us-east-1b", SnapshotId=snap_id)["VolumeId"]
        self.addCleanup(self.delete_quietly, self.ec2, restored)
        self.wait_for(lambda: os.path.exists(self.disk(restored)) and os.path.getsize(self.disk(restored)) > 64 * MiB,
                      60, "the volume did not start filling")
        self.server.restart(kill=True)
        self.wait_volume(self.ec2, restored, "available")
        self.assertTrue(self.same_data(volume_id, restored), "the restored volume differs from the snapshot's")

        self.ec2.delete_snapshot(SnapshotId=snap_id)
        self.wait_for(lambda: self.stored_blocks() == before, 30, "blocks of the interrupted attempt were not reclaimed")

    @unittest.skipUnless(os.geteuid() == 0, "mounting a small file system needs root")
    def test_a_full_block_store_fails_the_snapshot_cleanly(self):
        volume_id = self.new_volume()
        self.write_random(volume_id, 0, 16 * MiB)
        blocks = os.path.join(self.server.data_dir, "blocks")
        os.makedirs(blocks, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", blocks], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", blocks])
        snap_id = self.ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap_id)
        self.wait_for(lambda: self.state(snap_id)["State"] == "error", 60, "the snapshot did not fail")
        self.assertIn("disk full", self.state(snap_id)["StateMessage"])
        with self.assertEc2Error("IncorrectState"):
            self.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=snap_id)
        subprocess.run(["umount", blocks], check=True)
        # With room again, the volume snapshots as ever.
        again = self.snapshot(volume_id)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=again)
        self.assertEqual(self.state(again)["State"], "completed")


if __name__ == "__main__":
    unittest.main()
