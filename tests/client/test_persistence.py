"""Persistence: state survives a graceful restart and a kill -9 right after a
mutating call returned."""

import os
import unittest

from harness import (ACCESS_KEY_ID, ACCOUNT_ID, SECRET_ACCESS_KEY,
                     StratusTestCase, tags_of, uniq)


def snapshot(c, vpc_id):
    """Everything observable about a VPC and what hangs off it."""
    f = [{"Name": "vpc-id", "Values": [vpc_id]}]
    vpc = c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    subnets = sorted(c.describe_subnets(Filters=f)["Subnets"], key=lambda s: s["SubnetId"])
    sgs = sorted(c.describe_security_groups(Filters=f)["SecurityGroups"], key=lambda g: g["GroupId"])
    rules = sorted(c.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [g["GroupId"] for g in sgs]}])["SecurityGroupRules"],
        key=lambda r: r["SecurityGroupRuleId"])
    rts = sorted(c.describe_route_tables(Filters=f)["RouteTables"], key=lambda r: r["RouteTableId"])
    igws = c.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]

    def norm_tags(x):
        x = dict(x)
        if "Tags" in x:
            x["Tags"] = sorted(x["Tags"], key=lambda t: t["Key"])
        return x

    def norm_rt(rt):
        rt = norm_tags(rt)
        rt["Routes"] = sorted(rt["Routes"], key=lambda r: r.get("DestinationCidrBlock", ""))
        rt["Associations"] = sorted(rt["Associations"], key=lambda a: a["RouteTableAssociationId"])
        return rt

    return {
        "vpc": norm_tags(vpc),
        "subnets": [norm_tags(s) for s in subnets],
        "sgs": [norm_tags(g) for g in sgs],
        "rules": rules,
        "rts": [norm_rt(r) for r in rts],
        "igws": [norm_tags(g) for g in igws],
    }


class PersistenceTest(StratusTestCase):

    def reconnect(self):
        """Fresh clients after a restart (the port is kept when possible)."""
        type(self).ec2 = self.server.client("us-east-1")
        type(self).ec2_apne2 = self.server.client("ap-northeast-2")

    def restart(self, kill=False):
        self.server.restart(kill=kill)
        self.reconnect()

    def build_world(self, cidr):
        c = self.ec2
        name = uniq("persist")
        vpc = c.create_vpc(CidrBlock=cidr, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"]
        base = cidr.split("/")[0].rsplit(".", 2)[0]
        sn = c.create_subnet(VpcId=vpc, CidrBlock="%s.1.0/24" % base, AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
        sg = c.create_security_group(GroupName=name, Description="persisted", VpcId=vpc)["GroupId"]
        c.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}],
             "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
        igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        rt = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        c.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        c.associate_route_table(RouteTableId=rt, SubnetId=sn)
        c.create_tags(Resources=[sn, sg, rt], Tags=[{"Key": "world", "Value": name}])
        return vpc, name

    def key_state(self, name):
        k = self.ec2.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)["KeyPairs"][0]
        return (k["KeyPairId"], k["KeyFingerprint"], k["PublicKey"].split()[:2], k["KeyType"], tags_of(k))

    # ------------------------------------------------------------- restart
    def test_graceful_restart_keeps_everything(self):
        vpc, name = self.build_world("10.10.0.0/16")
        self.ec2.create_key_pair(KeyName=name, KeyType="ed25519", TagSpecifications=[
            {"ResourceType": "key-pair", "Tags": [{"Key": "k", "Value": "v"}]}])
        self.ec2.create_key_pair(KeyName=name + "-rsa")
        apne2_sg = self.ec2_apne2.create_security_group(GroupName=name, Description="apne2")["GroupId"]
        default_us = self.default_vpc()["VpcId"]
        default_ap = self.default_vpc(self.ec2_apne2)["VpcId"]
        default_subnets = sorted(s["SubnetId"] for s in self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"])
        before = snapshot(self.ec2, vpc)
        keys_before = (self.key_state(name), self.key_state(name + "-rsa"))

        self.restart()

        self.assertEqual(snapshot(self.ec2, vpc), before)
        self.assertEqual((self.key_state(name), self.key_state(name + "-rsa")), keys_before)
        self.assertEqual(self.ec2_apne2.describe_security_groups(GroupIds=[apne2_sg])["SecurityGroups"][0]["GroupName"], name)
        self.assertEqual(self.default_vpc()["VpcId"], default_us)
        self.assertEqual(self.default_vpc(self.ec2_apne2)["VpcId"], default_ap)
        self.assertEqual(sorted(s["SubnetId"] for s in self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]), default_subnets)
        # Exactly one default VPC still (defaults are not re-created).
        self.assertEqual(len(self.ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]), 1)
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [vpc])

    def test_kill9_right_after_create(self):
        name = uniq("k9")
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.restart(kill=True)
        self.assertEqual(self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"], "10.20.0.0/16")

        sn = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        self.restart(kill=True)
        self.assertEqual(self.ec2.describe_subnets(SubnetIds=[sn])["Subnets"][0]["VpcId"], vpc)

        kp = self.ec2.create_key_pair(KeyName=name)
        self.restart(kill=True)
        k = self.ec2.describe_key_pairs(KeyNames=[name])["KeyPairs"][0]
        self.assertEqual((k["KeyPairId"], k["KeyFingerprint"]), (kp["KeyPairId"], kp["KeyFingerprint"]))

        sg = self.ec2.create_security_group(GroupName=name, Description="d", VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.restart(kill=True)
        perms = self.ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
        self.assertEqual([(p["IpProtocol"], p["FromPort"]) for p in perms], [("tcp", 443)])

        self.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "after", "Value": "kill"}])
        self.restart(kill=True)
        self.assertEqual(tags_of(self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]).get("after"), "kill")

    def test_kill9_right_after_delete(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        sn = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
        name = uniq("k9del")
        self.ec2.create_key_pair(KeyName=name)
        self.restart(kill=True)

        self.ec2.delete_subnet(SubnetId=sn)
        self.ec2.delete_key_pair(KeyName=name)
        self.restart(kill=True)
        with self.assertEc2Error("InvalidSubnetID.NotFound"):
            self.ec2.describe_subnets(SubnetIds=[sn])
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2.describe_key_pairs(KeyNames=[name])

        self.ec2.delete_vpc(VpcId=vpc)
        self.restart(kill=True)
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.describe_vpcs(VpcIds=[vpc])

    def test_ids_not_reused_after_restart(self):
        a = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.restart(kill=True)
        b = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.assertNotEqual(a, b)
        got = self.ec2.describe_internet_gateways(InternetGatewayIds=[a, b])["InternetGateways"]
        self.assertEqual(len(got), 2)

    def test_credentials_and_account_survive_restart(self):
        cred_path = os.path.join(self.server.data_dir, "aws", "credentials")
        with open(cred_path) as f:
            creds_before = f.read()
        self.restart()
        with open(cred_path) as f:
            self.assertEqual(f.read(), creds_before)
        self.assertEqual(self.default_vpc()["OwnerId"], ACCOUNT_ID)
        out = self.server.aws("ec2", "describe-vpcs")
        self.assertTrue(out["Vpcs"])

    def test_pinned_keys_only_apply_at_first_start(self):
        """A later start with different env keys keeps the data dir's identity."""
        self.server.stop()
        saved = dict(self.server.extra_env)
        self.server.extra_env.update({
            "STRATUS_ROOT_ACCESS_KEY_ID": "AKIAOTHERKEY00000000",
            "STRATUS_ROOT_SECRET_ACCESS_KEY": "other-secret-0000000000000000000000000000",
            "STRATUS_ACCOUNT_ID": "999999999999",
        })
        try:
            self.server.start(port=self.server.port)
            self.reconnect()
            c = self.server.client(access_key=ACCESS_KEY_ID, secret_key=SECRET_ACCESS_KEY)
            self.assertEqual(self.default_vpc(c)["OwnerId"], ACCOUNT_ID)
        finally:
            self.server.extra_env = saved
            self.server.restart()
            self.reconnect()

    def test_many_writes_then_kill9(self):
        names = [uniq("bulk") for _ in range(20)]
        for n in names:
            self.ec2.create_key_pair(KeyName=n, KeyType="ed25519")
        self.restart(kill=True)
        got = self.ec2.describe_key_pairs(KeyNames=names)["KeyPairs"]
        self.assertEqual(sorted(k["KeyName"] for k in got), sorted(names))


if __name__ == "__main__":
    unittest.main()
