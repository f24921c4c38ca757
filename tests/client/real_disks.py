"""Helpers for tests that look at volumes' real disks on the server's data dir: qemu-io writes
stand in for a guest's, reads check what a restore wrote, and the block store is counted."""

import glob
import os
import subprocess
import tempfile

MiB = 1 << 20


class RealDisks:
    """Mixin for a StratusTestCase whose server keeps its data dir at self.server.data_dir."""

    def disk(self, volume_id):
        return os.path.join(self.server.data_dir, "volumes", volume_id + ".qcow2")

    def write(self, volume_id, offset, length, pattern):
        """Writes `length` bytes of byte `pattern` at `offset` of the volume's disk."""
        subprocess.run(["qemu-io", "-c", "write -P %d %d %d" % (pattern, offset, length), self.disk(volume_id)],
                       check=True, stdout=subprocess.DEVNULL)

    def write_random(self, volume_id, offset, length):
        """Writes `length` random bytes at `offset` of the volume's disk (blocks that neither
        compress nor repeat)."""
        with tempfile.NamedTemporaryFile() as source:
            source.write(os.urandom(length))
            source.flush()
            subprocess.run(["qemu-io", "-c", "write -s %s %d %d" % (source.name, offset, length), self.disk(volume_id)],
                           check=True, stdout=subprocess.DEVNULL)

    def same_data(self, volume_a, volume_b):
        """True when the two volumes' disks read the same (sizes alike)."""
        return subprocess.run(["qemu-img", "compare", "-q", self.disk(volume_a), self.disk(volume_b)]).returncode == 0

    def reads(self, volume_id, offset, length, pattern):
        """True when the volume's disk holds `length` bytes of `pattern` at `offset`."""
        done = subprocess.run(["qemu-io", "-r", "-c", "read -P %d %d %d" % (pattern, offset, length),
                               self.disk(volume_id)], capture_output=True, text=True)
        return done.returncode == 0 and "Pattern verification failed" not in done.stdout

    def stored_blocks(self):
        """How many blocks the server's block store holds."""
        return len(glob.glob(os.path.join(self.server.data_dir, "blocks", "*", "*.zst")))

    def new_volume(self, ec2=None, zone="us-east-1a", **kw):
        """A new volume (1 GiB unless made from a snapshot), available; deleted after the test."""
        ec2 = ec2 or self.ec2
        if "SnapshotId" not in kw:
            kw.setdefault("Size", 1)
        volume_id = ec2.create_volume(AvailabilityZone=zone, **kw)["VolumeId"]
        self.addCleanup(self.delete_quietly, ec2, volume_id)
        self.wait_volume(ec2, volume_id, "available")
        return volume_id

    @staticmethod
    def delete_quietly(ec2, volume_id):
        try:
            ec2.delete_volume(VolumeId=volume_id)
        except Exception:  # gone already, or still attached: the server's teardown reaps it
            pass

    def wait_volume(self, ec2, volume_id, state):
        self.wait_for(lambda: ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["State"] == state, 60,
                      "volume %s did not become %s" % (volume_id, state))

    def snapshot(self, volume_id, ec2=None, **kw):
        """A snapshot of the volume, waited for until completed."""
        ec2 = ec2 or self.ec2
        snap = ec2.create_snapshot(VolumeId=volume_id, **kw)
        self.wait_snapshot(ec2, snap["SnapshotId"])
        return snap

    def wait_snapshot(self, ec2, snapshot_id):
        self.wait_for(lambda: ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["State"] == "completed",
                      60, "snapshot %s did not complete" % snapshot_id)
