#!/usr/bin/env python3
"""Writes data/regions.json and data/instance_types.json: the regions of the aws partition
with their availability zones and instance type offerings, and the instance type catalogue.

Usage: python3 tools/gen_catalogue.py   (reads the installed botocore and moto packages, and
the prices already in data/instance_types.json)

Sources:
- regions: botocore's endpoint data (partition "aws");
- instance types and offerings: moto's bundled copy of DescribeInstanceTypes and
  DescribeInstanceTypeOfferings output (a scrape of the real API), taken verbatim;
- zone name -> zone id: AWS maps them per account; here a zone name takes the zone id whose
  offering set is the same (unique in moto's scrape), else the ids left in order;
- regions moto has no data for get zones a-c (ids PREFIX-az1..3) and the types every other
  region offers;
- opt-in: the regions AWS launched after March 2019, which accounts must enable.
"""
import gzip, json, os, re

import botocore
import moto

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OFFERINGS = os.path.join(os.path.dirname(moto.__file__), "ec2", "resources", "instance_type_offerings")

# Regions that are disabled until an account opts in (AWS's list).
OPT_IN = {
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1",
    "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
}


def zone_id_prefix(region):
    """us-east-1 -> use1, ap-southeast-7 -> apse7, mx-central-1 -> mxc1 (AWS's zone id prefixes)."""
    area, direction, number = region.split("-")
    short = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
             "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}[direction]
    return area + short + number


def load(kind, region):
    path = os.path.join(OFFERINGS, kind, region + ".json.gz")
    if not os.path.exists(path):
        return None
    rows = json.load(gzip.open(path))
    by_location = {}
    for row in rows:
        by_location.setdefault(row["Location"], set()).add(row["InstanceType"])
    return by_location


def regions(catalogue):
    endpoints = json.load(open(os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")))
    names = sorted(next(p for p in endpoints["partitions"] if p["partition"] == "aws")["regions"])
    known = {}
    for name in names:
        region = load("region", name)
        if region:
            known[name] = (region[name], load("availability-zone", name), load("availability-zone-id", name))
    everywhere = set.intersection(*(r[0] for r in known.values()))
    out = []
    for name in names:
        if name in known:
            offered, by_name, by_id = known[name]
            free_ids = sorted(by_id)
            zone_ids = {}
            for zone in sorted(by_name):
                same = [i for i in free_ids if by_id[i] == by_name[zone]]
                if len(same) == 1:
                    zone_ids[zone] = same[0]
                    free_ids.remove(same[0])
            for zone in sorted(by_name):
                if zone not in zone_ids:
                    zone_ids[zone] = free_ids.pop(0)
            zones = [{"name": z, "id": zone_ids[z], "unavailable": sorted(offered - by_name[z])} for z in sorted(by_name)]
        else:
            offered = everywhere
            zones = [{"name": name + s, "id": "%s-az%d" % (zone_id_prefix(name), i + 1), "unavailable": []}
                     for i, s in enumerate("abc")]
        out.append({"name": name, "opt_in": name in OPT_IN, "zones": zones,
                    "instance_types": sorted(t for t in offered if t in catalogue)})
    return out


def main():
    types_path = os.path.join(ROOT, "data", "instance_types.json")
    old = json.load(open(types_path))
    prices = old.get("prices") or {t["InstanceType"]: t["PricePerHourUsd"] for t in old["types"] if "PricePerHourUsd" in t}
    catalogue = json.load(gzip.open(os.path.join(os.path.dirname(moto.__file__), "ec2", "resources", "instance_types.json.gz")))
    types = [catalogue[name] for name in sorted(catalogue)]
    with open(types_path, "w") as f:
        json.dump({"_source": "InstanceTypeInfo documents as DescribeInstanceTypes returns them, verbatim from moto "
                              + moto.__version__ + "'s bundled scrape of the real API (tools/gen_catalogue.py). "
                              "Prices: Linux, shared tenancy, on-demand USD/hour, type -> region. us-east-1 from the "
                              "AWS Price List (karpenter-provider-aws generated table, Jan 2026). ap-northeast-2 from "
                              "the AWS Price List as captured in 2018 (juju generated.go: t2, m5, c5 at 1/1000 USD) "
                              "plus published Seoul price tables for t3/r5; sizes and metal not seen there follow "
                              "AWS's linear per-size pricing (metal = 24xlarge).",
                   "types": types, "prices": prices}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    with open(os.path.join(ROOT, "data", "regions.json"), "w") as f:
        json.dump({"_source": "tools/gen_catalogue.py: botocore " + botocore.__version__ + " endpoints, moto "
                              + moto.__version__ + " offerings",
                   "regions": regions(catalogue)}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")


main()
