#!/usr/bin/env python3
"""Warm pool benchmark (issue 17): RunInstances -> SSH accepts -> user data done (cloud-init's
boot-finished), for t2.micro, with the pool off (`--warm-pool 0`: every VM boots) and on
(restored from a saved state), in one run: N sequential launches (p50, p95), then five at once.
Also the QEMU process's memory when SSH first answers and once user data is done (medians over
the sequential launches), the host's busy CPU seconds per launch up to user data done (the bench
and the server included), and the time and disk it took to make the saved state (made first when
none exists).

Needs root, QEMU and the built base image (`build/stratus image build`). Starts its own `stratus
serve` for each mode (the tests' harness: everything it started is ended even on failure).

Usage: python3 bench/warm_pool.py [--launches 10]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))

from harness import StratusServer, real_image_cache, reap, saved_states, ssh_run  # noqa: E402
from instances import percentile, qemu_memory, start_region  # noqa: E402

USER_DATA = "#!/bin/bash\necho ran > /var/tmp/bench-user-data\n"
GUEST_MIB = 1024  # t2.micro


def follow(ec2, instance_id, key_file, start, marks, data_dir):
    """Fills `marks` with the seconds from `start` to SSH accepting and to user data done, and
    the memory its QEMU process holds (MiB) at each. Once SSH answers, one session waits inside for user
    data, so that polling logins do not take the guest's CPU from cloud-init."""
    ip = None
    while ip is None and time.monotonic() - start < 120:
        ip = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0].get("PublicIpAddress")
        time.sleep(0.1)
    # Port 22 is polled every 0.1 s, and a login tried once it opens: ssh's own connect timeout
    # (3 s, retried) would blur the mark by seconds while the guest's network is not up yet.
    while "ssh" not in marks and time.monotonic() - start < 600:
        try:
            if port_open(ip, 22) and ssh_run(key_file, ip, "true", timeout=10, attempts=1).returncode == 0:
                marks["ssh"] = time.monotonic() - start
                marks["rss at ssh"] = rss(data_dir, instance_id)
                break
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.1)
    waited = ssh_run(key_file, ip, "while [ ! -f /var/lib/cloud/instance/boot-finished ]; do sleep 0.2; done",
                     timeout=600)
    if waited.returncode == 0:
        marks["user data"] = time.monotonic() - start
        marks["rss at user data"] = rss(data_dir, instance_id)


def port_open(ip, port):
    """Whether a TCP connection to ip:port is accepted within 0.5 s."""
    try:
        with socket.create_connection((ip, port), timeout=0.5):
            return True
    except OSError:
        return False


def rss(data_dir, instance_id):
    """The memory (MiB) the QEMU process of `instance_id` holds (bench/instances.py qemu_memory)."""
    with open(os.path.join(data_dir, "instances", instance_id, "qemu.pid")) as f:
        return qemu_memory(int(f.read().strip()), GUEST_MIB)[0]


def host_cpu_seconds():
    """CPU seconds this host's CPUs have spent busy (all but idle and iowait) since boot."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def launch(ec2, image, group, key_file, count, data_dir):
    """Launches `count` t2.micro at once; [(instance id, marks)]. Each one's marks also hold the
    host's busy CPU seconds from RunInstances to the last user data done, divided by `count`."""
    busy = host_cpu_seconds()
    start = time.monotonic()
    ids = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=image, InstanceType="t2.micro", MinCount=count, MaxCount=count, KeyName="bench",
        SecurityGroupIds=[group], UserData=USER_DATA)["Instances"]]
    marks = [{} for _ in ids]
    threads = [threading.Thread(target=follow, args=(ec2, i, key_file, start, m, data_dir)) for i, m in zip(ids, marks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = (host_cpu_seconds() - busy) / count
    for m in marks:
        m["host cpu"] = busy
    return list(zip(ids, marks))


def terminate(ec2, ids):
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def run_mode(args, launches):
    """One server with `args`: N sequential launches and five at once; the measurements."""
    server = StratusServer(image_cache=real_image_cache(), extra_args=args)
    try:
        ec2, image, key_file = start_region(server)
        group = ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        made = None
        if "0" not in args and not saved_states(1, GUEST_MIB):
            # The first launch boots and has the state made beside it.
            (first, _), = launch(ec2, image, group, key_file, 1, server.data_dir)
            deadline = time.monotonic() + 600
            while not saved_states(1, GUEST_MIB) and time.monotonic() < deadline:
                time.sleep(1)
            terminate(ec2, [first])
        if "0" not in args:
            directory, record = saved_states(1, GUEST_MIB)[0]
            # Disk used (ram.img is sparse: the guest's RAM that is not zero).
            sizes = {name: os.stat(os.path.join(directory, name)).st_blocks * 512 / 2**20
                     for name in ("state.bin", "ram.img", "disk.qcow2")}
            made = (record["seconds_to_make"], sizes)
        sequential = []
        for _ in range(launches):
            (instance_id, marks), = launch(ec2, image, group, key_file, 1, server.data_dir)
            sequential.append(marks)
            terminate(ec2, [instance_id])
        together = launch(ec2, image, group, key_file, 5, server.data_dir)
        terminate(ec2, [i for i, _ in together])
        return sequential, [m for _, m in together], made
    finally:
        reap(server)


def summary(name, sequential, together):
    cells = [name]
    for mark in ("ssh", "user data"):
        values = [m.get(mark, float("nan")) for m in sequential]
        cells += ["%.1f" % statistics.median(values), "%.1f" % percentile(values, 95)]
    for mark in ("ssh", "user data"):
        values = [m.get(mark, float("nan")) for m in together]
        cells += ["%.1f" % statistics.median(values), "%.1f" % max(values)]
    for mark in ("rss at ssh", "rss at user data"):
        cells.append("%.0f" % statistics.median([m.get(mark, float("nan")) for m in sequential]))
    for launches in (sequential, together):
        cells.append("%.0f" % statistics.median([m["host cpu"] for m in launches]))
    return "| " + " | ".join(cells) + " |"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=10)
    args = parser.parse_args()
    if os.geteuid() != 0 or not real_image_cache():
        sys.exit("needs root and the base image (build/stratus image build)")
    off = run_mode(["--warm-pool", "0"], args.launches)
    on = run_mode(["--warm-pool", "4"], args.launches)
    print("## t2.micro launches under TCG, seconds from RunInstances (%d sequential; 5 at once)\n" % args.launches)
    print("| pool | SSH p50 | SSH p95 | user data p50 | user data p95 | 5 at once: SSH p50 | SSH max "
          "| user data p50 | user data max | QEMU memory MiB at SSH (p50) | at user data (p50) "
          "| host CPU s per launch to user data (p50) | 5 at once |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(summary("off (boot)", *off[:2]))
    print(summary("on (restore)", *on[:2]))
    seconds, sizes = on[2]
    print("\nSaved state: made in %.1f s; on disk: state.bin %.1f MiB, ram.img %.0f MiB, disk.qcow2 %.0f MiB" % (
        seconds, sizes["state.bin"], sizes["ram.img"], sizes["disk.qcow2"]))


if __name__ == "__main__":
    main()
