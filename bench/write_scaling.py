#!/usr/bin/env python3
"""Write cost against store size, and write throughput under load: stratus and moto_server.

1. Sequential CreateSecurityGroup rate (one keep-alive connection, pre-signed requests, so the
   client's signing is not timed) when the region already holds 1, 1,000 and 10,000 groups.
   A write's cost should not depend on how many records the store holds.
2. CreateTags throughput at 64 connections with wrk (the same tag rewritten: the store's size
   stays constant), which is what the durability setting (fsync per group commit) costs.

Usage: python3 bench/write_scaling.py [--timed 500] [--seconds 10] [--stratus build/stratus]
       [--skip-moto]
"""
import argparse
import http.client
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_throughput import KEY_ID, SECRET, run_wrk, signed, start_servers, stop_all  # noqa: E402

LEVELS = (1, 1000, 10000)


def default_vpc(endpoint):
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def create_groups(endpoint, vpc, prefix, count):
    """Creates `count` groups over one connection; returns the seconds the server took for them
    (sending and answering only: every request is signed before the clock starts)."""
    requests = [signed(endpoint, urllib.parse.urlencode({
        "Action": "CreateSecurityGroup", "Version": "2016-11-15", "GroupName": "%s-%d" % (prefix, i),
        "GroupDescription": "bench", "VpcId": vpc})) for i in range(count)]
    host = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    start = time.perf_counter()
    for headers, body in requests:
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError("CreateSecurityGroup failed: %d %s" % (response.status, data[:300]))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def scaling(endpoint, timed):
    vpc = default_vpc(endpoint)
    rates, held = {}, 1  # the default VPC's default group
    for level in LEVELS:
        if level > held:
            create_groups(endpoint, vpc, "fill%d" % level, level - held)
            held = level
        seconds = create_groups(endpoint, vpc, "timed%d" % level, timed)
        held += timed
        rates[level] = timed / seconds
    return rates


def tag_writes(endpoint, work, name, seconds):
    vpc = default_vpc(endpoint)
    headers, body = signed(endpoint, urllib.parse.urlencode({
        "Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": vpc, "Tag.1.Key": "bench",
        "Tag.1.Value": "x"}))
    headers["Host"] = endpoint.split("://", 1)[1]
    hs = ", ".join('["%s"] = "%s"' % (k, v) for k, v in headers.items() if k.lower() != "content-length")
    script = os.path.join(work, name + "-tags.lua")
    with open(script, "w") as f:
        f.write('local req = wrk.format("POST", "/", {%s}, "%s")\n' % (hs, body))
        f.write("request = function() return req end\n")
        f.write('done = function(summary, latency, requests)\n'
                '  io.write(string.format("BENCH p50=%f p99=%f\\n", latency:percentile(50), latency:percentile(99)))\n'
                'end\n')
    return run_wrk(endpoint, script, 64, seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timed", type=int, default=500, help="groups created per measurement")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration of the 64-connection run")
    parser.add_argument("--stratus", default=os.path.join(os.path.dirname(__file__), "..", "build", "stratus"))
    parser.add_argument("--skip-moto", action="store_true")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="stratus-bench-")
    procs = []
    try:
        targets = start_servers(work, args.stratus, procs, moto=not args.skip_moto)
        rates, tags = {}, {}
        for name, endpoint in targets.items():
            tags[name] = tag_writes(endpoint, work, name, args.seconds)
            rates[name] = scaling(endpoint, args.timed)
        print("Sequential CreateSecurityGroup, one connection (%d timed creates per level):\n" % args.timed)
        print("| server | " + " | ".join("%d groups" % level for level in LEVELS) + " | last/first |")
        print("|---|" + "---|" * (len(LEVELS) + 1))
        for name, r in rates.items():
            print("| %s | %s | %.2f |" % (name, " | ".join("%.0f/s" % r[level] for level in LEVELS),
                                          r[LEVELS[-1]] / r[LEVELS[0]]))
        print("\nCreateTags at 64 connections (%d s):\n" % args.seconds)
        print("| server | requests/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|")
        for name, r in tags.items():
            print("| %s | %.0f | %.2f | %.2f | %d |" % (name, r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]))
        if "moto" in targets:
            for level in LEVELS:
                print("\nstratus/moto at %d groups: %.1fx" % (level, rates["stratus"][level] / rates["moto"][level]))
            print("stratus/moto CreateTags at 64 connections: %.1fx" % (tags["stratus"]["rps"] / tags["moto"]["rps"]))
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
