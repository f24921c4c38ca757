#!/usr/bin/env python3
"""S3 benchmark: stratus against moto_server in the same run, and large transfers against the disk.

Small objects: PUT and GET of 4 KiB objects (200 keys, SigV4 header auth with the payload's real
SHA-256, as boto3 sends over http), replayed with wrk at 1 and 32 connections on both servers;
prints requests/s, p50 and p99 and the stratus/moto ratio. Large objects: a 1 GiB file uploaded
with one presigned PUT and downloaded with one presigned GET (curl), against dd writing the same
amount to the same file system with fsync, and reading it back; reads start from an empty page
cache when the benchmark runs as root (else from whatever the cache holds).

Usage: python3 bench/s3_throughput.py [--seconds 10] [--large-mib 1024] [--stratus build/stratus]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

sys.path.insert(0, os.path.dirname(__file__))
from api_throughput import KEY_ID, REGION, SECRET, print_comparison, remove_work, run_wrk, start_servers, stop_all  # noqa: E402

KEYS = 200
BODY = ("stratus-" * 512)[:4096]  # 4 KiB of text (wrk's Lua strings carry it as is)


def s3_client(endpoint, **config):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET, config=botocore.config.Config(**config))


def signed(endpoint, method, key, body):
    """(headers) of one S3 SigV4 request on bench/KEY, signed over the body's SHA-256."""
    req = botocore.awsrequest.AWSRequest(method=method, url="%s/bench/%s" % (endpoint, key), data=body)
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(KEY_ID, SECRET), "s3", REGION).add_auth(req)
    return dict(req.prepare().headers)


def lua_script(endpoint, method):
    """A wrk script sending METHOD to the bench keys in turn (PUT with BODY)."""
    lines = ["local reqs = {}"]
    for i in range(KEYS):
        key = "object-%04d" % i
        body = BODY if method == "PUT" else ""
        headers = signed(endpoint, method, key, body)
        headers["Host"] = endpoint.split("://", 1)[1]
        hs = ", ".join('["%s"] = "%s"' % (k, v) for k, v in headers.items() if k.lower() != "content-length")
        lua_body = '"%s"' % body if body else "nil"
        lines.append('table.insert(reqs, wrk.format("%s", "/bench/%s", {%s}, %s))' % (method, key, hs, lua_body))
    lines += ["local n = 0",
              "request = function() n = n + 1; return reqs[(n % #reqs) + 1] end",
              "done = function(summary, latency, requests)",
              '  io.write(string.format("BENCH p50=%f p99=%f\\n", latency:percentile(50), latency:percentile(99)))',
              "end"]
    return "\n".join(lines) + "\n"


def small_objects(targets, work, seconds):
    results = {"PUT": {}, "GET": {}}
    for name, endpoint in targets.items():
        s3 = s3_client(endpoint)
        s3.create_bucket(Bucket="bench")
        for i in range(KEYS):  # so that GETs find them
            s3.put_object(Bucket="bench", Key="object-%04d" % i, Body=BODY.encode())
        for method in ("PUT", "GET"):
            script = os.path.join(work, "%s-%s.lua" % (name, method))
            with open(script, "w") as f:
                f.write(lua_script(endpoint, method))
            for connections in (1, 32):
                results[method][(name, connections)] = run_wrk(endpoint, script, connections, seconds)
    return results


def drop_caches():
    """Empties the page cache when allowed (root), so that reads come from the disk; False otherwise."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def timed(command, cold=False):
    if cold:
        drop_caches()
    start = time.time()
    subprocess.run(command, check=True, capture_output=True)
    return time.time() - start


def large_objects(endpoint, work, mib):
    """MiB/s of one upload and one download of MIB MiB through stratus, and of dd on the same disk."""
    source = os.path.join(work, "large.bin")
    subprocess.run(["dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=%d" % mib], check=True, capture_output=True)
    probe = os.path.join(work, "data", "dd-probe.bin")  # the file system stratus keeps objects on
    dd_write = timed(["dd", "if=" + source, "of=" + probe, "bs=1M", "conv=fsync"])
    dd_read = timed(["dd", "if=" + probe, "of=/dev/null", "bs=1M"], cold=True)
    os.remove(probe)
    s3 = s3_client(endpoint, signature_version="s3v4")
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "large"}, ExpiresIn=3600)
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "large"}, ExpiresIn=3600)
    upload = timed(["curl", "-sf", "-T", source, "-H", "Expect:", put_url])
    download = timed(["curl", "-sf", "-o", "/dev/null", get_url], cold=True)
    os.remove(source)
    return {"dd write (fsync)": mib / dd_write, "PUT (presigned, one request)": mib / upload,
            "dd read": mib / dd_read, "GET (presigned, one request)": mib / download}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--stratus", default=os.path.join(os.path.dirname(__file__), "..", "build", "stratus"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="stratus-bench-s3-")
    procs = []
    try:
        targets = start_servers(work, args.stratus, procs)
        results = small_objects(targets, work, args.seconds)
        for method in ("PUT", "GET"):
            print("\n### 4 KiB %s\n" % method)
            print_comparison(results[method])
        print("\n### %d MiB through one request, against the disk\n" % args.large_mib)
        print("| transfer | MiB/s |")
        print("|---|---|")
        large = large_objects(targets["stratus"], work, args.large_mib)
        for what, rate in large.items():
            print("| %s | %.0f |" % (what, rate))
        print("\nupload/dd write: %.0f%%, download/dd read: %.0f%%" % (
            100 * large["PUT (presigned, one request)"] / large["dd write (fsync)"],
            100 * large["GET (presigned, one request)"] / large["dd read"]))
    finally:
        stop_all(procs)
        remove_work(work)


if __name__ == "__main__":
    sys.exit(main())
