"""DescribeRegions, DescribeAvailabilityZones, DescribeAccountAttributes."""

import os
import unittest

from botocore.exceptions import ClientError

from harness import (OPT_IN_REGIONS, REGIONS, ZONE_ID_PREFIX, ZONES, ServerError, StratusServer,
                     StratusTestCase)


class RegionsTest(StratusTestCase):

    def test_describe_regions_lists_every_region(self):
        regions = self.ec2.describe_regions()["Regions"]
        self.assertEqual(sorted(r["RegionName"] for r in regions), sorted(REGIONS))
        self.assertGreaterEqual(len(regions), 30)
        for r in regions:
            # Endpoint names this server, so a script can point a client at it.
            self.assertEqual(r["Endpoint"], self.server.endpoint, r)
            expected = "opted-in" if r["RegionName"] in OPT_IN_REGIONS else "opt-in-not-required"
            self.assertEqual(r["OptInStatus"], expected, r)

    def test_describe_regions_same_from_any_region(self):
        a = sorted(r["RegionName"] for r in self.ec2.describe_regions()["Regions"])
        for region in ("ap-northeast-2", "eu-west-1", "me-south-1"):
            b = sorted(r["RegionName"] for r in self.server.client(region).describe_regions()["Regions"])
            self.assertEqual(a, b, region)

    def test_describe_regions_by_name(self):
        regions = self.ec2.describe_regions(RegionNames=["ap-northeast-2", "eu-west-1"])["Regions"]
        self.assertEqual(sorted(r["RegionName"] for r in regions), ["ap-northeast-2", "eu-west-1"])

    def test_describe_regions_filters(self):
        regions = self.ec2.describe_regions(
            Filters=[{"Name": "region-name", "Values": ["us-*"]}])["Regions"]
        self.assertEqual(sorted(r["RegionName"] for r in regions), ["us-east-1", "us-east-2", "us-west-1", "us-west-2"])
        regions = self.ec2.describe_regions(
            Filters=[{"Name": "opt-in-status", "Values": ["opted-in"]}])["Regions"]
        self.assertEqual({r["RegionName"] for r in regions}, OPT_IN_REGIONS)
        regions = self.ec2.describe_regions(
            Filters=[{"Name": "endpoint", "Values": [self.server.endpoint]}])["Regions"]
        self.assertEqual(len(regions), len(REGIONS))
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_regions(Filters=[{"Name": "galaxy", "Values": ["x"]}])

    def test_describe_regions_all_regions(self):
        regions = self.ec2.describe_regions(AllRegions=True)["Regions"]
        self.assertEqual(sorted(r["RegionName"] for r in regions), sorted(REGIONS))

    def test_describe_regions_unknown_name(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_regions(RegionNames=["mars-north-1"])

    def test_describe_regions_via_cli(self):
        out = self.server.aws("ec2", "describe-regions")
        self.assertEqual(sorted(r["RegionName"] for r in out["Regions"]), sorted(REGIONS))

    def test_unknown_region_is_refused(self):
        with self.assertEc2Error("AuthFailure", status=401):
            self.server.client("mars-north-1").describe_vpcs()


class EnabledRegionsTest(unittest.TestCase):
    """`stratus serve --regions` enables some regions; the others answer as AWS does for a
    region the account has not opted in to."""

    @classmethod
    def setUpClass(cls):
        cls.server = StratusServer(extra_args=["--regions", "eu-west-1,af-south-1"])
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()

    def test_enabled_regions_answer(self):
        for region in ("eu-west-1", "af-south-1"):
            vpcs = self.server.client(region).describe_vpcs()["Vpcs"]
            self.assertEqual([v["IsDefault"] for v in vpcs], [True], region)

    def test_disabled_region_answers_auth_failure(self):
        for region in ("us-east-1", "ap-east-1"):
            with self.assertRaises(ClientError) as raised:
                self.server.client(region).describe_vpcs()
            error = raised.exception.response
            self.assertEqual(error["Error"]["Code"], "AuthFailure", region)
            self.assertEqual(error["Error"]["Message"], "AWS was not able to validate the provided access credentials")
            self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 401)

    def test_describe_regions_shows_enabled_unless_all(self):
        ec2 = self.server.client("eu-west-1")
        regions = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
        self.assertEqual(regions, {"eu-west-1": "opt-in-not-required", "af-south-1": "opted-in"})
        everything = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
        self.assertEqual(sorted(everything), sorted(REGIONS))
        self.assertEqual(everything["us-east-1"], "not-opted-in")
        self.assertEqual(everything["ap-east-1"], "not-opted-in")
        named = ec2.describe_regions(RegionNames=["us-west-2"])["Regions"]
        self.assertEqual([(r["RegionName"], r["OptInStatus"]) for r in named], [("us-west-2", "not-opted-in")])

    def test_profile_region_is_an_enabled_one(self):
        with open(os.path.join(self.server.data_dir, "aws", "config")) as f:
            self.assertIn("region = af-south-1", f.read())

    def test_unknown_region_in_flag_fails_start(self):
        bad = StratusServer(extra_args=["--regions", "eu-west-1,mars-north-1"])
        try:
            with self.assertRaises(ServerError):
                bad.start(timeout=5)
            self.assertIn("mars-north-1", bad.log_tail())
        finally:
            bad.cleanup()


class ZonesTest(StratusTestCase):

    def check_zones(self, client, region):
        zones = client.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual(sorted(z["ZoneName"] for z in zones), ZONES[region])
        ids = [z["ZoneId"] for z in zones]
        # AWS maps names to ids per account; ids look like use1-az<N>.
        self.assertEqual(len(set(ids)), len(ZONES[region]), ids)
        for zid in ids:
            self.assertRegex(zid, r"^%s\d+$" % ZONE_ID_PREFIX[region])
        for z in zones:
            self.assertEqual(z["State"], "available", z)
            self.assertEqual(z["RegionName"], region, z)
            self.assertEqual(z.get("ZoneType"), "availability-zone", z)
            self.assertEqual(z.get("OptInStatus"), "opt-in-not-required", z)
            self.assertEqual(z.get("NetworkBorderGroup"), region, z)
        return zones

    def test_zones_of_regions(self):
        for region in ZONES:
            with self.subTest(region=region):
                self.check_zones(self.server.client(region), region)

    def test_every_region_has_zones(self):
        for region in REGIONS:
            zones = self.server.client(region).describe_availability_zones()["AvailabilityZones"]
            self.assertGreaterEqual(len(zones), 2, region)
            self.assertTrue(all(z["ZoneName"].startswith(region) for z in zones), zones)

    def test_all_availability_zones(self):
        zones = self.ec2.describe_availability_zones(AllAvailabilityZones=True)["AvailabilityZones"]
        self.assertEqual(sorted(z["ZoneName"] for z in zones), ZONES["us-east-1"])

    def test_zone_name_to_id_mapping_stable(self):
        a = {z["ZoneName"]: z["ZoneId"] for z in
             self.ec2.describe_availability_zones()["AvailabilityZones"]}
        b = {z["ZoneName"]: z["ZoneId"] for z in
             self.ec2.describe_availability_zones()["AvailabilityZones"]}
        self.assertEqual(a, b)
        self.assertEqual(len(set(a.values())), len(ZONES["us-east-1"]))

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
        self.assertEqual(len(zones), len(ZONES["us-east-1"]))
        zones = self.ec2.describe_availability_zones(
            Filters=[{"Name": "region-name", "Values": ["us-east-1"]}])["AvailabilityZones"]
        self.assertEqual(len(zones), len(ZONES["us-east-1"]))
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
        # AWS's default quotas (`stratus serve --limit` changes them: test_account_limits).
        self.assertEqual({name: a[name] for name in ("max-instances", "vpc-max-security-groups-per-interface",
                                                     "max-elastic-ips", "vpc-max-elastic-ips")},
                         {"max-instances": ["20"], "vpc-max-security-groups-per-interface": ["5"],
                          "max-elastic-ips": ["5"], "vpc-max-elastic-ips": ["5"]})

    def test_attribute_names_restricts_output(self):
        a = self.attrs(self.ec2, AttributeNames=["max-instances"])
        self.assertEqual(list(a), ["max-instances"])

    def test_unknown_attribute_name_is_refused(self):
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_account_attributes(AttributeNames=["max-vpcs"])


if __name__ == "__main__":
    unittest.main()
