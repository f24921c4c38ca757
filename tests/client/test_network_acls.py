"""Network ACLs through boto3 and the aws CLI: the default ACL of a VPC, custom ACLs (deny
all until entries allow), numbered entries (create, replace, delete, duplicates), and moving a
subnet's association; bad input changes nothing. Enforcement on packets is in
test_network_enforcement."""

import unittest

from harness import StratusTestCase


class NetworkAclTest(StratusTestCase):

    def setUp(self):
        self.vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]

    def acl(self, acl_id):
        return self.ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]

    def association_of(self, subnet):
        acls = self.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
        acl = acls["NetworkAcls"][0]
        return acl["NetworkAclId"], [a for a in acl["Associations"] if a["SubnetId"] == subnet][0]

    def test_custom_acl_entries_and_association(self):
        default_id, association = self.association_of(self.subnet)
        self.assertTrue(self.acl(default_id)["IsDefault"])
        custom = self.ec2.create_network_acl(VpcId=self.vpc, TagSpecifications=[
            {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "strict"}]}])["NetworkAcl"]
        self.assertFalse(custom["IsDefault"])
        self.assertEqual(sorted((e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in custom["Entries"]),
                         [(32767, False, "deny"), (32767, True, "deny")])
        acl_id = custom["NetworkAclId"]
        self.ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6", RuleAction="allow",
                                          Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
        self.server.aws("ec2", "create-network-acl-entry", "--network-acl-id", acl_id, "--rule-number", "110",
                        "--protocol", "icmp", "--icmp-type-code", "Type=8,Code=-1", "--rule-action", "allow",
                        "--ingress", "--cidr-block", "10.0.0.0/8")
        with self.assertEc2Error("NetworkAclEntryAlreadyExists"):
            self.ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="-1",
                                              RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")
        self.ec2.replace_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6", RuleAction="allow",
                                           Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 80})
        entries = {(e["RuleNumber"], e["Egress"]): e for e in self.acl(acl_id)["Entries"]}
        self.assertEqual(entries[(100, False)]["PortRange"], {"From": 22, "To": 80})
        self.assertEqual(entries[(110, False)]["Protocol"], "1")
        self.assertEqual(entries[(110, False)]["IcmpTypeCode"], {"Type": 8, "Code": -1})
        self.ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=110, Egress=False)
        with self.assertEc2Error("InvalidNetworkAclEntry.NotFound"):
            self.ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=110, Egress=False)

        moved = self.ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"],
                                                         NetworkAclId=acl_id)["NewAssociationId"]
        now_id, now = self.association_of(self.subnet)
        self.assertEqual((now_id, now["NetworkAclAssociationId"]), (acl_id, moved))
        self.assertNotIn(self.subnet, [a["SubnetId"] for a in self.acl(default_id)["Associations"]])
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_network_acl(NetworkAclId=acl_id)
        self.ec2.replace_network_acl_association(AssociationId=moved, NetworkAclId=default_id)
        self.ec2.delete_network_acl(NetworkAclId=acl_id)
        with self.assertEc2Error("InvalidNetworkAclID.NotFound"):
            self.acl(acl_id)

    def test_bad_input_changes_nothing(self):
        default_id, association = self.association_of(self.subnet)
        before = self.acl(default_id)
        for kwargs in ({"RuleNumber": 0}, {"RuleNumber": 32767}, {"Protocol": "bogus"},
                       {"Protocol": "6"},  # tcp without a port range
                       {"CidrBlock": "10.0.0.0/33"}):
            args = dict(NetworkAclId=default_id, RuleNumber=50, Protocol="-1", RuleAction="allow",
                        Egress=False, CidrBlock="0.0.0.0/0")
            args.update(kwargs)
            with self.assertEc2Error(("InvalidParameterValue", "MissingParameter")):
                self.ec2.create_network_acl_entry(**args)
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.delete_network_acl(NetworkAclId=default_id)
        with self.assertEc2Error("InvalidAssociationID.NotFound"):
            self.ec2.replace_network_acl_association(AssociationId="aclassoc-0123456789abcdef0",
                                                     NetworkAclId=default_id)
        self.assertEqual(self.acl(default_id), before)


if __name__ == "__main__":
    unittest.main()
