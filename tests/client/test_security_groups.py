"""Security groups and their rules."""

import unittest

from botocore.exceptions import ClientError

from harness import ACCOUNT_ID, MISSING, StratusTestCase, tags_of, uniq

ALL_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def norm_perms(perms):
    """Comparable view of IpPermissions: sorted tuples, descriptions dropped."""
    out = []
    for p in perms:
        out.append((
            p["IpProtocol"], p.get("FromPort"), p.get("ToPort"),
            tuple(sorted(r["CidrIp"] for r in p.get("IpRanges", []))),
            tuple(sorted(r["CidrIpv6"] for r in p.get("Ipv6Ranges", []))),
            tuple(sorted(g["GroupId"] for g in p.get("UserIdGroupPairs", []))),
        ))
    return sorted(out)


def tcp(port, cidrs=(), v6=(), groups=(), to_port=None):
    p = {"IpProtocol": "tcp", "FromPort": port, "ToPort": to_port if to_port is not None else port}
    if cidrs:
        p["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    if v6:
        p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
    if groups:
        p["UserIdGroupPairs"] = [{"GroupId": g} for g in groups]
    return p


class DefaultGroupTest(StratusTestCase):

    def check_default_group(self, client, vpc_id):
        sgs = client.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                     {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
        self.assertEqual(len(sgs), 1)
        sg = sgs[0]
        self.assertIdShape("sg", sg["GroupId"])
        self.assertEqual(sg["Description"], "default VPC security group")
        self.assertEqual(sg["OwnerId"], ACCOUNT_ID)
        self.assertEqual(sg["VpcId"], vpc_id)
        self.assertEqual(norm_perms(sg["IpPermissions"]),
                         [("-1", None, None, (), (), (sg["GroupId"],))])
        pair = sg["IpPermissions"][0]["UserIdGroupPairs"][0]
        self.assertEqual(pair["UserId"], ACCOUNT_ID)
        self.assertEqual(norm_perms(sg["IpPermissionsEgress"]), norm_perms(ALL_EGRESS))
        return sg

    def test_default_group_in_default_vpc(self):
        self.check_default_group(self.ec2, self.default_vpc()["VpcId"])

    def test_default_group_in_default_vpc_apne2(self):
        self.check_default_group(self.ec2_apne2, self.default_vpc(self.ec2_apne2)["VpcId"])

    def test_default_group_in_new_vpc(self):
        vpc_id = self.make_vpc("10.1.0.0/16")
        self.check_default_group(self.ec2, vpc_id)

    def test_describe_by_group_name_uses_default_vpc(self):
        sg = self.ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
        self.assertEqual(len(sg), 1)
        self.assertEqual(sg[0]["VpcId"], self.default_vpc()["VpcId"])

    def test_delete_default_group_refused(self):
        sg = self.check_default_group(self.ec2, self.default_vpc()["VpcId"])
        with self.assertEc2Error(("CannotDelete", "InvalidGroup.Reserved"), status=400):
            self.ec2.delete_security_group(GroupId=sg["GroupId"])
        self.assertEqual(len(self.ec2.describe_security_groups(GroupIds=[sg["GroupId"]])["SecurityGroups"]), 1)


class SecurityGroupTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vpc_id = cls.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]

    def sg(self, name=None, vpc_id=None, **kw):
        name = name or uniq("group")  # AWS rejects group names starting with "sg-"
        r = self.ec2.create_security_group(GroupName=name, Description="test group " + name,
                                           VpcId=vpc_id or self.vpc_id, **kw)
        self.addCleanup(self._delete_quietly, r["GroupId"])
        return r["GroupId"]

    def _delete_quietly(self, gid):
        try:
            g = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
            if g.get("IpPermissions"):
                self.ec2.revoke_security_group_ingress(
                    GroupId=gid, SecurityGroupRuleIds=self._rule_ids(gid, egress=False))
            self.ec2.delete_security_group(GroupId=gid)
        except Exception:
            pass

    def _rule_ids(self, gid, egress):
        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
        return [r["SecurityGroupRuleId"] for r in rules if r["IsEgress"] == egress]

    def get(self, gid):
        got = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
        self.assertEqual(len(got), 1)
        return got[0]

    # ------------------------------------------------------------- groups
    def test_create_group(self):
        name = uniq("web")
        r = self.ec2.create_security_group(GroupName=name, Description="web tier", VpcId=self.vpc_id)
        self.addCleanup(self._delete_quietly, r["GroupId"])
        self.assertIdShape("sg", r["GroupId"])
        g = self.get(r["GroupId"])
        self.assertEqual(g["GroupName"], name)
        self.assertEqual(g["Description"], "web tier")
        self.assertEqual(g["VpcId"], self.vpc_id)
        self.assertEqual(g["OwnerId"], ACCOUNT_ID)
        self.assertEqual(g["IpPermissions"], [])
        self.assertEqual(norm_perms(g["IpPermissionsEgress"]), norm_perms(ALL_EGRESS))

    def test_create_without_vpc_goes_to_default_vpc(self):
        name = uniq("novpc")
        r = self.ec2.create_security_group(GroupName=name, Description="d")
        self.addCleanup(self._delete_quietly, r["GroupId"])
        self.assertEqual(self.get(r["GroupId"])["VpcId"], self.default_vpc()["VpcId"])

    def test_duplicate_name_same_vpc(self):
        name = uniq("dup")
        self.sg(name)
        with self.assertEc2Error("InvalidGroup.Duplicate", status=400) as cm:
            self.ec2.create_security_group(GroupName=name, Description="d", VpcId=self.vpc_id)
        self.assertIn(name, cm.exception.response["Error"]["Message"])
        got = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
        self.assertEqual(len(got["SecurityGroups"]), 1)

    def test_same_name_in_other_vpc_allowed(self):
        name = uniq("shared")
        a = self.sg(name)
        b = self.sg(name, vpc_id=self.default_vpc()["VpcId"])
        self.assertNotEqual(a, b)

    def test_create_in_missing_vpc(self):
        with self.assertEc2Error("InvalidVpcID.NotFound", status=400):
            self.ec2.create_security_group(GroupName=uniq("x"), Description="d", VpcId=MISSING["vpc"])

    def test_describe_missing(self):
        with self.assertEc2Error("InvalidGroup.NotFound", status=400) as cm:
            self.ec2.describe_security_groups(GroupIds=[MISSING["sg"]])
        self.assertIn(MISSING["sg"], cm.exception.response["Error"]["Message"])
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.describe_security_groups(GroupNames=["no-such-group-name"])

    def test_delete_group(self):
        gid = self.ec2.create_security_group(GroupName=uniq("del"), Description="d",
                                             VpcId=self.vpc_id)["GroupId"]
        self.ec2.delete_security_group(GroupId=gid)
        with self.assertEc2Error("InvalidGroup.NotFound"):
            self.ec2.describe_security_groups(GroupIds=[gid])
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.delete_security_group(GroupId=gid)

    def test_delete_missing(self):
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.delete_security_group(GroupId=MISSING["sg"])

    def test_delete_referenced_group_is_dependency_violation(self):
        target = self.sg()
        referrer = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=referrer, IpPermissions=[tcp(5432, groups=[target])])
        with self.assertEc2Error("DependencyViolation", status=400):
            self.ec2.delete_security_group(GroupId=target)
        self.get(target)
        # Once the reference is gone the group can be deleted.
        self.ec2.revoke_security_group_ingress(GroupId=referrer, IpPermissions=[tcp(5432, groups=[target])])
        self.ec2.delete_security_group(GroupId=target)
        with self.assertEc2Error("InvalidGroup.NotFound"):
            self.ec2.describe_security_groups(GroupIds=[target])

    def test_filters_and_tags(self):
        name = uniq("filt")
        gid = self.sg(name, TagSpecifications=[{"ResourceType": "security-group",
                                                "Tags": [{"Key": "Name", "Value": name}]}])
        self.assertEqual(tags_of(self.get(gid)), {"Name": name})

        def ids(*filters):
            return sorted(g["GroupId"] for g in
                          self.ec2.describe_security_groups(Filters=list(filters))["SecurityGroups"])

        self.assertEqual(ids({"Name": "group-name", "Values": [name]}), [gid])
        self.assertEqual(ids({"Name": "group-id", "Values": [gid]}), [gid])
        self.assertEqual(ids({"Name": "tag:Name", "Values": [name]}), [gid])
        self.assertIn(gid, ids({"Name": "vpc-id", "Values": [self.vpc_id]}))
        self.assertIn(gid, ids({"Name": "owner-id", "Values": [ACCOUNT_ID]}))
        self.assertEqual(ids({"Name": "description", "Values": ["test group " + name]}), [gid])

    def test_ip_permission_filters(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(6379, ["10.66.0.0/16"])])
        vpcf = {"Name": "vpc-id", "Values": [self.vpc_id]}
        got = self.ec2.describe_security_groups(Filters=[
            vpcf, {"Name": "ip-permission.from-port", "Values": ["6379"]}])["SecurityGroups"]
        self.assertEqual([g["GroupId"] for g in got], [gid])
        got = self.ec2.describe_security_groups(Filters=[
            vpcf, {"Name": "ip-permission.cidr", "Values": ["10.66.0.0/16"]}])["SecurityGroups"]
        self.assertEqual([g["GroupId"] for g in got], [gid])

    # -------------------------------------------------------------- rules
    def test_authorize_ingress_cidr(self):
        gid = self.sg()
        r = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        self.assertTrue(r["Return"])
        rules = r["SecurityGroupRules"]
        self.assertEqual(len(rules), 1)
        rule = rules[0]
        self.assertIdShape("sgr", rule["SecurityGroupRuleId"])
        self.assertEqual((rule["GroupId"], rule["IsEgress"], rule["IpProtocol"], rule["FromPort"],
                          rule["ToPort"], rule["CidrIpv4"]), (gid, False, "tcp", 22, 22, "10.0.0.0/8"))
        self.assertEqual(rule["GroupOwnerId"], ACCOUNT_ID)
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]),
                         [("tcp", 22, 22, ("10.0.0.0/8",), (), ())])

    def test_rules_with_same_ports_are_merged(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["192.168.0.0/16"])])
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(80, ["0.0.0.0/0"], to_port=81)])
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]), [
            ("tcp", 22, 22, ("10.0.0.0/8", "192.168.0.0/16"), (), ()),
            ("tcp", 80, 81, ("0.0.0.0/0",), (), ()),
        ])
        self.assertEqual(len(self._rule_ids(gid, egress=False)), 3)

    def test_rule_description(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "office"}]}])
        perm = self.get(gid)["IpPermissions"][0]
        self.assertEqual(perm["IpRanges"], [{"CidrIp": "203.0.113.0/24", "Description": "office"}])
        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
        self.assertIn("office", [r.get("Description") for r in rules])

    def test_authorize_ipv6(self):
        gid = self.sg()
        r = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(443, v6=["::/0"])])
        self.assertEqual(r["SecurityGroupRules"][0]["CidrIpv6"], "::/0")
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]), [("tcp", 443, 443, (), ("::/0",), ())])
        with self.assertEc2Error("InvalidPermission.Duplicate", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(443, v6=["::/0"])])

    def test_authorize_group_reference(self):
        gid = self.sg()
        other = self.sg()
        r = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(5432, groups=[other])])
        rule = r["SecurityGroupRules"][0]
        self.assertEqual(rule["ReferencedGroupInfo"]["GroupId"], other)
        perm = self.get(gid)["IpPermissions"][0]
        self.assertEqual(perm["UserIdGroupPairs"][0]["GroupId"], other)
        self.assertEqual(perm["UserIdGroupPairs"][0]["UserId"], ACCOUNT_ID)

    def test_authorize_legacy_cidr_form(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=8080,
                                                  ToPort=8080, CidrIp="10.1.2.0/24")
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]),
                         [("tcp", 8080, 8080, ("10.1.2.0/24",), (), ())])

    def test_authorize_icmp_and_all(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.250.0.0/16"}]}])
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]), [
            ("-1", None, None, ("10.250.0.0/16",), (), ()),
            ("icmp", -1, -1, ("10.0.0.0/8",), (), ()),
        ])

    def test_duplicate_rule(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        with self.assertEc2Error("InvalidPermission.Duplicate", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        self.assertEqual(len(self._rule_ids(gid, egress=False)), 1)

    def test_duplicate_default_egress(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidPermission.Duplicate", status=400):
            self.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=ALL_EGRESS)

    def test_revoke_ingress(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8", "172.16.0.0/12"])])
        r = self.ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        self.assertTrue(r["Return"])
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]),
                         [("tcp", 22, 22, ("172.16.0.0/12",), (), ())])
        self.ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["172.16.0.0/12"])])
        self.assertEqual(self.get(gid)["IpPermissions"], [])

    def test_revoke_nonexistent_rule(self):
        gid = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        # AWS answers either InvalidPermission.NotFound or a response that
        # lists the rule under UnknownIpPermissions; it never revokes anything.
        try:
            r = self.ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[tcp(23, ["10.0.0.0/8"])])
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "InvalidPermission.NotFound")
        else:
            self.assertTrue(r.get("UnknownIpPermissions"), r)
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]),
                         [("tcp", 22, 22, ("10.0.0.0/8",), (), ())])

    def test_revoke_by_rule_id(self):
        gid = self.sg()
        r = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"]),
                                                                                   tcp(80, ["10.0.0.0/8"])])
        ids = {x["FromPort"]: x["SecurityGroupRuleId"] for x in r["SecurityGroupRules"]}
        self.assertEqual(set(ids), {22, 80})
        self.ec2.revoke_security_group_ingress(GroupId=gid, SecurityGroupRuleIds=[ids[22]])
        self.assertEqual(norm_perms(self.get(gid)["IpPermissions"]), [("tcp", 80, 80, ("10.0.0.0/8",), (), ())])
        with self.assertEc2Error("InvalidSecurityGroupRuleId.NotFound", status=400):
            self.ec2.revoke_security_group_ingress(GroupId=gid, SecurityGroupRuleIds=[MISSING["sgr"]])

    def test_egress(self):
        gid = self.sg()
        self.ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=ALL_EGRESS)
        self.assertEqual(self.get(gid)["IpPermissionsEgress"], [])
        r = self.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[tcp(443, ["0.0.0.0/0"])])
        self.assertTrue(r["SecurityGroupRules"][0]["IsEgress"])
        self.assertEqual(norm_perms(self.get(gid)["IpPermissionsEgress"]), [("tcp", 443, 443, ("0.0.0.0/0",), (), ())])
        self.assertEqual(self.get(gid)["IpPermissions"], [])
        with self.assertEc2Error("InvalidPermission.Duplicate"):
            self.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[tcp(443, ["0.0.0.0/0"])])

    def test_invalid_port_range(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(100, ["10.0.0.0/8"], to_port=50)])
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(70000, ["10.0.0.0/8"])])
        self.assertEqual(self.get(gid)["IpPermissions"], [])

    def test_invalid_protocol(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                {"IpProtocol": "bogus", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])

    def test_invalid_cidr(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/33"])])
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, v6=["2001:db8::/200"])])

    def test_reference_to_missing_group(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, groups=[MISSING["sg"]])])

    def test_authorize_on_missing_group(self):
        with self.assertEc2Error("InvalidGroup.NotFound", status=400):
            self.ec2.authorize_security_group_ingress(GroupId=MISSING["sg"], IpPermissions=[tcp(22, ["10.0.0.0/8"])])

    # --------------------------------------------- DescribeSecurityGroupRules
    def test_describe_security_group_rules(self):
        gid = self.sg()
        other = self.sg()
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            tcp(22, ["10.0.0.0/8"]), tcp(443, v6=["::/0"]), tcp(5432, groups=[other])])
        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
        self.assertEqual(len(rules), 4)  # 3 ingress + default egress
        for r in rules:
            self.assertIdShape("sgr", r["SecurityGroupRuleId"])
            self.assertEqual(r["GroupId"], gid)
            self.assertEqual(r["GroupOwnerId"], ACCOUNT_ID)
        egress = [r for r in rules if r["IsEgress"]]
        self.assertEqual([(r["IpProtocol"], r["CidrIpv4"], r["FromPort"], r["ToPort"]) for r in egress],
                         [("-1", "0.0.0.0/0", -1, -1)])
        ingress = {r["FromPort"]: r for r in rules if not r["IsEgress"]}
        self.assertEqual(ingress[22]["CidrIpv4"], "10.0.0.0/8")
        self.assertEqual(ingress[443]["CidrIpv6"], "::/0")
        self.assertEqual(ingress[5432]["ReferencedGroupInfo"]["GroupId"], other)

        one = self.ec2.describe_security_group_rules(
            SecurityGroupRuleIds=[ingress[22]["SecurityGroupRuleId"]])["SecurityGroupRules"]
        self.assertEqual([r["SecurityGroupRuleId"] for r in one], [ingress[22]["SecurityGroupRuleId"]])
        one = self.ec2.describe_security_group_rules(Filters=[
            {"Name": "security-group-rule-id", "Values": [ingress[443]["SecurityGroupRuleId"]]}])["SecurityGroupRules"]
        self.assertEqual([r["FromPort"] for r in one], [443])

    def test_describe_missing_rule(self):
        with self.assertEc2Error("InvalidSecurityGroupRuleId.NotFound", status=400):
            self.ec2.describe_security_group_rules(SecurityGroupRuleIds=[MISSING["sgr"]])

    def test_rule_ids_stable(self):
        gid = self.sg()
        r = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[tcp(22, ["10.0.0.0/8"])])
        rid = r["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        self.assertIn(rid, self._rule_ids(gid, egress=False))
        self.assertIn(rid, self._rule_ids(gid, egress=False))

    # ------------------------------------------------- rule descriptions and modifications
    def rules(self, gid):
        return {r["SecurityGroupRuleId"]: r for r in self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]}

    def test_update_rule_descriptions_by_permission_and_by_id(self):
        gid = self.sg()
        ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        rule_id = self.ec2.authorize_security_group_ingress(
            GroupId=gid, IpPermissions=[ssh])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        described = dict(ssh, IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "ssh from the office"}])
        self.assertTrue(self.ec2.update_security_group_rule_descriptions_ingress(
            GroupId=gid, IpPermissions=[described])["Return"])
        self.assertEqual(self.rules(gid)[rule_id]["Description"], "ssh from the office")
        self.assertEqual(self.get(gid)["IpPermissions"][0]["IpRanges"][0]["Description"], "ssh from the office")
        self.ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, SecurityGroupRuleDescriptions=[
            {"SecurityGroupRuleId": rule_id, "Description": "by id"}])
        self.assertEqual(self.rules(gid)[rule_id]["Description"], "by id")
        # A permission given without a description clears it, as on AWS.
        self.ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, IpPermissions=[ssh])
        self.assertNotIn("Description", self.rules(gid)[rule_id])
        egress_id = [i for i, r in self.rules(gid).items() if r["IsEgress"]][0]
        self.ec2.update_security_group_rule_descriptions_egress(GroupId=gid, SecurityGroupRuleDescriptions=[
            {"SecurityGroupRuleId": egress_id, "Description": "anywhere"}])
        self.assertEqual(self.get(gid)["IpPermissionsEgress"][0]["IpRanges"][0]["Description"], "anywhere")

    def test_update_rule_descriptions_errors_change_nothing(self):
        gid = self.sg()
        before = self.rules(gid)
        egress_id = list(before)[0]
        with self.assertEc2Error("InvalidPermission.NotFound"):
            self.ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}]}])
        with self.assertEc2Error("InvalidSecurityGroupRuleId.NotFound"):  # an egress rule named as ingress
            self.ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, SecurityGroupRuleDescriptions=[
                {"SecurityGroupRuleId": egress_id, "Description": "x"}])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.update_security_group_rule_descriptions_egress(GroupId=gid, SecurityGroupRuleDescriptions=[
                {"SecurityGroupRuleId": egress_id, "Description": "bad\u00e9"}])
        self.assertEqual(self.rules(gid), before)

    def test_modify_security_group_rules(self):
        gid = self.sg()
        other = self.sg()
        made = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}],
        )["SecurityGroupRules"]
        web, tls = made[0]["SecurityGroupRuleId"], made[1]["SecurityGroupRuleId"]
        self.assertTrue(self.ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
            {"SecurityGroupRuleId": web, "SecurityGroupRule": {
                "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8081, "CidrIpv4": "10.1.0.0/16",
                "Description": "proxy"}},
            {"SecurityGroupRuleId": tls, "SecurityGroupRule": {
                "IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "ReferencedGroupId": other}}])["Return"])
        rules = self.rules(gid)
        self.assertEqual((rules[web]["IpProtocol"], rules[web]["FromPort"], rules[web]["ToPort"],
                          rules[web]["CidrIpv4"], rules[web]["Description"]),
                         ("tcp", 8080, 8081, "10.1.0.0/16", "proxy"))
        self.assertEqual(rules[web]["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertFalse(rules[web]["IsEgress"])
        self.assertEqual(rules[tls]["ReferencedGroupInfo"]["GroupId"], other)
        self.assertNotIn("CidrIpv4", rules[tls])
        perms = {(p["IpProtocol"], p.get("FromPort")) for p in self.get(gid)["IpPermissions"]}
        self.assertEqual(perms, {("tcp", 8080), ("udp", 53)})
        # Failures change nothing: a duplicate of another rule, an unknown id, a bad port range.
        before = self.rules(gid)
        same_as_web = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8081, "CidrIpv4": "10.1.0.0/16"}
        with self.assertEc2Error("InvalidPermission.Duplicate"):
            self.ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
                {"SecurityGroupRuleId": tls, "SecurityGroupRule": same_as_web}])
        with self.assertEc2Error("InvalidSecurityGroupRuleId.NotFound"):
            self.ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
                {"SecurityGroupRuleId": "sgr-0123456789abcdef0", "SecurityGroupRule": same_as_web}])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
                {"SecurityGroupRuleId": web, "SecurityGroupRule": {
                    "IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "CidrIpv4": "0.0.0.0/0"}}])
        self.assertEqual(self.rules(gid), before)

    def test_referenced_group_name_filters(self):
        gid = self.sg()
        source_name = uniq("source")
        source = self.sg(name=source_name)
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": source}]}])
        self.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "UserIdGroupPairs": [{"GroupId": source}]}])
        for name in ("ip-permission.group-name", "egress.ip-permission.group-name"):
            got = self.ec2.describe_security_groups(Filters=[
                {"Name": name, "Values": [source_name]}, {"Name": "vpc-id", "Values": [self.vpc_id]}])["SecurityGroups"]
            self.assertEqual([g["GroupId"] for g in got], [gid], name)
            self.assertNotIn("_ReferencedGroupNames", got[0])

    def test_rules_of_group_in_other_region_not_visible(self):
        gid = self.sg()
        with self.assertEc2Error("InvalidGroup.NotFound"):
            self.ec2_apne2.describe_security_groups(GroupIds=[gid])


if __name__ == "__main__":
    unittest.main()
