"""Managed prefix lists: the region's AWS-managed S3 list (read-only) and the account's own lists
with versions, as security group rule peers and route destinations, with AWS's errors and no
state change on failure. Real packets are checked with VMs in test_network_enforcement."""

import unittest

from harness import StratusTestCase, uniq

MISSING_LIST = "pl-0123456789abcdef0"


class PrefixListTest(StratusTestCase):

    def create(self, entries=(), max_entries=5, client=None, **kw):
        """A new IPv4 list of `entries` (CIDRs), deleted after the test unless the test did."""
        ec2 = client or self.ec2
        name = kw.pop("PrefixListName", uniq("pl"))
        listed = ec2.create_managed_prefix_list(
            PrefixListName=name, AddressFamily=kw.pop("AddressFamily", "IPv4"), MaxEntries=max_entries,
            Entries=[{"Cidr": c, "Description": "entry " + c} for c in entries], **kw)["PrefixList"]
        pl = listed["PrefixListId"]

        def cleanup():
            if ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-id", "Values": [pl]}])["PrefixLists"]:
                ec2.delete_managed_prefix_list(PrefixListId=pl)
        self.addCleanup(cleanup)
        return listed

    def entries(self, pl, **kw):
        return [e["Cidr"] for e in self.ec2.get_managed_prefix_list_entries(PrefixListId=pl, **kw)["Entries"]]

    def test_aws_managed_s3_list_per_region(self):
        lists = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "owner-id", "Values": ["AWS"]}])["PrefixLists"]
        s3 = [p for p in lists if p["PrefixListName"] == "com.amazonaws.us-east-1.s3"]
        self.assertEqual(len(s3), 1, lists)
        self.assertRegex(s3[0]["PrefixListId"], r"^pl-[0-9a-f]{8}$")
        self.assertEqual(s3[0]["AddressFamily"], "IPv4")
        self.assertEqual(self.entries(s3[0]["PrefixListId"]), ["169.254.171.0/24"])
        old_api = self.ec2.describe_prefix_lists()["PrefixLists"]
        self.assertEqual(old_api, [{"PrefixListId": s3[0]["PrefixListId"], "PrefixListName": s3[0]["PrefixListName"],
                                    "Cidrs": ["169.254.171.0/24"]}])
        # Another region has its own list, and does not know this one.
        other = self.server.client("eu-west-1")
        theirs = other.describe_prefix_lists()["PrefixLists"]
        self.assertEqual([p["PrefixListName"] for p in theirs], ["com.amazonaws.eu-west-1.s3"])
        self.assertNotEqual(theirs[0]["PrefixListId"], s3[0]["PrefixListId"])
        with self.assertEc2Error("InvalidPrefixListID.NotFound"):
            other.describe_managed_prefix_lists(PrefixListIds=[s3[0]["PrefixListId"]])
        # Read-only.
        for call, kw in ((self.ec2.modify_managed_prefix_list, {"PrefixListName": "mine"}),
                         (self.ec2.delete_managed_prefix_list, {})):
            with self.assertEc2Error("OperationNotPermitted"):
                call(PrefixListId=s3[0]["PrefixListId"], **kw)

    def test_versions_modify_restore(self):
        tag = uniq("tag")
        listed = self.create(["10.1.0.0/16", "10.2.0.5/16"], TagSpecifications=[
            {"ResourceType": "prefix-list", "Tags": [{"Key": "Name", "Value": tag}]}])
        pl = listed["PrefixListId"]
        self.assertIdShape("pl", pl)
        self.assertEqual((listed["Version"], listed["State"], listed["MaxEntries"]), (1, "create-complete", 5))
        self.assertEqual(listed["PrefixListArn"], "arn:aws:ec2:us-east-1:%s:prefix-list/%s" % (listed["OwnerId"], pl))
        self.assertEqual(self.entries(pl), ["10.1.0.0/16", "10.2.0.0/16"])  # host bits cleared
        found = self.ec2.describe_managed_prefix_lists(Filters=[{"Name": "tag:Name", "Values": [tag]}])["PrefixLists"]
        self.assertEqual([p["PrefixListId"] for p in found], [pl])

        changed = self.ec2.modify_managed_prefix_list(
            PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.3.0.0/16"}],
            RemoveEntries=[{"Cidr": "10.1.0.0/16"}])["PrefixList"]
        self.assertEqual((changed["Version"], changed["State"]), (2, "modify-complete"))
        self.assertEqual(self.entries(pl), ["10.2.0.0/16", "10.3.0.0/16"])
        self.assertEqual(self.entries(pl, TargetVersion=1), ["10.1.0.0/16", "10.2.0.0/16"])
        renamed = self.ec2.modify_managed_prefix_list(PrefixListId=pl, PrefixListName="renamed")["PrefixList"]
        self.assertEqual((renamed["PrefixListName"], renamed["Version"]), ("renamed", 2))  # a name is no version

        with self.assertEc2Error("PrefixListVersionMismatch"):
            self.ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.9.0.0/16"}])
        restored = self.ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=1,
                                                                CurrentVersion=2)["PrefixList"]
        self.assertEqual((restored["Version"], restored["State"]), (3, "restore-complete"))
        self.assertEqual(self.entries(pl), ["10.1.0.0/16", "10.2.0.0/16"])
        page = self.ec2.get_managed_prefix_list_entries(PrefixListId=pl, MaxResults=1)
        self.assertEqual(len(page["Entries"]), 1)
        rest = self.ec2.get_managed_prefix_list_entries(PrefixListId=pl, NextToken=page["NextToken"])
        self.assertEqual([e["Cidr"] for e in page["Entries"] + rest["Entries"]], ["10.1.0.0/16", "10.2.0.0/16"])

    def test_bad_requests_change_nothing(self):
        pl = self.create(["10.1.0.0/16"], max_entries=2)["PrefixListId"]
        before = self.ec2.describe_managed_prefix_lists()["PrefixLists"]
        bad_creates = [
            ({"AddressFamily": "IPv5"}, "InvalidParameterValue"),
            ({"PrefixListName": "com.amazonaws.mine"}, "InvalidParameterValue"),
            ({"MaxEntries": 0}, "InvalidParameterValue"),
            ({"MaxEntries": 1001}, "InvalidParameterValue"),
            ({"MaxEntries": 1, "Entries": [{"Cidr": "10.0.0.0/8"}, {"Cidr": "11.0.0.0/8"}]}, "InvalidParameterValue"),
            ({"Entries": [{"Cidr": "10.0.0.0/33"}]}, "InvalidParameterValue"),
            ({"Entries": [{"Cidr": "10.0.0.0/8"}, {"Cidr": "10.0.0.0/8"}]}, "InvalidParameterValue"),
        ]
        for kw, code in bad_creates:
            request = dict({"PrefixListName": uniq("bad"), "AddressFamily": "IPv4", "MaxEntries": 5}, **kw)
            with self.subTest(request=request), self.assertEc2Error(code):
                self.ec2.create_managed_prefix_list(**request)
        bad_modifies = [
            ({"RemoveEntries": [{"Cidr": "10.7.0.0/16"}]}, "InvalidPrefixListModification"),
            ({"AddEntries": [{"Cidr": "10.1.0.0/16"}]}, "InvalidPrefixListModification"),
            ({"AddEntries": [{"Cidr": "10.2.0.0/16"}, {"Cidr": "10.3.0.0/16"}]}, "InvalidPrefixListModification"),
            ({"AddEntries": [{"Cidr": "10.2.0.0/16"}], "MaxEntries": 4}, "InvalidParameterCombination"),
            ({"CurrentVersion": 7, "PrefixListName": "x"}, "PrefixListVersionMismatch"),
        ]
        for kw, code in bad_modifies:
            with self.subTest(modify=kw), self.assertEc2Error(code):
                self.ec2.modify_managed_prefix_list(PrefixListId=pl, **kw)
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=9, CurrentVersion=1)
        for call in (self.ec2.describe_managed_prefix_lists, self.ec2.describe_prefix_lists):
            with self.assertEc2Error(["InvalidPrefixListID.NotFound", "InvalidPrefixListId.NotFound"]):
                call(PrefixListIds=[MISSING_LIST])
        with self.assertEc2Error("InvalidPrefixListID.NotFound"):
            self.ec2.delete_managed_prefix_list(PrefixListId=MISSING_LIST)
        self.assertEqual(self.ec2.describe_managed_prefix_lists()["PrefixLists"], before)

    def test_security_group_peer_and_route_destination(self):
        vpc = self.make_vpc("10.62.0.0/16")
        pl = self.create(["192.0.2.0/24", "198.51.100.0/24"], max_entries=3)["PrefixListId"]
        s3 = self.ec2.describe_prefix_lists()["PrefixLists"][0]["PrefixListId"]
        group = self.ec2.create_security_group(GroupName=uniq("web"), Description="pl", VpcId=vpc)["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=group)
        rules = self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "PrefixListIds": [{"PrefixListId": pl, "Description": "partners"}]}])["SecurityGroupRules"]
        self.assertEqual(rules[0]["PrefixListId"], pl)
        self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": s3}]}])
        described = self.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
        self.assertEqual(described["IpPermissions"][0]["PrefixListIds"], [{"PrefixListId": pl,
                                                                           "Description": "partners"}])
        by_filter = self.ec2.describe_security_groups(Filters=[
            {"Name": "ip-permission.prefix-list-id", "Values": [pl]}])["SecurityGroups"]
        self.assertEqual([g["GroupId"] for g in by_filter], [group])
        with self.assertEc2Error("InvalidPrefixListID.NotFound"):
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "PrefixListIds": [{"PrefixListId": MISSING_LIST}]}])

        table = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        self.addCleanup(self.ec2.delete_route_table, RouteTableId=table)
        eni = self.ec2.create_network_interface(SubnetId=self.ec2.create_subnet(
            VpcId=vpc, CidrBlock="10.62.1.0/24")["Subnet"]["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
        self.ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl, NetworkInterfaceId=eni)
        with self.assertEc2Error("RouteAlreadyExists"):
            self.ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl, NetworkInterfaceId=eni)
        with self.assertEc2Error("InvalidParameterValue"):  # AWS-managed lists only through a gateway endpoint
            self.ec2.create_route(RouteTableId=table, DestinationPrefixListId=s3, NetworkInterfaceId=eni)
        routes = self.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        self.assertIn(pl, [r.get("DestinationPrefixListId") for r in routes])
        by_route = self.ec2.describe_route_tables(Filters=[
            {"Name": "route.destination-prefix-list-id", "Values": [pl]}])["RouteTables"]
        self.assertEqual([t["RouteTableId"] for t in by_route], [table])

        associations = self.ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"]
        self.assertEqual(sorted(a["ResourceId"] for a in associations), sorted([group, table]))
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_managed_prefix_list(PrefixListId=pl)
        self.ec2.delete_route(RouteTableId=table, DestinationPrefixListId=pl)
        self.ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[rules[0]["SecurityGroupRuleId"]])
        self.assertEqual(self.ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"], [])
        self.ec2.delete_network_interface(NetworkInterfaceId=eni)

    def test_references_weigh_max_entries_in_quotas(self):
        """A reference counts as the list's MaxEntries toward the quota of 60 rules a direction,
        and a list cannot grow beyond what the groups naming it can hold."""
        pl = self.create(["192.0.2.0/24"], max_entries=59)["PrefixListId"]
        group = self.ec2.create_security_group(GroupName=uniq("weights"), Description="w")["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=group)
        by_list = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "PrefixListIds": [{"PrefixListId": pl}]}
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[by_list])
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 81, "ToPort": 81, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        with self.assertEc2Error("RulesPerSecurityGroupLimitExceeded"):  # 59 + 2 > 60
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 82, "ToPort": 82, "IpRanges": [{"CidrIp": "11.0.0.0/8"}]}])
        with self.assertEc2Error("RulesPerSecurityGroupLimitExceeded"):  # 60 + 1 > 60
            self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=60)
        listed = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
        self.assertEqual((listed["MaxEntries"], listed["State"]), (59, "create-complete"))
        self.ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[by_list])
        self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=60)

    def test_aws_cli(self):
        out = self.server.aws("ec2", "create-managed-prefix-list", "--prefix-list-name", uniq("cli"),
                              "--address-family", "IPv4", "--max-entries", "2",
                              "--entries", "Cidr=203.0.113.0/24,Description=docs", region="us-west-2")
        pl = out["PrefixList"]["PrefixListId"]
        entries = self.server.aws("ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl,
                                  region="us-west-2")["Entries"]
        self.assertEqual(entries, [{"Cidr": "203.0.113.0/24", "Description": "docs"}])
        self.server.aws("ec2", "delete-managed-prefix-list", "--prefix-list-id", pl, region="us-west-2")
        gone = self.server.aws_proc("ec2", "describe-managed-prefix-lists", "--prefix-list-ids", pl,
                                    region="us-west-2")
        self.assertIn("InvalidPrefixListID.NotFound", gone.stderr)


if __name__ == "__main__":
    unittest.main()
