"""The AWS SDK for JavaScript v3 (npm's @aws-sdk/client-ec2 and client-sts, installed into
tests/js by scripts/install-deps) against stratus, set up only by `stratus env`: STS, regions and
zones, a VPC with tags and a waiter, a subnet, a security group rule, a key pair, a paginator,
an error by its code, in us-east-1 and in regions a script written for AWS names."""

import json
import os
import subprocess
import unittest

from harness import ACCOUNT_ID, StratusTestCase

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "js")


class JsSdkTest(StratusTestCase):

    def smoke(self, region):
        env = self.server.cli_env()
        proc = subprocess.run(["node", "smoke.mjs", region], cwd=JS_DIR, env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def test_script_runs_in_several_regions(self):
        for region in ("us-east-1", "eu-west-1", "us-west-2"):
            with self.subTest(region=region):
                summary = self.smoke(region)
                self.assertEqual(summary["account"], ACCOUNT_ID)
                # Everything the script made in that region it also removed.
                client = self.server.client(region)
                with self.assertEc2Error("InvalidVpcID.NotFound"):
                    client.describe_vpcs(VpcIds=[summary["vpc"]])
                self.assertEqual(summary["types"], len(self.all_instance_types(client)))

    def all_instance_types(self, client):
        pages = client.get_paginator("describe_instance_types").paginate()
        return [t["InstanceType"] for page in pages for t in page["InstanceTypes"]]


if __name__ == "__main__":
    unittest.main()
