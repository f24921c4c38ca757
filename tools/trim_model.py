#!/usr/bin/env python3
"""Writes spec/ec2-2016-11-15.json: botocore's EC2 service model without documentation.

Usage: python3 tools/trim_model.py   (reads the installed botocore's model)
"""
import gzip, json, os, botocore

DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

src = os.path.join(os.path.dirname(botocore.__file__), "data/ec2/2016-11-15/service-2.json.gz")
with gzip.open(src, "rt") as f:
    model = strip(json.load(f))
model["metadata"]["stratusSource"] = "botocore " + botocore.__version__
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec", "ec2-2016-11-15.json")
with open(out, "w") as f:
    json.dump(model, f, separators=(",", ":"), sort_keys=True)
    f.write("\n")
