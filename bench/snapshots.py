#!/usr/bin/env python3
"""EBS snapshot benchmark (issue 11): full and incremental snapshots of a volume holding real
data, restore, deduplication of an identical volume, and the EBS direct APIs' block reads and
writes against moto_server in the same run.

Starts `build/stratus serve` and `moto_server` (bench/api_throughput's start_servers), makes a
`--gib` GiB volume on stratus and fills it with real files (a tar stream of /usr, cut to the
volume's size) by `qemu-img convert` into its qcow2 disk, then times through boto3:

- a full snapshot (CreateSnapshot until DescribeSnapshots says completed);
- an incremental one after 1% of the volume's 512 KiB blocks got 4 KiB of new random bytes;
- a restore (CreateVolume from the second snapshot in another zone until available);
- a second volume with the same data: what its snapshot adds to the block store;
- EBS direct APIs on both servers: StartSnapshot, `--blocks` PutSnapshotBlock of random data,
  CompleteSnapshot, ListSnapshotBlocks, then GetSnapshotBlock of every block, in MiB/s.

moto records snapshots without copying any data (its CreateSnapshot is complete at once), so
only the direct APIs, which carry the blocks on both, are compared as throughput.

Usage: python3 bench/snapshots.py [--gib 8] [--blocks 256]   (needs qemu-img and tar)
"""
import argparse
import base64
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from api_throughput import KEY_ID, REGION, SECRET, start_servers, stop_all  # noqa: E402

BLOCK = 512 * 1024
MiB = 1 << 20


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def timed(condition, timeout=3600):
    """Seconds until `condition()` is true: asked every 20 ms for the first second, then every
    100 ms, so that polling neither blurs short operations nor takes CPU from long ones."""
    start = time.time()
    while not condition():
        elapsed = time.time() - start
        if elapsed > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.02 if elapsed < 1 else 0.1)
    return time.time() - start


def snapshot_seconds(ec2, volume_id):
    """(snapshot id, seconds from CreateSnapshot until it is completed)."""
    start = time.time()
    snap = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
    timed(lambda: ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"][0]["State"] == "completed")
    return snap, time.time() - start


def store_bytes(data_dir):
    total = 0
    for root, _, files in os.walk(os.path.join(data_dir, "blocks")):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def fill(disk, source):
    subprocess.run(["qemu-img", "convert", "-n", "-f", "raw", "-O", "qcow2", source, disk], check=True)


def checksum(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def direct_api(endpoint, blocks):
    """(PutSnapshotBlock MiB/s, GetSnapshotBlock MiB/s) for `blocks` random blocks."""
    ebs = client(endpoint, "ebs")
    snap = ebs.start_snapshot(VolumeSize=1)["SnapshotId"]
    data = [os.urandom(BLOCK) for _ in range(blocks)]
    start = time.time()
    for index, block in enumerate(data):
        ebs.put_snapshot_block(SnapshotId=snap, BlockIndex=index, BlockData=block, DataLength=BLOCK,
                               Checksum=checksum(block), ChecksumAlgorithm="SHA256")
    put = blocks * BLOCK / MiB / (time.time() - start)
    ebs.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=blocks)
    listed, token = [], None
    while True:
        page = ebs.list_snapshot_blocks(SnapshotId=snap, **({"NextToken": token} if token else {}))
        listed += page["Blocks"]
        token = page.get("NextToken")
        if not token:
            break
    start = time.time()
    for block in listed:
        got = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=block["BlockIndex"], BlockToken=block["BlockToken"])
        if got["BlockData"].read() != data[block["BlockIndex"]]:
            raise RuntimeError("a block read back differs")
    get = len(listed) * BLOCK / MiB / (time.time() - start)
    return put, get


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=int, default=8)
    parser.add_argument("--blocks", type=int, default=256)
    args = parser.parse_args()
    stratus = os.path.join(HERE, "..", "build", "stratus")
    work = tempfile.mkdtemp(prefix="stratus-bench-snapshots-")
    procs = []
    try:
        targets = start_servers(work, stratus, procs)
        data_dir = os.path.join(work, "data")
        ec2 = client(targets["stratus"], "ec2")
        source = os.path.join(work, "source.raw")
        with open(source, "wb") as out:
            tar = subprocess.Popen(["tar", "cf", "-", "/usr"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            left = args.gib << 30
            while left > 0:
                chunk = tar.stdout.read(min(left, 64 * MiB))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
            tar.kill()
        data_bytes = os.path.getsize(source)
        volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=args.gib)["VolumeId"]
        timed(lambda: ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"] == "available")
        disk = os.path.join(data_dir, "volumes", volume + ".qcow2")
        fill(disk, source)
        print("volume: %d GiB, %.2f GiB of real files from /usr" % (args.gib, data_bytes / (1 << 30)))

        first, seconds = snapshot_seconds(ec2, volume)
        print("full snapshot: %.1f s, %.0f MiB/s of volume, %.0f MiB/s of data; store %.2f GiB"
              % (seconds, (args.gib << 30) / MiB / seconds, data_bytes / MiB / seconds, store_bytes(data_dir) / (1 << 30)))

        blocks = (args.gib << 30) // BLOCK
        changed = random.Random(11).sample(range(blocks), blocks // 100)
        commands = []
        for index in changed:
            commands += ["-c", "write -P %d %d 4096" % (random.randrange(1, 255), index * BLOCK)]
        subprocess.run(["qemu-io"] + commands + [disk], check=True, stdout=subprocess.DEVNULL)
        second, seconds = snapshot_seconds(ec2, volume)
        print("incremental snapshot (%d of %d blocks changed): %.2f s" % (len(changed), blocks, seconds))

        start = time.time()
        restored = ec2.create_volume(AvailabilityZone="us-east-1b", SnapshotId=second)["VolumeId"]
        timed(lambda: ec2.describe_volumes(VolumeIds=[restored])["Volumes"][0]["State"] == "available")
        seconds = time.time() - start
        print("restore: %.1f s, %.0f MiB/s of volume" % (seconds, (args.gib << 30) / MiB / seconds))

        twin = ec2.create_volume(AvailabilityZone="us-east-1c", Size=args.gib)["VolumeId"]
        timed(lambda: ec2.describe_volumes(VolumeIds=[twin])["Volumes"][0]["State"] == "available")
        fill(os.path.join(data_dir, "volumes", twin + ".qcow2"), source)
        before = store_bytes(data_dir)
        _, seconds = snapshot_seconds(ec2, twin)
        print("identical volume's snapshot: %.1f s, adds %d bytes to the store" % (seconds, store_bytes(data_dir) - before))
        os.remove(source)

        moto_ec2 = client(targets["moto"], "ec2")
        moto_volume = moto_ec2.create_volume(AvailabilityZone="us-east-1a", Size=args.gib)["VolumeId"]
        _, seconds = snapshot_seconds(moto_ec2, moto_volume)
        print("moto CreateSnapshot until completed: %.3f s (moto copies no data)" % seconds)

        for name in ("stratus", "moto"):
            put, get = direct_api(targets[name], args.blocks)
            print("%s EBS direct APIs, %d blocks of 512 KiB: PutSnapshotBlock %.0f MiB/s, GetSnapshotBlock %.0f MiB/s"
                  % (name, args.blocks, put, get))
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
