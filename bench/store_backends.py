#!/usr/bin/env python3
"""The store backends against each other and against moto_server, in one run (issue 16).

Starts a PostgreSQL (scripts/postgres, durable: fsync on, as SQLite's synchronous=FULL is),
`stratus serve` on SQLite, `stratus serve --store postgresql://...`, a second server on the same
database, and moto_server, then measures:

1. Reads: DescribeVpcs, DescribeSecurityGroups (filtered) and DescribeKeyPairs in turn, with wrk
   at 1 and 64 connections. Both stratus stores answer from the same in-memory cache.
2. Writes: CreateTags with wrk at 1 and 64 connections, two values in turn (so every call
   rewrites the group's record), and sequential CreateSecurityGroup (a new record each) over one
   connection, pre-signed.
3. The change feed: the time from a CreateTags answered by the first PostgreSQL server until the
   second server's DescribeTags shows it (polled over a keep-alive connection), p50 and p99.

Usage: python3 bench/store_backends.py [--seconds 10] [--creates 500] [--samples 300]
       [--stratus build/stratus]
"""
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_throughput import (lua_script, prepare, remove_work, run_wrk, signed, start_servers,  # noqa: E402
                            start_stratus, stop_all)
from write_scaling import create_groups, default_vpc  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
READS = [
    {"Action": "DescribeVpcs", "Version": "2016-11-15"},
    {"Action": "DescribeSecurityGroups", "Version": "2016-11-15",
     "Filter.1.Name": "group-name", "Filter.1.Value.1": "bench-web"},
    {"Action": "DescribeKeyPairs", "Version": "2016-11-15"},
]


def wrk_runs(work, name, endpoint, mix, seconds):
    """{connections: run_wrk result} replaying `mix` at 1 and 64 connections."""
    script = os.path.join(work, "%s-%d.lua" % (name, abs(hash(str(mix)))))
    with open(script, "w") as f:
        f.write(lua_script(endpoint, mix))
    return {c: run_wrk(endpoint, script, c, seconds) for c in (1, 64)}


def post(conn, headers, body):
    conn.request("POST", "/", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError("%d %s" % (response.status, data[:300]))
    return data


def feed_delays(writer, reader, samples):
    """Seconds from each CreateTags answered by `writer` until `reader` lists the tag."""
    vpc = default_vpc(writer)
    writes, reads = [], []
    for i in range(samples):  # signed before any clock starts
        value = "feed-%d" % i
        writes.append(signed(writer, urllib.parse.urlencode({
            "Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": vpc, "Tag.1.Key": "feed",
            "Tag.1.Value": value})))
        reads.append(signed(reader, urllib.parse.urlencode({
            "Action": "DescribeTags", "Version": "2016-11-15", "Filter.1.Name": "value",
            "Filter.1.Value.1": value})))
    w = urllib.parse.urlsplit(writer)
    r = urllib.parse.urlsplit(reader)
    wconn = http.client.HTTPConnection(w.hostname, w.port, timeout=30)
    rconn = http.client.HTTPConnection(r.hostname, r.port, timeout=30)
    delays = []
    for i in range(samples):
        post(wconn, *writes[i])
        start = time.perf_counter()
        while b"<resourceId>" not in post(rconn, *reads[i]):
            if time.perf_counter() - start > 10:
                raise RuntimeError("the second server never saw write %d" % i)
        delays.append(time.perf_counter() - start)
    return delays


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--stratus", default=os.path.join(REPO, "build", "stratus"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="stratus-bench-")
    os.chmod(work, 0o755)  # the PostgreSQL server runs as its own user
    pg_dir = os.path.join(work, "pg")
    procs = []
    try:
        url = subprocess.run([os.path.join(REPO, "scripts", "postgres"), "start", pg_dir], check=True,
                             capture_output=True, text=True).stdout.strip()
        targets = start_servers(work, args.stratus, procs)
        targets = {"stratus (SQLite)": targets["stratus"],
                   "stratus (PostgreSQL)": start_stratus(work, args.stratus, procs, "pg-data", ["--store", url]),
                   "moto": targets["moto"]}
        second = start_stratus(work, args.stratus, procs, "pg-data-2", ["--store", url, "--no-host"])
        reads, tags, creates = {}, {}, {}
        for name, endpoint in targets.items():
            sg, _ = prepare(endpoint)
            reads[name] = wrk_runs(work, name + "-reads", endpoint, READS, args.seconds)
            tags[name] = wrk_runs(work, name + "-tags", endpoint, [
                {"Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": sg, "Tag.1.Key": "Name",
                 "Tag.1.Value": value} for value in ("one", "two")], args.seconds)
            seconds = create_groups(endpoint, default_vpc(endpoint), "timed", args.creates)
            creates[name] = args.creates / seconds
        delays = sorted(feed_delays(targets["stratus (PostgreSQL)"], second, args.samples))

        print("| server | reads/s, 1 conn | reads/s, 64 conns | CreateTags/s, 1 conn | CreateTags/s, 64 conns"
              " | CreateSecurityGroup/s, sequential |")
        print("|---|---|---|---|---|---|")
        for name in targets:
            print("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
                name, reads[name][1]["rps"], reads[name][64]["rps"], tags[name][1]["rps"], tags[name][64]["rps"],
                creates[name]))
        sqlite, pg, moto = list(targets)
        print("\nPostgreSQL/SQLite: reads %.2f / %.2f, CreateTags %.2f / %.2f, CreateSecurityGroup %.2f" % (
            reads[pg][1]["rps"] / reads[sqlite][1]["rps"], reads[pg][64]["rps"] / reads[sqlite][64]["rps"],
            tags[pg][1]["rps"] / tags[sqlite][1]["rps"], tags[pg][64]["rps"] / tags[sqlite][64]["rps"],
            creates[pg] / creates[sqlite]))
        print("stratus (PostgreSQL)/moto: reads %.1fx / %.1fx, CreateTags %.1fx / %.1fx, CreateSecurityGroup %.1fx" % (
            reads[pg][1]["rps"] / reads[moto][1]["rps"], reads[pg][64]["rps"] / reads[moto][64]["rps"],
            tags[pg][1]["rps"] / tags[moto][1]["rps"], tags[pg][64]["rps"] / tags[moto][64]["rps"],
            creates[pg] / creates[moto]))
        print("\nWrite on one server -> seen by the other (%d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (
            len(delays), 1000 * statistics.median(delays), 1000 * delays[int(0.99 * (len(delays) - 1))],
            1000 * delays[-1]))
    finally:
        stop_all(procs)
        subprocess.run([os.path.join(REPO, "scripts", "postgres"), "stop", pg_dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        remove_work(work)


if __name__ == "__main__":
    main()
