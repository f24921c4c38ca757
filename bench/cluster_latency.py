#!/usr/bin/env python3
"""From a write on the API server to a host acting on it (issue 16), on the simulated cluster of
tests/client/test_cluster_network.py: an API server and two `stratus host` agents in namespaces
of their own over a bridged underlay, on one PostgreSQL, stand-in guests wired to instances' taps.

Guest A (host 1) probes guest B (host 2) with a new TCP connection every few milliseconds
(a 20 ms connect timeout) and reports each time the answer flips. Each sample is one
AuthorizeSecurityGroupIngress (or RevokeSecurityGroupIngress) of the rule letting A in: the time
from the API's answer until A's first connection that gets through (or first that does not).
That covers the change feed (NOTIFY, the agent's catch-up), the agent's reconciler pass and the
nftables update on B's host; a revocation is seen up to one connect timeout (20 ms) late.

Usage: python3 bench/cluster_latency.py [--samples 30]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))
from test_cluster_network import PORT, ClusterNetworkTest  # noqa: E402

# Connects to argv[1]:PORT every few ms; prints "<CLOCK_MONOTONIC seconds> up|down" when it flips.
PROBE = """
import socket, sys, time
state = None
while True:
    try:
        socket.create_connection((sys.argv[1], %d), timeout=0.02).close()
        now = "up"
    except OSError:
        now = "down"
    if now != state:
        print("%%.6f %%s" %% (time.monotonic(), now), flush=True)
        state = now
    time.sleep(0.002)
""" % PORT


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30, help="authorize/revoke pairs")
    args = parser.parse_args()

    cls = ClusterNetworkTest
    cls.setUpClass()
    case = cls("test_a_vpc_across_two_hosts")
    try:
        a, _, _ = case.guest("us-east-1a", cls.subnets["us-east-1a"], cls.group, "A")
        _, b_ip, _ = case.guest("us-east-1b", cls.subnets["us-east-1b"], cls.group, "B")
        rule = [{"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": "10.70.0.0/16"}]}]
        probe = subprocess.Popen(["ip", "netns", "exec", a, sys.executable, "-u", "-c", PROBE, b_ip],
                                 stdout=subprocess.PIPE, text=True)
        case.addCleanup(probe.wait)
        case.addCleanup(probe.kill)

        def until(state, deadline=10):
            """The time (CLOCK_MONOTONIC, as this process's) of the probe's next report of `state`."""
            end = time.monotonic() + deadline
            while time.monotonic() < end:
                stamp, seen = probe.stdout.readline().split()
                if seen == state:
                    return float(stamp)
            raise RuntimeError("the probe never saw %s" % state)

        until("up")  # the class's rule lets A in
        cls.ec2.revoke_security_group_ingress(GroupId=cls.group, IpPermissions=rule)
        until("down")
        applied = {"authorize": [], "revoke": []}
        for _ in range(args.samples):
            cls.ec2.authorize_security_group_ingress(GroupId=cls.group, IpPermissions=rule)
            answered = time.monotonic()
            applied["authorize"].append(until("up") - answered)
            cls.ec2.revoke_security_group_ingress(GroupId=cls.group, IpPermissions=rule)
            answered = time.monotonic()
            applied["revoke"].append(until("down") - answered)
        print("| write | samples | p50 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|")
        for name, values in applied.items():
            ms = [v * 1000 for v in values]
            print("| %s | %d | %.0f | %.0f | %.0f |" % (name, len(ms), statistics.median(ms), percentile(ms, 99),
                                                     max(ms)))
    finally:
        case.doCleanups()
        cls.doClassCleanups()


if __name__ == "__main__":
    main()
