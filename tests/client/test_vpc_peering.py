"""VPC peering connections through boto3: the request/accept/reject/delete life cycle, AWS's
failed state for overlapping CIDRs, routes to a connection (active only while it is), security
groups referencing the peer VPC's groups, errors with no state change. Real packets over a
peering are checked with VMs in test_network_enforcement."""

import unittest

from harness import ACCOUNT_ID, StratusTestCase, uniq


class VpcPeeringTest(StratusTestCase):

    def pcx(self, pcx_id):
        return self.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"][0]

    def request(self, a, b, **kw):
        pcx = self.ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, **kw)["VpcPeeringConnection"]
        pcx_id = pcx["VpcPeeringConnectionId"]
        self.addCleanup(lambda: self.pcx(pcx_id)["Status"]["Code"] in ("active", "pending-acceptance")
                        and self.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id))
        return pcx

    def route_state(self, table_id, destination):
        table = self.ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
        return [r["State"] for r in table["Routes"] if r["DestinationCidrBlock"] == destination][0]

    def test_life_cycle_routes_and_peer_groups(self):
        a = self.make_vpc("10.50.0.0/16")
        b = self.make_vpc("10.51.0.0/16")
        pcx = self.request(a, b, TagSpecifications=[
            {"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "a-b"}]}])
        pcx_id = pcx["VpcPeeringConnectionId"]
        self.assertIdShape("pcx", pcx_id)
        self.assertEqual(pcx["Status"], {"Code": "pending-acceptance", "Message": "Pending Acceptance by " + ACCOUNT_ID})
        self.assertEqual(pcx["RequesterVpcInfo"]["VpcId"], a)
        self.assertEqual(pcx["AccepterVpcInfo"]["CidrBlock"], "10.51.0.0/16")
        self.assertIn("ExpirationTime", pcx)
        with self.assertEc2Error("VpcPeeringConnectionAlreadyExists"):
            self.ec2.create_vpc_peering_connection(VpcId=b, PeerVpcId=a)

        # A route may name it before acceptance; it is a blackhole until the connection is active.
        table_a = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [a]}])["RouteTables"][0]
        self.ec2.create_route(RouteTableId=table_a["RouteTableId"], DestinationCidrBlock="10.51.0.0/16",
                              VpcPeeringConnectionId=pcx_id)
        self.assertEqual(self.route_state(table_a["RouteTableId"], "10.51.0.0/16"), "blackhole")
        # A group of the peer VPC is not visible to a's groups before acceptance.
        group_a = self.ec2.create_security_group(GroupName=uniq("pa"), Description="a", VpcId=a)["GroupId"]
        group_b = self.ec2.create_security_group(GroupName=uniq("pb"), Description="b", VpcId=b)["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=group_b)
        self.addCleanup(self.ec2.delete_security_group, GroupId=group_a)
        peer_rule = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": group_b}]}]
        with self.assertEc2Error("InvalidGroup.NotFound"):
            self.ec2.authorize_security_group_ingress(GroupId=group_a, IpPermissions=peer_rule)

        accepted = self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["VpcPeeringConnection"]
        self.assertEqual(accepted["Status"], {"Code": "active", "Message": "Active"})
        self.assertEqual(self.route_state(table_a["RouteTableId"], "10.51.0.0/16"), "active")
        by_route = self.ec2.describe_route_tables(Filters=[{"Name": "route.vpc-peering-connection-id",
                                                            "Values": [pcx_id]}])["RouteTables"]
        self.assertEqual([t["RouteTableId"] for t in by_route], [table_a["RouteTableId"]])
        rule = self.ec2.authorize_security_group_ingress(GroupId=group_a, IpPermissions=peer_rule)
        referenced = rule["SecurityGroupRules"][0]["ReferencedGroupInfo"]
        self.assertEqual((referenced["GroupId"], referenced["VpcId"], referenced["VpcPeeringConnectionId"]),
                         (group_b, b, pcx_id))
        pair = self.ec2.describe_security_groups(GroupIds=[group_a])["SecurityGroups"][0]["IpPermissions"][0][
            "UserIdGroupPairs"][0]
        self.assertEqual((pair["GroupId"], pair["VpcPeeringConnectionId"]), (group_b, pcx_id))
        with self.assertEc2Error("InvalidStateTransition"):
            self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        with self.assertEc2Error("DependencyViolation"):
            self.ec2.delete_vpc(VpcId=b)
        options = self.ec2.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx_id, RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
        self.assertTrue(options["RequesterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"])
        self.assertTrue(self.pcx(pcx_id)["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"])

        self.ec2.revoke_security_group_ingress(GroupId=group_a, IpPermissions=peer_rule)
        self.assertTrue(self.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["Return"])
        self.assertEqual(self.pcx(pcx_id)["Status"]["Code"], "deleted")
        self.assertEqual(self.route_state(table_a["RouteTableId"], "10.51.0.0/16"), "blackhole")
        self.ec2.delete_route(RouteTableId=table_a["RouteTableId"], DestinationCidrBlock="10.51.0.0/16")
        found = self.ec2.describe_vpc_peering_connections(Filters=[
            {"Name": "tag:Name", "Values": ["a-b"]}, {"Name": "status-code", "Values": ["deleted"]}])
        self.assertEqual([p["VpcPeeringConnectionId"] for p in found["VpcPeeringConnections"]], [pcx_id])

    def test_reject_and_overlap(self):
        a = self.make_vpc("10.52.0.0/16")
        b = self.make_vpc("10.53.0.0/16")
        pcx_id = self.request(a, b)["VpcPeeringConnectionId"]
        self.assertTrue(self.ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["Return"])
        self.assertEqual(self.pcx(pcx_id)["Status"], {"Code": "rejected", "Message": "Rejected by " + ACCOUNT_ID})
        with self.assertEc2Error("InvalidStateTransition"):
            self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        # Overlapping CIDRs: the request is made and fails at once, as on AWS.
        c = self.make_vpc("10.52.128.0/17")
        failed = self.request(a, c)
        self.assertEqual(failed["Status"]["Code"], "failed")
        self.assertIn("overlapping CIDR range", failed["Status"]["Message"])
        with self.assertEc2Error("InvalidStateTransition"):
            self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=failed["VpcPeeringConnectionId"])

    def test_errors_change_nothing(self):
        a = self.make_vpc("10.54.0.0/16")
        before = self.ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        with self.assertEc2Error("InvalidVpcID.NotFound"):
            self.ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId="vpc-0123456789abcdef0")
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=a)
        with self.assertEc2Error("InvalidVpcPeeringConnectionID.NotFound"):
            self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId="pcx-0123456789abcdef0")
        with self.assertEc2Error("InvalidVpcPeeringConnectionID.NotFound"):
            self.ec2.create_route(RouteTableId=self.ec2.describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": [a]}])["RouteTables"][0]["RouteTableId"],
                DestinationCidrBlock="10.99.0.0/16", VpcPeeringConnectionId="pcx-0123456789abcdef0")
        self.assertEqual(self.ec2.describe_vpc_peering_connections()["VpcPeeringConnections"], before)


if __name__ == "__main__":
    unittest.main()
