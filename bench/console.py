#!/usr/bin/env python3
"""The web console's weight and speed: the bundle's size (raw and gzip), and in headless Chromium
the page's load and the first render of the instance list with `--instances` instances (stand-in
AMI: the instances are real records the API serves, but never boot), signed in, median of
`--runs` page loads: the first page (100) drawn, all drawn, all shown.

Usage: python3 bench/console.py [--instances 1000] [--runs 7]   (console built by scripts/build)
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))

from harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, StratusServer, fake_base_image, reap  # noqa: E402

DIST = os.path.join(HERE, "..", "console", "dist")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| file | bytes | gzip bytes |")
    print("|---|---|---|")
    for name in sorted(os.listdir(DIST)):
        with open(os.path.join(DIST, name), "rb") as f:
            data = f.read()
        print("| %s | %d | %d |" % (name, len(data), len(gzip.compress(data, 9))))
    server = StratusServer(extra_args=("--capacity-memory-mib", "0", "--limit", "max-instances=%d" % args.instances))
    try:
        fake_base_image(server.image_cache)
        server.start()
        ec2 = server.client("us-east-1")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        for start in range(0, args.instances, 100):
            count = min(100, args.instances - start)
            ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=count, MaxCount=count,
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bench"}]}])
        out = subprocess.run(["node", "first_render.mjs", server.endpoint + "/_stratus/console/", ACCESS_KEY_ID,
                              SECRET_ACCESS_KEY, str(args.instances), str(args.runs)],
                             cwd=os.path.join(HERE, "..", "console", "bench"), capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            sys.exit(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print("\n%d instances, median of %d page loads, ms after navigation start:\n" % (args.instances, result["runs"]))
        print("| load event | first 100 drawn | all drawn | all shown (next frame) | all shown, each run |")
        print("|---|---|---|---|---|")
        print("| %.0f | %.0f | %.0f | %.0f | %s |" % (result["load_ms"], result["first_page_ms"], result["drawn_ms"],
                                                  result["list_ms"], ", ".join(map(str, result["list_samples_ms"]))))
        print("\nAPI calls of the last run (start, server wait, end in ms; bytes): %s" % json.dumps(result["calls"]))
    finally:
        reap(server)


if __name__ == "__main__":
    main()
