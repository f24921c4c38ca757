"""DescribeInstanceTypes and DescribeInstanceTypeOfferings: the whole catalogue, per region and zone."""

import unittest

from harness import ZONE_ID_PREFIX, ZONES, StratusTestCase

# Families of the x86_64 catalogue AWS publishes (and arm64 Graviton, listed too).
FAMILIES = {"t2", "t3", "t3a", "m5", "m5a", "m6i", "m7i", "c5", "c6i", "c7i", "r5", "r6i", "r7i", "i3",
            "m6g", "c7g"}

# (vCPUs, MiB) as published by AWS.
KNOWN = {
    "t2.micro": (1, 1024),
    "t2.small": (1, 2048),
    "t2.medium": (2, 4096),
    "t3.nano": (2, 512),
    "t3.micro": (2, 1024),
    "t3.large": (2, 8192),
    "m5.large": (2, 8192),
    "m5.xlarge": (4, 16384),
    "c5.large": (2, 4096),
    "c5.xlarge": (4, 8192),
    "r5.large": (2, 16384),
    "m1.small": (1, 1740),
}


def family(t):
    return t.split(".", 1)[0]


def all_types(client, **kw):
    out = []
    for page in client.get_paginator("describe_instance_types").paginate(**kw):
        out.extend(page["InstanceTypes"])
    return out


class InstanceTypesTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_types = all_types(cls.ec2)

    def names(self, **kw):
        return sorted(t["InstanceType"] for t in all_types(self.ec2, **kw))

    def test_catalogue_covers_families(self):
        fams = {family(t["InstanceType"]) for t in self.all_types}
        self.assertLessEqual(FAMILIES, fams)
        self.assertGreater(len(self.all_types), 800)

    def test_no_duplicate_types(self):
        names = [t["InstanceType"] for t in self.all_types]
        self.assertEqual(len(names), len(set(names)))

    def test_known_sizes(self):
        got = self.ec2.describe_instance_types(InstanceTypes=list(KNOWN))["InstanceTypes"]
        self.assertEqual(sorted(t["InstanceType"] for t in got), sorted(KNOWN))
        for t in got:
            vcpus, mib = KNOWN[t["InstanceType"]]
            self.assertEqual(t["VCpuInfo"]["DefaultVCpus"], vcpus, t["InstanceType"])
            self.assertEqual(t["MemoryInfo"]["SizeInMiB"], mib, t["InstanceType"])
            self.assertIn("x86_64", t["ProcessorInfo"]["SupportedArchitectures"], t["InstanceType"])
            for member in ("NetworkInfo", "EbsInfo", "SupportedUsageClasses", "Hypervisor", "BareMetal"):
                self.assertIn(member, t, t["InstanceType"])

    def test_hypervisor_and_burstable(self):
        got = {t["InstanceType"]: t for t in self.ec2.describe_instance_types(
            InstanceTypes=["t2.micro", "t3.micro", "m5.large", "m6g.large"])["InstanceTypes"]}
        self.assertEqual(got["t2.micro"]["Hypervisor"], "xen")
        self.assertEqual(got["t3.micro"]["Hypervisor"], "nitro")
        self.assertEqual(got["m5.large"]["Hypervisor"], "nitro")
        self.assertTrue(got["t3.micro"]["BurstablePerformanceSupported"])
        self.assertFalse(got["m5.large"]["BurstablePerformanceSupported"])
        self.assertEqual(got["m6g.large"]["ProcessorInfo"]["SupportedArchitectures"], ["arm64"])

    def test_unknown_instance_type(self):
        with self.assertEc2Error("InvalidInstanceType"):
            self.ec2.describe_instance_types(InstanceTypes=["x9.huge"])

    def test_filter_instance_type_wildcard(self):
        got = self.names(Filters=[{"Name": "instance-type", "Values": ["t3.*"]}])
        self.assertIn("t3.micro", got)
        expected = sorted(t["InstanceType"] for t in self.all_types if t["InstanceType"].startswith("t3."))
        self.assertEqual(got, expected)
        self.assertNotIn("t3a.micro", got)

    def test_filter_vcpus_and_memory(self):
        got = all_types(self.ec2, Filters=[{"Name": "vcpu-info.default-vcpus", "Values": ["4"]},
                                           {"Name": "memory-info.size-in-mib", "Values": ["16384"]}])
        self.assertTrue(all(t["VCpuInfo"]["DefaultVCpus"] == 4 and t["MemoryInfo"]["SizeInMiB"] == 16384
                            for t in got))
        self.assertIn("m5.xlarge", {t["InstanceType"] for t in got})

    def test_boolean_and_nested_filters(self):
        metal = self.names(Filters=[{"Name": "bare-metal", "Values": ["true"]}])
        self.assertIn("m5.metal", metal)
        self.assertTrue(all(n.endswith("metal") or "metal" in n for n in metal), metal)
        old = self.names(Filters=[{"Name": "current-generation", "Values": ["false"]}])
        self.assertIn("m1.small", old)
        self.assertNotIn("t3.micro", old)
        free = self.names(Filters=[{"Name": "free-tier-eligible", "Values": ["true"]}])
        self.assertIn("t3.micro", free)
        arm = self.names(Filters=[{"Name": "processor-info.supported-architecture", "Values": ["arm64"]}])
        self.assertIn("m6g.large", arm)
        self.assertNotIn("m5.large", arm)
        nvme = self.names(Filters=[{"Name": "ebs-info.nvme-support", "Values": ["required"]},
                                   {"Name": "instance-type", "Values": ["m5.large", "t2.micro"]}])
        self.assertEqual(nvme, ["m5.large"])
        disks = self.names(Filters=[{"Name": "instance-storage-info.disk.type", "Values": ["ssd"]},
                                    {"Name": "instance-type", "Values": ["i3.large", "m5.large"]}])
        self.assertEqual(disks, ["i3.large"])

    def test_unknown_filter_is_refused(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_instance_types(Filters=[{"Name": "colour", "Values": ["red"]}])

    def test_pagination_max_results_5(self):
        seen = []
        token = None
        pages = 0
        t3 = [{"Name": "instance-type", "Values": ["t3.*"]}]
        while True:
            kw = {"MaxResults": 5, "Filters": t3}
            if token:
                kw["NextToken"] = token
            r = self.ec2.describe_instance_types(**kw)
            pages += 1
            self.assertLessEqual(len(r["InstanceTypes"]), 5)
            seen.extend(t["InstanceType"] for t in r["InstanceTypes"])
            token = r.get("NextToken")
            if not token:
                break
            self.assertLess(pages, 50, "pagination does not terminate")
        self.assertGreater(pages, 1)
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(sorted(seen), self.names(Filters=t3))

    def test_regions_offer_their_own_types(self):
        # Real AWS: Graviton and the newest families are not everywhere, t2 is not in the newer regions.
        ca_west = {t["InstanceType"] for t in all_types(self.server.client("ca-west-1"))}
        self.assertLess(len(ca_west), len(self.all_types))
        self.assertNotIn("t2.micro", ca_west)
        self.assertIn("t3.micro", ca_west)
        with self.assertEc2Error("InvalidInstanceType"):
            self.server.client("ca-west-1").describe_instance_types(InstanceTypes=["t2.micro"])


class OfferingsTest(StratusTestCase):

    def offerings(self, client, **kw):
        out = []
        for page in client.get_paginator("describe_instance_type_offerings").paginate(**kw):
            out.extend(page["InstanceTypeOfferings"])
        return out

    def test_default_location_type_is_region(self):
        offs = self.offerings(self.ec2)
        self.assertTrue(offs)
        for o in offs:
            self.assertEqual(o["LocationType"], "region", o)
            self.assertEqual(o["Location"], "us-east-1", o)
        self.assertLessEqual(FAMILIES, {family(o["InstanceType"]) for o in offs})
        names = [o["InstanceType"] for o in offs]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(sorted(names), sorted(t["InstanceType"] for t in all_types(self.ec2)))

    def test_filter_instance_type(self):
        offs = self.offerings(self.ec2, Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}])
        self.assertEqual([(o["InstanceType"], o["Location"]) for o in offs],
                         [("t3.micro", "us-east-1")])

    def test_availability_zone_location_type(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone",
                              Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}])
        # As on AWS, us-east-1e (use1-az3) has only older families.
        self.assertEqual(sorted(o["Location"] for o in offs), [z for z in ZONES["us-east-1"] if z != "us-east-1e"])
        for o in offs:
            self.assertEqual(o["LocationType"], "availability-zone")
            self.assertEqual(o["InstanceType"], "t3.micro")
        offs = self.offerings(self.ec2, LocationType="availability-zone",
                              Filters=[{"Name": "instance-type", "Values": ["t2.micro"]}])
        self.assertEqual(sorted(o["Location"] for o in offs), ZONES["us-east-1"])

    def test_availability_zone_filter_location(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone",
                              Filters=[{"Name": "location", "Values": ["us-east-1b"]}])
        self.assertTrue(offs)
        self.assertEqual({o["Location"] for o in offs}, {"us-east-1b"})
        self.assertLessEqual(FAMILIES, {family(o["InstanceType"]) for o in offs})

    def test_availability_zone_id_location_type(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone-id",
                              Filters=[{"Name": "instance-type", "Values": ["m5.large"]}])
        zones = {z["ZoneName"]: z["ZoneId"] for z in self.ec2.describe_availability_zones()["AvailabilityZones"]}
        by_name = self.offerings(self.ec2, LocationType="availability-zone",
                                 Filters=[{"Name": "instance-type", "Values": ["m5.large"]}])
        self.assertEqual(sorted(o["Location"] for o in offs), sorted(zones[o["Location"]] for o in by_name))
        for o in offs:
            self.assertTrue(o["Location"].startswith(ZONE_ID_PREFIX["us-east-1"]), o)
            self.assertEqual(o["LocationType"], "availability-zone-id")

    def test_other_region(self):
        ec2 = self.server.client("eu-west-1")
        offs = self.offerings(ec2, LocationType="availability-zone",
                              Filters=[{"Name": "instance-type", "Values": ["c5.large"]}])
        self.assertEqual(sorted(o["Location"] for o in offs), ZONES["eu-west-1"])
        offs = self.offerings(ec2, Filters=[{"Name": "instance-type", "Values": ["c5.large"]}])
        self.assertEqual([o["Location"] for o in offs], ["eu-west-1"])

    def test_unknown_type_filter_is_empty(self):
        offs = self.offerings(self.ec2, Filters=[{"Name": "instance-type", "Values": ["x9.huge"]}])
        self.assertEqual(offs, [])

    def test_paged_offerings(self):
        r = self.ec2.describe_instance_type_offerings(MaxResults=5)
        self.assertLessEqual(len(r["InstanceTypeOfferings"]), 5)
        self.assertTrue(r.get("NextToken"))
        seen = [o["InstanceType"] for o in r["InstanceTypeOfferings"]]
        token = r["NextToken"]
        while token:
            r = self.ec2.describe_instance_type_offerings(MaxResults=5, NextToken=token)
            seen.extend(o["InstanceType"] for o in r["InstanceTypeOfferings"])
            token = r.get("NextToken")
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(sorted(seen), sorted(o["InstanceType"] for o in self.offerings(self.ec2)))

    def test_invalid_location_type(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_instance_type_offerings(LocationType="galaxy")


if __name__ == "__main__":
    unittest.main()
