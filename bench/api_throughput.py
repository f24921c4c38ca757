#!/usr/bin/env python3
"""API throughput benchmark: stratus against moto_server, same request mix, same run.

Starts `build/stratus serve` and `moto_server` on free loopback ports, prepares the same
resources on both with boto3, pre-signs a mix of DescribeVpcs, DescribeSecurityGroups (with
a filter), CreateTags and DescribeKeyPairs requests (SigV4, valid 15 minutes), replays them
with wrk at 1 and 64 connections (or, with --mix instance-types, DescribeInstanceTypes alone), and prints a Markdown table of requests/s, p50 and p99 and
the stratus/moto throughput ratio.

Usage: python3 bench/api_throughput.py [--seconds 10] [--mix default|instance-types] [--stratus build/stratus]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials

KEY_ID = "AKIABENCHBENCHBENCH1"
SECRET = "benchbenchbenchbenchbenchbenchbenchbench"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # the server answers
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("server at %s did not come up" % url)


def start_stratus(work, stratus, procs, data="data", extra_args=()):
    """Starts `stratus serve` with data in WORK/`data` (and `extra_args`) on a free loopback port,
    logging to WORK/`data`.log; appends it to `procs` and returns its URL once it answers."""
    env = dict(os.environ, STRATUS_ROOT_ACCESS_KEY_ID=KEY_ID, STRATUS_ROOT_SECRET_ACCESS_KEY=SECRET,
               STRATUS_ACCOUNT_ID="123456789012")
    log = open(os.path.join(work, data + ".log"), "w")
    port = free_port()
    procs.append(subprocess.Popen([stratus, "serve", "--data-dir", os.path.join(work, data),
                                   "--listen", "127.0.0.1:%d" % port] + list(extra_args),
                                  env=env, stdout=log, stderr=log))
    url = "http://127.0.0.1:%d" % port
    wait_ready(url + "/_stratus/health")
    return url


def start_servers(work, stratus, procs, moto=True):
    """Starts `stratus serve` (data in WORK/data) and, unless moto=False, moto_server on free
    loopback ports, logging to WORK/data.log and WORK/servers.log; appends their processes to `procs` (for
    stop_all) and returns {"stratus": URL, "moto": URL} once they answer."""
    targets = {"stratus": start_stratus(work, stratus, procs)}
    if moto:
        log = open(os.path.join(work, "servers.log"), "w")
        mport = free_port()
        procs.append(subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(mport)], stdout=log, stderr=log))
        targets["moto"] = "http://127.0.0.1:%d" % mport
        wait_ready(targets["moto"] + "/")
    return targets


def stop_all(procs):
    """Ends the servers a benchmark started: SIGTERM, SIGKILL after 10 s."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def prepare(endpoint):
    """Creates the resources the mix touches; returns (security group id, vpc id)."""
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    for i in range(3):
        ec2.create_key_pair(KeyName="bench-%d" % i)
    sg = ec2.create_security_group(GroupName="bench-web", Description="bench", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return sg, vpc


def signed(endpoint, params, key=KEY_ID, secret=SECRET, service="ec2"):
    """One SigV4-signed POST as (headers, body)."""
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=params,
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), service, REGION).add_auth(req)
    prepared = req.prepare()
    return dict(prepared.headers), prepared.body if isinstance(prepared.body, str) else prepared.body.decode()


def request_mix(name, sg):
    """The requests a run replays in turn: the default mix of everyday calls, or
    DescribeInstanceTypes without a filter (the first page of the whole catalogue)."""
    if name == "instance-types":
        return [{"Action": "DescribeInstanceTypes", "Version": "2016-11-15"}]
    return [
        {"Action": "DescribeVpcs", "Version": "2016-11-15"},
        {"Action": "DescribeSecurityGroups", "Version": "2016-11-15",
         "Filter.1.Name": "group-name", "Filter.1.Value.1": "bench-web"},
        {"Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": sg,
         "Tag.1.Key": "Name", "Tag.1.Value": "bench"},
        {"Action": "DescribeKeyPairs", "Version": "2016-11-15"},
    ]


def lua_script(endpoint, mix, key=KEY_ID, secret=SECRET, service="ec2"):
    """A wrk script replaying `mix` (parameter dicts) round-robin, each signed with key/secret for `service`."""
    lines = ["local reqs = {}"]
    for params in mix:
        headers, body = signed(endpoint, params, key, secret, service)
        headers["Host"] = endpoint.split("://", 1)[1]
        hs = ", ".join('["%s"] = "%s"' % (k, v) for k, v in headers.items() if k.lower() != "content-length")
        lines.append('table.insert(reqs, wrk.format("POST", "/", {%s}, "%s"))' % (hs, body))
    lines += ["local n = 0",
              "request = function() n = n + 1; return reqs[(n % #reqs) + 1] end",
              "local errors = 0",
              "response = function(status, headers, body) if status ~= 200 then errors = errors + 1 end end",
              "done = function(summary, latency, requests)",
              '  io.write(string.format("BENCH p50=%f p99=%f\\n", latency:percentile(50), latency:percentile(99)))',
              "end"]
    return "\n".join(lines) + "\n"


def run_wrk(endpoint, script, connections, seconds):
    threads = 1  # one client thread: on 2 cores a second one mostly steals CPU from the server
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "-s", script,
                          endpoint + "/"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p99 = map(float, re.search(r"BENCH p50=([\d.]+) p99=([\d.]+)", out).groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "errors": int(non2xx.group(1)) if non2xx else 0}


def remove_work(work):
    """Removes a run's working directory, unless BENCH_KEEP asks to keep it (then says where)."""
    if os.environ.get("BENCH_KEEP"):
        print("kept", work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def print_comparison(results):
    """Prints {(server, connections): run_wrk result} as a Markdown table and the stratus/moto
    throughput ratio at each connection count."""
    print("| server | connections | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|---|")
    for (name, connections), r in results.items():
        print("| %s | %d | %.0f | %.2f | %.2f | %d |" % (name, connections, r["rps"], r["p50_ms"], r["p99_ms"],
                                                    r["errors"]))
    for connections in sorted({c for _, c in results}):
        moto_rps = results[("moto", connections)]["rps"]
        if moto_rps == 0:
            print("\nat %d connection(s) moto answered no request within the run" % connections)
            continue
        ratio = results[("stratus", connections)]["rps"] / moto_rps
        print("\nstratus/moto throughput at %d connection(s): %.1fx" % (connections, ratio))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--mix", choices=("default", "instance-types"), default="default")
    parser.add_argument("--stratus", default=os.path.join(os.path.dirname(__file__), "..", "build", "stratus"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="stratus-bench-")
    procs = []
    try:
        targets = start_servers(work, args.stratus, procs)
        results = {}
        for name, endpoint in targets.items():
            sg, vpc = prepare(endpoint)
            script = os.path.join(work, name + ".lua")
            with open(script, "w") as f:
                f.write(lua_script(endpoint, request_mix(args.mix, sg)))
            for connections in (1, 64):
                results[(name, connections)] = run_wrk(endpoint, script, connections, args.seconds)
        print_comparison(results)
    finally:
        stop_all(procs)
        remove_work(work)


if __name__ == "__main__":
    sys.exit(main())
