"""DescribeRegions, DescribeAvailabilityZones, DescribeAccountAttributes."""

import unittest

from harness import REGIONS, ZONE_ID_PREFIX, ZONES, StratusTestCase


class RegionsTest(StratusTestCase):

    def test_describe_regions_lists_both_regions(self):
        regions = self.ec2.describe_regions()["Regions"]
        self.assertEqual(sorted(r["RegionName"] for r in regions), sorted(REGIONS))
        for r in regions:
            self.assertTrue(r.get("Endpoint"), r)
            self.assertEqual(r.get("OptInStatus"), "opt-in-not-required", r)

    def test_describe_regions_same_from_either_region(self):
        a = sorted(r["RegionName"] for r in self.ec2.describe_regions()["Regions"])
        b = sorted(r["RegionName"] for r in self.ec2_apne2.describe_regions()["Regions"])
        self.assertEqual(a, b)

    def test_describe_regions_by_name(self):
        regions = self.ec2.describe_regions(RegionNames=["ap-northeast-2"])["Regions"]
        self.assertEqual([r["RegionName"] for r in regions], ["ap-northeast-2"])

    def test_describe_regions_filter_region_name(self):
        regions = self.ec2.describe_regions(
            Filters=[{"Name": "region-name", "Values": ["us-east-1"]}])["Regions"]
        self.assertEqual([r["RegionName"] for r in regions], ["us-east-1"])

    def test_describe_regions_all_regions(self):
        regions = self.ec2.describe_regions(AllRegions=True)["Regions"]
        names = {r["RegionName"] for r in regions}
        self.assertTrue(set(REGIONS) <= names, names)

    def test_describe_regions_unknown_name(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_regions(RegionNames=["mars-north-1"])

    def test_describe_regions_via_cli(self):
        out = self.server.aws("ec2", "describe-regions")
        self.assertEqual(sorted(r["RegionName"] for r in out["Regions"]), sorted(REGIONS))


class ZonesTest(StratusTestCase):

    def check_zones(self, client, region):
        zones = client.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual(sorted(z["ZoneName"] for z in zones), ZONES[region])
        ids = [z["ZoneId"] for z in zones]
        # AWS maps names to ids per account; ids look like use1-az<N>.
        self.assertEqual(len(set(ids)), 3, ids)
        for zid in ids:
            self.assertRegex(zid, r"^%s\d+$" % ZONE_ID_PREFIX[region])
        for z in zones:
            self.assertEqual(z["State"], "available", z)
            self.assertEqual(z["RegionName"], region, z)
            self.assertEqual(z.get("ZoneType"), "availability-zone", z)
            self.assertEqual(z.get("OptInStatus"), "opt-in-not-required", z)
            self.assertEqual(z.get("NetworkBorderGroup"), region, z)
        return zones

    def test_zones_us_east_1(self):
        self.check_zones(self.ec2, "us-east-1")

    def test_zones_ap_northeast_2(self):
        self.check_zones(self.ec2_apne2, "ap-northeast-2")

    def test_zone_name_to_id_mapping_stable(self):
        a = {z["ZoneName"]: z["ZoneId"] for z in
             self.ec2.describe_availability_zones()["AvailabilityZones"]}
        b = {z["ZoneName"]: z["ZoneId"] for z in
             self.ec2.describe_availability_zones()["AvailabilityZones"]}
        self.assertEqual(a, b)
        self.assertEqual(len(set(a.values())), 3)

    def test_zone_names_parameter(self):
        zones = self.ec2.describe_availability_zones(ZoneNames=["us-east-1b"])["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], ["us-east-1b"])

    def zone_ids(self):
        return {z["ZoneName"]: z["ZoneId"] for z in
                self.ec2.describe_availability_zones()["AvailabilityZones"]}

    def test_zone_ids_parameter(self):
        zid = self.zone_ids()["us-east-1b"]
        zones = self.ec2.describe_availability_zones(ZoneIds=[zid])["AvailabilityZones"]
        self.assertEqual([(z["ZoneId"], z["ZoneName"]) for z in zones], [(zid, "us-east-1b")])

    def test_zone_filters(self):
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "zone-name", "Values": ["us-east-1a", "us-east-1c"]}])["AvailabilityZones"]
        self.assertEqual(sorted(z["ZoneName"] for z in zones), ["us-east-1a", "us-east-1c"])
        zid = self.zone_ids()["us-east-1c"]
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "zone-id", "Values": [zid]}])["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], ["us-east-1c"])
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
        self.assertEqual(len(zones), 3)
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "region-name", "Values": ["us-east-1"]}])["AvailabilityZones"]
        self.assertEqual(len(zones), 3)
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "zone-name", "Values": ["ap-northeast-2a"]}])["AvailabilityZones"]
        self.assertEqual(zones, [], "zones of another region must not leak")

    def test_zone_of_other_region_by_name_is_error(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_availability_zones(ZoneNames=["ap-northeast-2a"])

    def test_unknown_zone_is_error(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_availability_zones(ZoneNames=["us-east-1z"])


class AccountAttributesTest(StratusTestCase):

    def attrs(self, client, **kw):
        out = {}
        for a in client.describe_account_attributes(**kw)["AccountAttributes"]:
            out[a["AttributeName"]] = [v["AttributeValue"] for v in a["AttributeValues"]]
        return out

    def test_supported_platforms_vpc_only(self):
        a = self.attrs(self.ec2, AttributeNames=["supported-platforms"])
        self.assertEqual(a, {"supported-platforms": ["VPC"]})

    def test_default_vpc_attribute_matches_describe_vpcs(self):
        a = self.attrs(self.ec2, AttributeNames=["default-vpc"])
        self.assertEqual(a["default-vpc"], [self.default_vpc()["VpcId"]])

    def test_default_vpc_attribute_is_per_region(self):
        a = self.attrs(self.ec2, AttributeNames=["default-vpc"])["default-vpc"]
        b = self.attrs(self.ec2_apne2, AttributeNames=["default-vpc"])["default-vpc"]
        self.assertEqual(b, [self.default_vpc(self.ec2_apne2)["VpcId"]])
        self.assertNotEqual(a, b)

    def test_all_attributes(self):
        a = self.attrs(self.ec2)
        for name in ("supported-platforms", "default-vpc", "max-instances",
                     "vpc-max-security-groups-per-interface", "max-elastic-ips",
                     "vpc-max-elastic-ips"):
            self.assertIn(name, a)
            self.assertEqual(len(a[name]), 1, (name, a[name]))
        for name in ("max-instances", "vpc-max-security-groups-per-interface",
                     "max-elastic-ips", "vpc-max-elastic-ips"):
            self.assertTrue(a[name][0].isdigit(), (name, a[name]))

    def test_attribute_names_restricts_output(self):
        a = self.attrs(self.ec2, AttributeNames=["max-instances"])
        self.assertEqual(list(a), ["max-instances"])


if __name__ == "__main__":
    unittest.main()
