#!/usr/bin/env python3
"""Authorization benchmark (issue 12): what IAM enforcement costs per EC2 request, and IAM API
throughput against moto_server.

Part 1 starts `build/stratus serve`, makes IAM users whose identity policies number 1, 10 and
100 (100: ten on the user and ten on each of nine groups, AWS's quotas), every policy with an
Allow of the mix's actions under a condition and a Deny that never matches, so that evaluation
reads every statement. It replays api_throughput.py's everyday EC2 mix (DescribeVpcs,
DescribeSecurityGroups with a filter, CreateTags, DescribeKeyPairs), signed by the root key (not
evaluated: the "no IAM" baseline) and by each user, with wrk at 64 connections, in rounds that take
every signer in turn (medians reported).

Part 2 starts moto_server too, makes the same user, role and policy on both, and replays a mix of
IAM calls (GetUser, ListUsers, GetRole, GetPolicy, ListAttachedUserPolicies, TagUser) at 1 and
64 connections.

Usage: python3 bench/authorization.py [--seconds 10] [--rounds 3] [--stratus build/stratus]
"""
import argparse
import json
import os
import sys
import tempfile

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from api_throughput import (KEY_ID, REGION, SECRET, lua_script, prepare, print_comparison,  # noqa: E402
                            remove_work, request_mix, run_wrk, start_servers, stop_all)

MIX_ACTIONS = ["ec2:DescribeVpcs", "ec2:DescribeSecurityGroups", "ec2:CreateTags", "ec2:DescribeKeyPairs"]


def policy_document(i):
    """Policy number i: an Allow of the mix's actions in the region, and a Deny never met."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Allow%d" % i, "Effect": "Allow", "Action": MIX_ACTIONS, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": REGION}}},
        {"Sid": "Deny%d" % i, "Effect": "Deny", "Action": "ec2:DeleteVpc",
         "Resource": "arn:aws:ec2:*:*:vpc/vpc-%08d" % i}]})


def user_with_policies(iam, name, count):
    """A user whose identity policies number `count` (at most ten per user and per group);
    returns its access key (id, secret)."""
    iam.create_user(UserName=name)
    holders = [("user", name)]
    groups = (count - 1) // 10
    for g in range(groups):
        group = "%s-g%d" % (name, g)
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=name)
        holders.append(("group", group))
    for i in range(count):
        arn = iam.create_policy(PolicyName="%s-p%d" % (name, i), PolicyDocument=policy_document(i))["Policy"]["Arn"]
        kind, holder = holders[i // 10] if count > 10 else holders[0]
        if kind == "user":
            iam.attach_user_policy(UserName=holder, PolicyArn=arn)
        else:
            iam.attach_group_policy(GroupName=holder, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def authorization_cost(args, work):
    procs = []
    try:
        endpoint = start_servers(work, args.stratus, procs, moto=False)["stratus"]
        sg, _ = prepare(endpoint)
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                           aws_secret_access_key=SECRET)
        signers = [("root (no evaluation)", KEY_ID, SECRET)]
        for count in (1, 10, 100):
            signers.append(("user, %d policies" % count,) + user_with_policies(iam, "bench%d" % count, count))
        # Rounds of every signer in turn, so that drift over the run (the write-ahead log growing
        # with CreateTags, the machine's other load) falls on all of them alike; medians reported.
        runs = {label: [] for label, _, _ in signers}
        for _ in range(args.rounds):
            for label, key, secret in signers:
                script = os.path.join(work, "authz.lua")
                with open(script, "w") as f:
                    f.write(lua_script(endpoint, request_mix("default", sg), key, secret, "ec2"))
                runs[label].append(run_wrk(endpoint, script, 64, args.seconds))
        print("| signer | requests/s (each round) | median | p99 ms (median) | non-2xx | median vs root |")
        print("|---|---|---|---|---|---|")
        median = lambda values: sorted(values)[len(values) // 2]
        base = median([r["rps"] for r in runs[signers[0][0]]])
        for label, results in runs.items():
            rps = [r["rps"] for r in results]
            print("| %s | %s | %.0f | %.2f | %d | %.1f%% |" % (
                label, " / ".join("%.0f" % x for x in rps), median(rps), median([r["p99_ms"] for r in results]),
                sum(r["errors"] for r in results), 100.0 * median(rps) / base))
    finally:
        stop_all(procs)


def iam_mix(policy_arn):
    v = {"Version": "2010-05-08"}
    return [dict(v, Action="GetUser", UserName="bench-user"),
            dict(v, Action="ListUsers"),
            dict(v, Action="GetRole", RoleName="bench-role"),
            dict(v, Action="GetPolicy", PolicyArn=policy_arn),
            dict(v, Action="ListAttachedUserPolicies", UserName="bench-user"),
            {**v, "Action": "TagUser", "UserName": "bench-user", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"}]


def iam_throughput(args, work):
    procs = []
    try:
        targets = start_servers(work, args.stratus, procs)
        results = {}
        for name, endpoint in targets.items():
            iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                               aws_secret_access_key=SECRET)
            iam.create_user(UserName="bench-user")
            iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}))
            arn = iam.create_policy(PolicyName="bench-policy", PolicyDocument=policy_document(0))["Policy"]["Arn"]
            iam.attach_user_policy(UserName="bench-user", PolicyArn=arn)
            script = os.path.join(work, name + "-iam.lua")
            with open(script, "w") as f:
                f.write(lua_script(endpoint, iam_mix(arn), KEY_ID, SECRET, "iam"))
            for connections in (1, 64):
                results[(name, connections)] = run_wrk(endpoint, script, connections, args.seconds)
        print_comparison(results)
    finally:
        stop_all(procs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stratus", default=os.path.join(os.path.dirname(__file__), "..", "build", "stratus"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="stratus-bench-")
    try:
        print("## Authorization cost per EC2 request (64 connections)\n")
        os.makedirs(os.path.join(work, "authz"))
        authorization_cost(args, os.path.join(work, "authz"))
        print("\n## IAM API throughput\n")
        os.makedirs(os.path.join(work, "iam"))
        iam_throughput(args, os.path.join(work, "iam"))
    finally:
        remove_work(work)


if __name__ == "__main__":
    sys.exit(main())
