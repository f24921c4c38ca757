"""Account quotas through boto3: `stratus serve --limit NAME=VALUE` sets them, DescribeAccountAttributes
reports them, and each create call succeeds up to its quota and then answers AWS's error code,
creating nothing. Each test works in a region of its own, so that the quotas it fills do not meet
the others'. The server's AMI is a stand-in: instances launch but never boot."""

import unittest

from harness import ServerError, StandInImageTestCase, StratusServer

LIMITS = {
    "max-instances": 2,
    "vpc-max-elastic-ips": 2,
    "vpc-max-security-groups-per-interface": 2,
    "vpcs-per-region": 2,
    "internet-gateways-per-region": 2,
    "security-groups-per-region": 3,
    "rules-per-security-group": 3,
    "subnets-per-vpc": 2,
    "route-tables-per-vpc": 2,
    "routes-per-route-table": 2,
    "network-acls-per-vpc": 2,
    "rules-per-network-acl": 3,
    "tags-per-resource": 3,
    "network-interfaces-per-region": 2,
    "key-pairs-per-region": 2,
    "snapshots-per-region": 2,
    "volume-storage-tib": 1,
    "volume-modifications-per-day": 2,
}


class AccountLimitsTest(StandInImageTestCase):

    # One flag comma-separated, the others repeated: both forms work.
    serve_args = ("--limit", "max-instances=2,vpc-max-elastic-ips=2") + tuple(
        arg for name, value in LIMITS.items() if name not in ("max-instances", "vpc-max-elastic-ips")
        for arg in ("--limit", "%s=%d" % (name, value)))

    def refused(self, code, message, create, count):
        """`create()` fails with `code` and `message` (None: any message), and `count()` is the
        same before and after."""
        before = count()
        with self.assertEc2Error(code, status=400) as raised:
            create()
        if message is not None:
            self.assertEqual(raised.exception.response["Error"]["Message"], message)
        self.assertEqual(count(), before)

    def new_vpc(self, ec2, cidr="10.0.0.0/16"):
        return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]

    def test_account_attributes_show_the_limits(self):
        ec2 = self.server.client("us-west-2")
        got = {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
               for a in ec2.describe_account_attributes()["AccountAttributes"]}
        default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        self.assertEqual(got, {"supported-platforms": ["VPC"], "default-vpc": [default_vpc], "max-instances": ["2"],
                               "vpc-max-security-groups-per-interface": ["2"], "max-elastic-ips": ["2"],
                               "vpc-max-elastic-ips": ["2"]})
        only = ec2.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])["AccountAttributes"]
        self.assertEqual([a["AttributeName"] for a in only], ["vpc-max-elastic-ips"])
        with self.assertEc2Error("InvalidParameterValue"):
            ec2.describe_account_attributes(AttributeNames=["default-vpc", "max-vpcs"])

    def available_volume(self, ec2, zone, **kwargs):
        volume_id = ec2.create_volume(AvailabilityZone=zone, **kwargs)["VolumeId"]
        self.wait_for(lambda: ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["State"] == "available", 60,
                      "volume %s to be available" % volume_id)
        return volume_id

    def modified(self, ec2, volume_id, size):
        ec2.modify_volume(VolumeId=volume_id, Size=size)
        self.wait_for(lambda: ec2.describe_volumes_modifications(VolumeIds=[volume_id])["VolumesModifications"][0][
            "ModificationState"] == "completed", 60, "volume %s to grow" % volume_id)

    def test_snapshots(self):
        ec2 = self.server.client("eu-west-1")
        count = lambda: len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"])
        volume_id = self.available_volume(ec2, "eu-west-1a", Size=1)
        first = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
        ec2.create_snapshot(VolumeId=volume_id)
        self.refused("SnapshotLimitExceeded", None, lambda: ec2.create_snapshot(VolumeId=volume_id), count)
        self.wait_for(lambda: ec2.describe_snapshots(SnapshotIds=[first])["Snapshots"][0]["State"] == "completed", 60,
                      "snapshot %s to complete" % first)
        self.refused("SnapshotLimitExceeded", None,
                     lambda: ec2.copy_snapshot(SourceRegion="eu-west-1", SourceSnapshotId=first), count)
        ec2.delete_snapshot(SnapshotId=first)
        ec2.create_snapshot(VolumeId=volume_id)  # room again

    def test_volume_storage_and_modifications(self):
        ec2 = self.server.client("us-east-2")
        count = lambda: len(ec2.describe_volumes()["Volumes"])
        big = self.available_volume(ec2, "us-east-2a", Size=1000, VolumeType="st1")
        self.refused("VolumeLimitExceeded", "You have exceeded your maximum st1 storage limit of 1 TiB in this region.",
                     lambda: ec2.create_volume(AvailabilityZone="us-east-2a", Size=125, VolumeType="st1"), count)
        with self.assertEc2Error("VolumeLimitExceeded"):
            ec2.modify_volume(VolumeId=big, Size=1025)
        small = self.available_volume(ec2, "us-east-2a", Size=1, VolumeType="gp3")  # each type has its own
        self.modified(ec2, small, 2)
        self.modified(ec2, small, 3)
        with self.assertEc2Error("VolumeModificationRateExceeded"):
            ec2.modify_volume(VolumeId=small, Size=4)
        self.assertEqual(ec2.describe_volumes(VolumeIds=[small])["Volumes"][0]["Size"], 3)

    def test_default_vpc_is_created_beyond_the_limits(self):
        # us-east-1 has six zones, so its default VPC has six subnets beside subnets-per-vpc=2.
        self.assertEqual(len(self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]), 6)

    def test_vpcs(self):
        ec2 = self.server.client("us-west-2")
        count = lambda: len(ec2.describe_vpcs()["Vpcs"])
        self.assertEqual(count(), 1)  # the default VPC counts
        self.new_vpc(ec2)
        self.refused("VpcLimitExceeded", "The maximum number of VPCs has been reached.",
                     lambda: ec2.create_vpc(CidrBlock="10.1.0.0/16"), count)

    def test_internet_gateways(self):
        ec2 = self.server.client("us-west-1")
        count = lambda: len(ec2.describe_internet_gateways()["InternetGateways"])
        ec2.create_internet_gateway()
        self.refused("InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached.",
                     ec2.create_internet_gateway, count)

    def test_elastic_ips(self):
        ec2 = self.server.client("eu-west-2")
        count = lambda: len(ec2.describe_addresses()["Addresses"])
        for _ in range(2):
            ec2.allocate_address(Domain="vpc")
        self.refused("AddressLimitExceeded", "The maximum number of addresses has been reached.",
                     lambda: ec2.allocate_address(Domain="vpc"), count)

    def test_key_pairs(self):
        ec2 = self.server.client("eu-west-3")
        count = lambda: len(ec2.describe_key_pairs()["KeyPairs"])
        ec2.create_key_pair(KeyName="one")
        ec2.create_key_pair(KeyName="two", KeyType="ed25519")
        self.refused("KeyPairLimitExceeded", None, lambda: ec2.create_key_pair(KeyName="three"), count)
        public = ec2.describe_key_pairs(KeyNames=["two"], IncludePublicKey=True)["KeyPairs"][0]["PublicKey"]
        self.refused("KeyPairLimitExceeded", None,
                     lambda: ec2.import_key_pair(KeyName="three", PublicKeyMaterial=public.encode()), count)

    def test_subnets(self):
        ec2 = self.server.client("eu-central-1")
        vpc = self.new_vpc(ec2)
        count = lambda: len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"])
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
        self.refused("SubnetLimitExceeded", None, lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24"),
                     count)

    def test_route_tables_and_routes(self):
        ec2 = self.server.client("ap-south-1")
        vpc = self.new_vpc(ec2)
        tables = lambda: len(ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"])
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]  # beside the main table
        self.refused("RouteTableLimitExceeded", None, lambda: ec2.create_route_table(VpcId=vpc), tables)
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        routes = lambda: ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        for cidr in ("0.0.0.0/1", "128.0.0.0/1"):  # the local route is not one of the two
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, GatewayId=igw)
        self.refused("RouteLimitExceeded", None, lambda: ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="192.0.2.0/24", GatewayId=igw), lambda: len(routes()))
        self.assertEqual(len(routes()), 3)

    def test_network_acls_and_entries(self):
        ec2 = self.server.client("ap-southeast-1")
        vpc = self.new_vpc(ec2)
        acls = lambda: len(ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"])
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]  # beside the default one
        self.refused("NetworkAclLimitExceeded", None, lambda: ec2.create_network_acl(VpcId=vpc), acls)
        entries = lambda: len(ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"])

        def entry(number, egress):
            return ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Protocol="-1",
                                                RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0")

        # Three a direction, the default deny rule among them.
        entry(100, False)
        entry(110, False)
        self.refused("NetworkAclEntryLimitExceeded", None, lambda: entry(120, False), entries)
        entry(100, True)
        entry(110, True)
        self.refused("NetworkAclEntryLimitExceeded", None, lambda: entry(120, True), entries)
        self.assertEqual(entries(), 6)

    def test_security_groups(self):
        ec2 = self.server.client("ap-southeast-2")
        count = lambda: len(ec2.describe_security_groups()["SecurityGroups"])
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        for name in ("a", "b"):  # beside the default VPC's default group
            ec2.create_security_group(GroupName=name, Description=name)
        self.refused("SecurityGroupLimitExceeded", "The maximum number of security groups for VPC '%s' has been "
                     "reached." % vpc, lambda: ec2.create_security_group(GroupName="c", Description="c"), count)

    def test_rules_per_security_group(self):
        ec2 = self.server.client("ca-central-1")
        group = ec2.create_security_group(GroupName="g", Description="g")["GroupId"]
        rules = lambda: len(ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"])

        def allow(authorize, *cidrs):
            ranges = {"IpRanges": [{"CidrIp": c} for c in cidrs if ":" not in c],
                      "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs if ":" in c]}
            return authorize(GroupId=group, IpPermissions=[dict(IpProtocol="tcp", FromPort=22, ToPort=22, **ranges)])

        # Three a direction and address family: egress already allows all IPv4.
        allow(ec2.authorize_security_group_egress, "10.0.0.0/8", "10.1.0.0/16")
        self.refused("RulesPerSecurityGroupLimitExceeded",
                     "The maximum number of rules per security group has been reached.",
                     lambda: allow(ec2.authorize_security_group_egress, "10.2.0.0/16"), rules)
        allow(ec2.authorize_security_group_egress, "2001:db8::/32")
        allow(ec2.authorize_security_group_ingress, "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16")
        # A call that would pass the quota adds none of its rules.
        self.refused("RulesPerSecurityGroupLimitExceeded", None,
                     lambda: allow(ec2.authorize_security_group_ingress, "2001:db8::/32", "10.3.0.0/16"), rules)
        self.assertEqual(rules(), 7)

    def test_tags(self):
        ec2 = self.server.client("sa-east-1")
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        tags = lambda: ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0].get("Tags", [])
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": k, "Value": "1"} for k in ("a", "b", "c")])
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "a", "Value": "2"}])  # a new value is no new tag
        self.refused("TagLimitExceeded", "The resultant tag set must not have more than 3 user tags.",
                     lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "d", "Value": "1"}]),
                     lambda: sorted((t["Key"], t["Value"]) for t in tags()))
        groups = lambda: len(ec2.describe_security_groups()["SecurityGroups"])
        self.refused("TagLimitExceeded", None, lambda: ec2.create_security_group(
            GroupName="g", Description="g", TagSpecifications=[{"ResourceType": "security-group", "Tags": [
                {"Key": k, "Value": "1"} for k in ("a", "b", "c", "d")]}]), groups)

    def test_security_groups_per_interface(self):
        ec2 = self.server.client("eu-north-1")
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        groups = [ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]] + [
            ec2.create_security_group(GroupName=n, Description=n)["GroupId"] for n in ("a", "b")]
        count = lambda: len(ec2.describe_network_interfaces()["NetworkInterfaces"])
        self.refused("SecurityGroupsPerInterfaceLimitExceeded",
                     "The maximum number of security groups per interface has been reached.",
                     lambda: ec2.create_network_interface(SubnetId=subnet, Groups=groups), count)
        eni = ec2.create_network_interface(SubnetId=subnet, Groups=groups[:2])["NetworkInterface"]
        attached = lambda: sorted(g["GroupId"] for g in ec2.describe_network_interfaces(
            NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]["Groups"])
        self.refused("SecurityGroupsPerInterfaceLimitExceeded", None, lambda: ec2.modify_network_interface_attribute(
            NetworkInterfaceId=eni["NetworkInterfaceId"], Groups=groups), attached)
        # An instance takes the same quota with the instance's code.
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instances = lambda: len(ec2.describe_instances()["Reservations"])
        self.refused("SecurityGroupsPerInstanceLimitExceeded", None, lambda: ec2.run_instances(
            ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SecurityGroupIds=groups), instances)

    def test_network_interfaces(self):
        ec2 = self.server.client("ap-northeast-1")
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        count = lambda: len(ec2.describe_network_interfaces()["NetworkInterfaces"])
        first = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        ec2.create_network_interface(SubnetId=subnet)
        self.refused("NetworkInterfaceLimitExceeded", None, lambda: ec2.create_network_interface(SubnetId=subnet),
                     count)
        ec2.delete_network_interface(NetworkInterfaceId=first)
        ec2.create_network_interface(SubnetId=subnet)

    def test_instances(self):
        count = lambda: sum(len(r["Instances"]) for r in self.ec2.describe_instances()["Reservations"])

        def launch(min_count, max_count):
            return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=min_count,
                                          MaxCount=max_count)["Instances"]

        # A launch gets what the quota leaves, down to MinCount.
        launched = launch(1, 3)
        self.assertEqual(len(launched), 2)
        self.refused("InstanceLimitExceeded", "Your quota allows for 0 more running instance(s). You requested at "
                     "least 1", lambda: launch(1, 1), count)
        self.ec2.terminate_instances(InstanceIds=[launched[0]["InstanceId"]])
        self.refused("InstanceLimitExceeded", "Your quota allows for 1 more running instance(s). You requested at "
                     "least 2", lambda: launch(2, 2), count)
        self.assertEqual(len(launch(1, 5)), 1)


class BadLimitTest(unittest.TestCase):
    """A bad --limit fails start-up, saying what is wrong."""

    def check_refused(self, assignment, said):
        server = StratusServer(extra_args=["--limit", assignment])
        try:
            with self.assertRaises(ServerError):
                server.start(timeout=5)
            self.assertIn(said, server.log_tail())
        finally:
            server.cleanup()

    def test_unknown_name(self):
        self.check_refused("vpcs=2", "--limit vpcs=2: unknown limit 'vpcs'")

    def test_bad_value(self):
        self.check_refused("vpcs-per-region=-1", "the value of vpcs-per-region must be a whole number")


if __name__ == "__main__":
    unittest.main()
