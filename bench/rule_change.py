#!/usr/bin/env python3
"""Security group rule change -> packets judged by the new rule: how long it takes.

Starts a private `stratus serve` (the tests' harness; everything it starts is reaped) whose
AMI is a stand-in, so an instance gets its VPC router, routed tap and firewall but never boots.
Then, `--changes` times: AuthorizeSecurityGroupIngress for a new port, and poll the VPC
router's nftables table (`nft list table inet stratus_sg` in the VPC namespace, every 5 ms)
until the rule is there; the same for RevokeSecurityGroupIngress. Prints median and worst.
moto has nothing to compare with: it does not enforce security groups.

Usage (root): python3 bench/rule_change.py [--changes 20]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))

from harness import StratusServer, fake_base_image, reap  # noqa: E402


def listing(netns):
    return subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "table", "inet", "stratus_sg"],
                          capture_output=True, text=True).stdout


def wait_until(netns, present, text, timeout=10):
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if (text in listing(netns)) == present:
            return (time.perf_counter() - start) * 1000
        time.sleep(0.005)
    raise RuntimeError("the firewall did not follow within %d s" % timeout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root")
    server = StratusServer()
    try:
        fake_base_image(server.image_cache)
        server.start()
        ec2 = server.client("us-east-1")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        group = ec2.create_security_group(GroupName="bench", Description="bench")["GroupId"]
        instance = ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                     SecurityGroupIds=[group])["Instances"][0]
        netns = "stratus-" + instance["VpcId"]
        wait_until(netns, True, "ingress_st", timeout=30)  # the router and its firewall exist
        added, removed = [], []
        for i in range(args.changes):
            port = 20000 + i
            rule = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            start = time.perf_counter()
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=rule)
            added.append((time.perf_counter() - start) * 1000 + wait_until(netns, True, "dport %d " % port))
            start = time.perf_counter()
            ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=rule)
            removed.append((time.perf_counter() - start) * 1000 + wait_until(netns, False, "dport %d " % port))
        for name, values in (("authorize -> rule in the router", added), ("revoke -> rule gone", removed)):
            print("%s: median %.0f ms, worst %.0f ms (%d changes)" % (
                name, statistics.median(values), max(values), len(values)))
    finally:
        reap(server)


if __name__ == "__main__":
    main()
