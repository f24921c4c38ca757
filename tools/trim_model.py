#!/usr/bin/env python3
"""Writes spec/SERVICE-VERSION.json: botocore's service models without documentation.

Usage: python3 tools/trim_model.py [SERVICE/VERSION ...]   (reads the installed botocore's
models; default: every model stratus serves, ec2/2016-11-15, sts/2011-06-15, ebs/2019-11-02,
iam/2010-05-08, s3/2006-03-01, ce/2017-10-25, budgets/2016-10-20, fis/2020-12-01 and
ec2-instance-connect/2018-04-02)
"""
import gzip, json, os, sys, botocore

DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}
SERVED = ["ec2/2016-11-15", "sts/2011-06-15", "ebs/2019-11-02", "iam/2010-05-08", "s3/2006-03-01", "ce/2017-10-25",
          "budgets/2016-10-20", "fis/2020-12-01", "ec2-instance-connect/2018-04-02"]

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

for service_version in sys.argv[1:] or SERVED:
    service, version = service_version.split("/")
    src = os.path.join(os.path.dirname(botocore.__file__), "data", service, version, "service-2.json.gz")
    with gzip.open(src, "rt") as f:
        model = strip(json.load(f))
    model["metadata"]["stratusSource"] = "botocore " + botocore.__version__
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec", "%s-%s.json" % (service, version))
    with open(out, "w") as f:
        json.dump(model, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
