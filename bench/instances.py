#!/usr/bin/env python3
"""Instance benchmark: RunInstances/TerminateInstances API latency against moto_server, one
real t2.micro's boot with the warm pool off (RunInstances -> running -> SSH accepts ->
cloud-init done; bench/warm_pool.py measures restores), the QEMU
process's memory beyond its guest RAM, and how many t2.micro this host admits.

Needs root, QEMU and the built base image (`build/stratus image build`). Starts its own
`stratus serve` (the tests' harness: private data dir, everything it started is ended by pid
and its namespaces deleted, even on failure) and `moto_server` on free loopback ports.

Usage: python3 bench/instances.py [--calls 20]
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))

import boto3  # noqa: E402

from harness import StratusServer, free_port, real_image_cache, reap, ssh_run, write_key_pair  # noqa: E402

HOST_RESERVE_MIB = 2048  # what `stratus serve` keeps for the host by default (src/exe/main.cc)
VM_OVERHEAD_MIB = 384    # what it counts per VM beyond guest memory (kVmOverheadMiB there)
USER_DATA = "#!/bin/bash\necho ran > /var/tmp/bench-user-data\n"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def api_latency(ec2, image, calls):
    """Sequential RunInstances (one t2.micro) each followed by its TerminateInstances; returns
    the latencies in ms of each call kind."""
    run_ms, terminate_ms = [], []
    for _ in range(calls):
        start = time.perf_counter()
        instance = ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1,
                                     MaxCount=1)["Instances"][0]["InstanceId"]
        run_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        ec2.terminate_instances(InstanceIds=[instance])
        terminate_ms.append((time.perf_counter() - start) * 1000)
    return run_ms, terminate_ms


def start_region(server):
    """Starts `server` (a StratusServer on the base image; the caller reaps it) and makes a key
    pair "bench": its us-east-1 EC2 client, the base AMI's id and the key pair's private key file."""
    server.start()
    ec2 = server.client("us-east-1")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    key_file = os.path.join(server.log_dir, "bench.pem")
    write_key_pair(ec2, "bench", key_file)
    return ec2, image, key_file


def boot_times(ec2, image, key_file):
    """Seconds from RunInstances to running, to SSH accepting, to cloud-init done; and the id."""
    start = time.monotonic()
    instance_id = ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="bench",
                                    UserData=USER_DATA)["Instances"][0]["InstanceId"]
    marks = {}
    while "running" not in marks and time.monotonic() - start < 120:
        got = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        if got["State"]["Name"] == "running":
            marks["running"] = time.monotonic() - start
        time.sleep(0.1)
    ip = got["PublicIpAddress"]
    while "ssh" not in marks and time.monotonic() - start < 600:
        if ssh_run(key_file, ip, "true").returncode == 0:
            marks["ssh"] = time.monotonic() - start
        else:
            time.sleep(0.5)
    while "cloud-init" not in marks and time.monotonic() - start < 600:
        if ssh_run(key_file, ip, "test -f /var/lib/cloud/instance/boot-finished").returncode == 0:
            marks["cloud-init"] = time.monotonic() - start
        else:
            time.sleep(0.5)
    return instance_id, marks


def qemu_memory(pid, guest_mib):
    """MiB of memory the QEMU process holds, from /proc/PID/smaps: total, the guest RAM (the
    non-executable mapping of the guest's size: anonymous, or for a restored VM a file on tmpfs,
    all of which is memory whether QEMU has touched it or not), TCG's translation cache (the
    executable anonymous mapping), and the rest."""
    mappings = []  # [address range, permissions, path, size KiB, rss KiB]
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = re.match(r"^([0-9a-f]+-[0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if head:
                mappings.append([head.group(1), head.group(2), head.group(3), 0, 0])
            elif line.startswith("Size:"):
                mappings[-1][3] = int(line.split()[1])
            elif line.startswith("Rss:"):
                mappings[-1][4] = int(line.split()[1])
    guest = 0
    for m in mappings:
        if "x" in m[1] or not guest_mib * 1024 <= m[3] <= (guest_mib + 2) * 1024:
            continue
        if not m[2]:
            guest += m[4]
        elif m[2].startswith("/dev/shm/"):
            held = os.stat("/proc/%d/map_files/%s" % (pid, m[0])).st_blocks * 512 // 1024
            guest += held
            m[4] = held  # counted as the file holds it, not as far as QEMU has touched it
    total = sum(m[4] for m in mappings)
    tcg = sum(m[4] for m in mappings if not m[2] and "x" in m[1])
    return total / 1024, guest / 1024, tcg / 1024, (total - guest - tcg) / 1024


def host_memory_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def moto_latency(calls):
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        ec2 = boto3.client("ec2", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                           aws_access_key_id="AKIABENCHBENCHBENCH1", aws_secret_access_key="bench" * 8)
        for _ in range(100):
            try:
                image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
                break
            except Exception:
                time.sleep(0.1)
        return api_latency(ec2, image, calls)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def row(name, values):
    return "| %s | %.1f | %.1f | %.1f |" % (name, statistics.median(values), percentile(values, 99), max(values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    if os.geteuid() != 0 or not real_image_cache():
        sys.exit("needs root and the base image (build/stratus image build)")

    server = StratusServer(image_cache=real_image_cache(), extra_args=("--warm-pool", "0"))  # booted, not restored
    try:
        ec2, image, key_file = start_region(server)

        instance_id, marks = boot_times(ec2, image, key_file)
        with open(os.path.join(server.data_dir, "instances", instance_id, "qemu.pid")) as f:
            pid = int(f.read().strip())
        total, guest, tcg, rest = qemu_memory(pid, 1024)
        ec2.terminate_instances(InstanceIds=[instance_id])

        stratus_run, stratus_terminate = api_latency(ec2, image, args.calls)
        moto_run, moto_terminate = moto_latency(args.calls)

        print("## boot of one t2.micro (TCG)\n")
        for name in ("running", "ssh", "cloud-init"):
            print("- RunInstances -> %s: %.1f s" % (name, marks.get(name, float("nan"))))
        print("\n## QEMU memory after cloud-init (t2.micro, 1024 MiB guest)\n")
        print("- RSS %.0f MiB: guest RAM resident %.0f MiB, TCG translation cache %.0f MiB, rest of QEMU %.0f MiB"
              % (total, guest, tcg, rest))
        print("- beyond guest RAM: %.0f MiB" % (tcg + rest))
        host = host_memory_mib()
        print("- host %d MiB; stratus admits (host - %d MiB) / (1024 + %d MiB counted per VM) = %d t2.micro" %
              (host, HOST_RESERVE_MIB, VM_OVERHEAD_MIB, (host - HOST_RESERVE_MIB) // (1024 + VM_OVERHEAD_MIB)))
        print("\n## API latency, %d sequential calls each (ms)\n" % args.calls)
        print("| call | p50 | p99 | max |")
        print("|---|---|---|---|")
        print(row("stratus RunInstances", stratus_run))
        print(row("stratus TerminateInstances", stratus_terminate))
        print(row("moto RunInstances", moto_run))
        print(row("moto TerminateInstances", moto_terminate))
        print("\nmoto/stratus p50 latency: RunInstances %.1fx, TerminateInstances %.1fx" % (
            statistics.median(moto_run) / statistics.median(stratus_run),
            statistics.median(moto_terminate) / statistics.median(stratus_terminate)))
    finally:
        # Let the reconciler tear the terminated VMs down, then end whatever is left by pid.
        time.sleep(5)
        reap(server)


if __name__ == "__main__":
    main()
