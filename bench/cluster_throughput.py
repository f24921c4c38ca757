#!/usr/bin/env python3
"""Instance-to-instance TCP throughput across hosts against within one host (issue 16), on the
simulated cluster of tests/client/test_cluster_network.py (two `stratus host` agents in network
namespaces of their own over a bridged veth underlay, one PostgreSQL, the real base image).

A receiver boots on host 2 (us-east-1b), one sender on host 1 (us-east-1a: its packets cross the
VXLAN overlay) and one on host 2 (same host: routed taps only). Each run times `--megabytes` MiB
sent with Python sockets inside the guests (bench/instance_throughput.py's), first from the
sender on the other host, then from the one on the same host. TCG guests on the same two cores:
the guests' emulated CPUs are the limit either way.

Usage (root, base image built): python3 bench/cluster_throughput.py [--megabytes 256] [--runs 3]
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))
sys.path.insert(0, HERE)
from harness import real_image_cache, write_key_pair  # noqa: E402
from instance_throughput import RECEIVER, SENDER  # noqa: E402
from test_cluster_network import ClusterVmTest  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0 or not real_image_cache():
        sys.exit("needs root and the base image (build/stratus image build)")
    cls = ClusterVmTest
    cls.setUpClass()
    case = cls("test_instances_on_two_hosts")
    try:
        ec2 = cls.ec2
        case.key_file = os.path.join(cls.api.log_dir, "bench.pem")
        write_key_pair(ec2, "bench", case.key_file)
        group = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=cls.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 5001, "ToPort": 5001, "IpRanges": [{"CidrIp": "10.70.0.0/16"}]}])
        image = ec2.describe_images(Owners=["amazon"], Filters=[
            {"Name": "name", "Values": ["debian-12-*"]}])["Images"][0]["ImageId"]
        placement = {"receiver": "us-east-1b", "other host": "us-east-1a", "same host": "us-east-1b"}
        ids = {name: ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="bench",
                                       SubnetId=cls.subnets[zone], SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
               for name, zone in placement.items()}
        ec2.get_waiter("instance_running").wait(InstanceIds=list(ids.values()),
                                                WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        vms = {name: ec2.describe_instances(InstanceIds=[i])["Reservations"][0]["Instances"][0] for name, i in ids.items()}
        for name, vm in vms.items():
            deadline = time.time() + 300
            while case.output(vm["PublicIpAddress"], "true") is None:
                if time.time() > deadline:
                    sys.exit("no SSH to the %s" % name)
                time.sleep(2)
        receiver = vms["receiver"]
        print("| run | sender | MiB | seconds | MiB/s |")
        print("|---|---|---|---|---|")
        for run in range(args.runs):
            for sender in ("other host", "same host"):
                listener = subprocess.Popen(
                    ["ip", "netns", "exec", cls.internet, "ssh", "-i", case.key_file, "-o", "StrictHostKeyChecking=no",
                     "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                     "ec2-user@" + receiver["PublicIpAddress"], RECEIVER], stdout=subprocess.PIPE, text=True)
                time.sleep(3)  # the receiver's python starts slowly under TCG
                sent = case.ssh(vms[sender]["PublicIpAddress"], SENDER % (receiver["PrivateIpAddress"], args.megabytes),
                                timeout=600)
                received, seconds = listener.communicate(timeout=600)[0].split()
                if sent is None or sent.returncode != 0 or int(received) != args.megabytes << 20:
                    sys.exit("run %d from the %s: received %s bytes" % (run + 1, sender, received))
                print("| %d | %s | %d | %.1f | %.0f |" % (run + 1, sender, args.megabytes, float(seconds),
                                                         args.megabytes / float(seconds)))
    finally:
        case.doCleanups()
        cls.doClassCleanups()


if __name__ == "__main__":
    main()
