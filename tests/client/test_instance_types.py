"""DescribeInstanceTypes and DescribeInstanceTypeOfferings (t2, t3, m5, c5, r5)."""

import unittest

from harness import ZONE_ID_PREFIX, ZONES, StratusTestCase

FAMILIES = {"t2", "t3", "m5", "c5", "r5"}

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
}


def family(t):
    return t.split(".", 1)[0]


class InstanceTypesTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_types = []
        for page in cls.ec2.get_paginator("describe_instance_types").paginate():
            cls.all_types.extend(page["InstanceTypes"])

    def test_only_expected_families(self):
        fams = {family(t["InstanceType"]) for t in self.all_types}
        self.assertEqual(fams, FAMILIES)

    def test_no_duplicate_types(self):
        names = [t["InstanceType"] for t in self.all_types]
        self.assertEqual(len(names), len(set(names)))
        self.assertGreaterEqual(len(names), 10)

    def test_known_sizes(self):
        got = self.ec2.describe_instance_types(InstanceTypes=list(KNOWN))["InstanceTypes"]
        self.assertEqual(sorted(t["InstanceType"] for t in got), sorted(KNOWN))
        for t in got:
            vcpus, mib = KNOWN[t["InstanceType"]]
            self.assertEqual(t["VCpuInfo"]["DefaultVCpus"], vcpus, t["InstanceType"])
            self.assertEqual(t["MemoryInfo"]["SizeInMiB"], mib, t["InstanceType"])
            self.assertIn("x86_64", t["ProcessorInfo"]["SupportedArchitectures"], t["InstanceType"])
            self.assertTrue(t["CurrentGeneration"], t["InstanceType"])

    def test_hypervisor_and_burstable(self):
        got = {t["InstanceType"]: t for t in self.ec2.describe_instance_types(
            InstanceTypes=["t2.micro", "t3.micro", "m5.large"])["InstanceTypes"]}
        self.assertEqual(got["t2.micro"]["Hypervisor"], "xen")
        self.assertEqual(got["t3.micro"]["Hypervisor"], "nitro")
        self.assertEqual(got["m5.large"]["Hypervisor"], "nitro")
        self.assertTrue(got["t3.micro"]["BurstablePerformanceSupported"])
        self.assertFalse(got["m5.large"]["BurstablePerformanceSupported"])

    def test_unknown_instance_type(self):
        with self.assertEc2Error("InvalidInstanceType"):
            self.ec2.describe_instance_types(InstanceTypes=["x9.huge"])

    def test_filter_instance_type_wildcard(self):
        got = []
        for page in self.ec2.get_paginator("describe_instance_types").paginate(
                Filters=[{"Name": "instance-type", "Values": ["t3.*"]}]):
            got.extend(t["InstanceType"] for t in page["InstanceTypes"])
        self.assertTrue(got)
        self.assertTrue(all(n.startswith("t3.") for n in got), got)
        self.assertIn("t3.micro", got)
        expected = sorted(t["InstanceType"] for t in self.all_types if t["InstanceType"].startswith("t3."))
        self.assertEqual(sorted(got), expected)

    def test_filter_vcpus(self):
        got = []
        for page in self.ec2.get_paginator("describe_instance_types").paginate(
                Filters=[{"Name": "vcpu-info.default-vcpus", "Values": ["4"]}]):
            got.extend(page["InstanceTypes"])
        self.assertTrue(got)
        self.assertTrue(all(t["VCpuInfo"]["DefaultVCpus"] == 4 for t in got))
        self.assertIn("m5.xlarge", {t["InstanceType"] for t in got})

    def test_pagination_max_results_5(self):
        seen = []
        token = None
        pages = 0
        while True:
            kw = {"MaxResults": 5}
            if token:
                kw["NextToken"] = token
            r = self.ec2.describe_instance_types(**kw)
            pages += 1
            self.assertLessEqual(len(r["InstanceTypes"]), 5)
            seen.extend(t["InstanceType"] for t in r["InstanceTypes"])
            token = r.get("NextToken")
            if not token:
                break
            self.assertLess(pages, 200, "pagination does not terminate")
        self.assertGreater(pages, 1)
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(sorted(seen), sorted(t["InstanceType"] for t in self.all_types))


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
        self.assertEqual({family(o["InstanceType"]) for o in offs}, FAMILIES)
        names = [o["InstanceType"] for o in offs]
        self.assertEqual(len(names), len(set(names)))

    def test_offered_types_are_describable(self):
        names = sorted({o["InstanceType"] for o in self.offerings(self.ec2)})
        described = []
        for i in range(0, len(names), 100):
            described.extend(t["InstanceType"] for t in self.ec2.describe_instance_types(
                InstanceTypes=names[i:i + 100])["InstanceTypes"])
        self.assertEqual(sorted(described), names)

    def test_filter_instance_type(self):
        offs = self.offerings(self.ec2, Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}])
        self.assertEqual([(o["InstanceType"], o["Location"]) for o in offs],
                         [("t3.micro", "us-east-1")])

    def test_availability_zone_location_type(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone",
                              Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}])
        self.assertEqual(sorted(o["Location"] for o in offs), ZONES["us-east-1"])
        for o in offs:
            self.assertEqual(o["LocationType"], "availability-zone")
            self.assertEqual(o["InstanceType"], "t3.micro")

    def test_availability_zone_filter_location(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone",
                              Filters=[{"Name": "location", "Values": ["us-east-1b"]}])
        self.assertTrue(offs)
        self.assertEqual({o["Location"] for o in offs}, {"us-east-1b"})
        self.assertEqual({family(o["InstanceType"]) for o in offs}, FAMILIES)

    def test_availability_zone_id_location_type(self):
        offs = self.offerings(self.ec2, LocationType="availability-zone-id",
                              Filters=[{"Name": "instance-type", "Values": ["m5.large"]}])
        zone_ids = sorted(z["ZoneId"] for z in self.ec2.describe_availability_zones()["AvailabilityZones"])
        self.assertEqual(sorted(o["Location"] for o in offs), zone_ids)
        for o in offs:
            self.assertTrue(o["Location"].startswith(ZONE_ID_PREFIX["us-east-1"]), o)
            self.assertEqual(o["LocationType"], "availability-zone-id")

    def test_other_region(self):
        offs = self.offerings(self.ec2_apne2, LocationType="availability-zone",
                              Filters=[{"Name": "instance-type", "Values": ["c5.large"]}])
        self.assertEqual(sorted(o["Location"] for o in offs), ZONES["ap-northeast-2"])
        offs = self.offerings(self.ec2_apne2, Filters=[{"Name": "instance-type", "Values": ["c5.large"]}])
        self.assertEqual([o["Location"] for o in offs], ["ap-northeast-2"])

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
