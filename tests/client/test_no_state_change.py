"""A failed call changes no state: whatever the error, the world afterwards
looks exactly as it did before."""

import unittest

from harness import MISSING, SECRET_ACCESS_KEY, StratusTestCase, skewed_clock, uniq


class NoStateChangeTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.ec2
        cls.vpc = c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        cls.subnet = c.create_subnet(VpcId=cls.vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]

    def world(self):
        """A summary of all state in both regions."""
        out = {}
        for region, c in (("us-east-1", self.ec2), ("ap-northeast-2", self.ec2_apne2)):
            out[region] = {
                "vpcs": sorted(v["VpcId"] for v in c.describe_vpcs()["Vpcs"]),
                "subnets": sorted((s["SubnetId"], s["CidrBlock"]) for s in c.describe_subnets()["Subnets"]),
                "sgs": sorted((g["GroupId"], g["GroupName"]) for g in c.describe_security_groups()["SecurityGroups"]),
                "rules": sorted((r["SecurityGroupRuleId"], r["GroupId"]) for r in
                                c.describe_security_group_rules()["SecurityGroupRules"]),
                "igws": sorted((g["InternetGatewayId"], tuple(sorted(a["VpcId"] for a in g.get("Attachments", []))))
                               for g in c.describe_internet_gateways()["InternetGateways"]),
                "rts": sorted((r["RouteTableId"],
                               tuple(sorted((x.get("DestinationCidrBlock"), x.get("GatewayId")) for x in r["Routes"])),
                               tuple(sorted(a["RouteTableAssociationId"] for a in r["Associations"])))
                              for r in c.describe_route_tables()["RouteTables"]),
                "keys": sorted((k["KeyPairId"], k["KeyName"], k["KeyFingerprint"])
                               for k in c.describe_key_pairs()["KeyPairs"]),
                "tags": sorted((t["ResourceId"], t["Key"], t["Value"]) for t in c.describe_tags()["Tags"]),
            }
        return out

    def assertUnchanged(self, fn, codes):
        before = self.world()
        with self.assertEc2Error(codes):
            fn()
        self.assertEqual(self.world(), before)

    def test_overlapping_subnet(self):
        n = len(self.ec2.describe_subnets()["Subnets"])
        self.assertUnchanged(lambda: self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.8.1.0/25"),
                             "InvalidSubnet.Conflict")
        self.assertEqual(len(self.ec2.describe_subnets()["Subnets"]), n)

    def test_subnet_out_of_range(self):
        self.assertUnchanged(lambda: self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.9.0.0/24"),
                             "InvalidSubnet.Range")

    def test_subnet_bad_zone(self):
        self.assertUnchanged(lambda: self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.8.2.0/24",
                                                            AvailabilityZone="us-east-1q"),
                             "InvalidParameterValue")

    def test_bad_vpc_cidr(self):
        self.assertUnchanged(lambda: self.ec2.create_vpc(CidrBlock="10.0.0.0/40"), "InvalidParameterValue")

    def test_delete_vpc_with_dependency(self):
        self.assertUnchanged(lambda: self.ec2.delete_vpc(VpcId=self.vpc), "DependencyViolation")

    def test_duplicate_security_group(self):
        name = uniq("dup")
        self.ec2.create_security_group(GroupName=name, Description="d", VpcId=self.vpc)
        self.assertUnchanged(lambda: self.ec2.create_security_group(GroupName=name, Description="other",
                                                                    VpcId=self.vpc),
                             "InvalidGroup.Duplicate")

    def test_authorize_with_one_duplicate_adds_nothing(self):
        gid = self.ec2.create_security_group(GroupName=uniq("atomic"), Description="d", VpcId=self.vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        self.assertUnchanged(lambda: self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]),
            "InvalidPermission.Duplicate")

    def test_authorize_with_one_bad_cidr_adds_nothing(self):
        gid = self.ec2.create_security_group(GroupName=uniq("atomic2"), Description="d", VpcId=self.vpc)["GroupId"]
        self.assertUnchanged(lambda: self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "tcp", "FromPort": 81, "ToPort": 81, "IpRanges": [{"CidrIp": "10.0.0.0/99"}]}]),
            "InvalidParameterValue")

    def test_duplicate_key_pair_keeps_original(self):
        name = uniq("dupkey")
        self.ec2.create_key_pair(KeyName=name)
        self.assertUnchanged(lambda: self.ec2.create_key_pair(KeyName=name), "InvalidKeyPair.Duplicate")

    def test_bad_import_key(self):
        self.assertUnchanged(lambda: self.ec2.import_key_pair(KeyName=uniq("bad"), PublicKeyMaterial=b"nonsense"),
                             ("InvalidKey.Format", "InvalidKeyPair.Format"))

    def test_attach_igw_to_missing_vpc(self):
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.assertUnchanged(lambda: self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=MISSING["vpc"]),
                             "InvalidVpcID.NotFound")

    def test_duplicate_route(self):
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        vpc2 = self.make_vpc("10.90.0.0/16")
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc2)
        rt = self.ec2.create_route_table(VpcId=vpc2)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        self.assertUnchanged(lambda: self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
                                                           GatewayId=igw),
                             "RouteAlreadyExists")

    def test_reserved_tag_key(self):
        self.assertUnchanged(lambda: self.ec2.create_tags(Resources=[self.vpc],
                                                          Tags=[{"Key": "aws:x", "Value": "y"}]),
                             "InvalidParameterValue")

    def test_tag_missing_resource(self):
        self.assertUnchanged(lambda: self.ec2.create_tags(Resources=[MISSING["subnet"]],
                                                          Tags=[{"Key": "a", "Value": "b"}]),
                             "InvalidSubnetID.NotFound")

    def test_dry_run_mutations(self):
        self.assertUnchanged(lambda: self.ec2.create_vpc(CidrBlock="10.91.0.0/16", DryRun=True), "DryRunOperation")
        self.assertUnchanged(lambda: self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.8.9.0/24", DryRun=True),
                             "DryRunOperation")
        self.assertUnchanged(lambda: self.ec2.delete_subnet(SubnetId=self.subnet, DryRun=True), "DryRunOperation")
        self.assertUnchanged(lambda: self.ec2.create_tags(Resources=[self.vpc], Tags=[{"Key": "a", "Value": "b"}],
                                                          DryRun=True), "DryRunOperation")
        self.assertUnchanged(lambda: self.ec2.create_internet_gateway(DryRun=True), "DryRunOperation")

    def test_auth_failure_mutation(self):
        bad = self.server.client(secret_key=SECRET_ACCESS_KEY + "x")
        self.assertUnchanged(lambda: bad.create_vpc(CidrBlock="10.92.0.0/16"), "AuthFailure")
        self.assertUnchanged(lambda: bad.delete_subnet(SubnetId=self.subnet), "AuthFailure")

    def test_expired_request_mutation(self):
        def go():
            with skewed_clock(-25):
                self.ec2.delete_subnet(SubnetId=self.subnet)
        self.assertUnchanged(go, "RequestExpired")

    def test_run_instances_with_unknown_image(self):
        self.assertUnchanged(lambda: self.ec2.run_instances(
            ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
            SubnetId=self.subnet), "InvalidAMIID.NotFound")

    def test_missing_parameter(self):
        loose = self.server.client(validate=False)
        self.assertUnchanged(lambda: loose.create_subnet(CidrBlock="10.8.3.0/24"), "MissingParameter")


if __name__ == "__main__":
    unittest.main()
