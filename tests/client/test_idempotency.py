"""ClientToken idempotency of every implemented action whose model has ClientToken
(CreateRouteTable, CreateNetworkAcl, CreateNetworkInterface, RunInstances): the same token and
parameters answer the first result and create nothing more, other parameters are
IdempotentParameterMismatch and change nothing, and tokens outlive a restart."""

import unittest

from harness import StandInImageTestCase, uniq


class ClientTokenTest(StandInImageTestCase):

    def reconnect(self):
        type(self).ec2 = self.server.client("us-east-1")

    def setUp(self):
        self.vpc = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        self.subnet = self.ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"][0]["SubnetId"]

    def creates(self):
        """(name, create, describe, list key, id of a result, first args, other args) per create."""
        ec2 = self.ec2
        return [
            ("route table", ec2.create_route_table, ec2.describe_route_tables, "RouteTables",
             lambda r: r["RouteTable"]["RouteTableId"],
             {"VpcId": self.vpc},
             {"VpcId": self.vpc, "TagSpecifications": [
                 {"ResourceType": "route-table", "Tags": [{"Key": "n", "Value": "1"}]}]}),
            ("network ACL", ec2.create_network_acl, ec2.describe_network_acls, "NetworkAcls",
             lambda r: r["NetworkAcl"]["NetworkAclId"],
             {"VpcId": self.vpc},
             {"VpcId": self.vpc, "TagSpecifications": [
                 {"ResourceType": "network-acl", "Tags": [{"Key": "n", "Value": "1"}]}]}),
            ("network interface", ec2.create_network_interface, ec2.describe_network_interfaces,
             "NetworkInterfaces", lambda r: r["NetworkInterface"]["NetworkInterfaceId"],
             {"SubnetId": self.subnet, "Description": "first"},
             {"SubnetId": self.subnet, "Description": "second"}),
        ]

    def count(self, describe, key):
        return len(describe()[key])

    def test_same_token_same_resource(self):
        for name, create, describe, key, id_of, args, other in self.creates():
            with self.subTest(name):
                token = uniq("token")
                before = self.count(describe, key)
                first = create(ClientToken=token, **args)
                again = create(ClientToken=token, **args)
                self.assertEqual(id_of(again), id_of(first))
                self.assertEqual(first["ClientToken"], token)
                self.assertEqual(again["ClientToken"], token)
                self.assertEqual(self.count(describe, key), before + 1)
                # boto3 fills in a fresh token of its own when none is given: a new resource.
                self.assertNotEqual(id_of(create(**args)), id_of(first))
                self.assertEqual(self.count(describe, key), before + 2)

    def test_same_token_other_parameters(self):
        for name, create, describe, key, id_of, args, other in self.creates():
            with self.subTest(name):
                token = uniq("token")
                first = create(ClientToken=token, **args)
                before = describe()[key]
                with self.assertEc2Error("IdempotentParameterMismatch", status=400):
                    create(ClientToken=token, **other)
                self.assertEqual(describe()[key], before)
                self.assertEqual(id_of(create(ClientToken=token, **args)), id_of(first))

    def test_token_is_per_region(self):
        token = uniq("token")
        first = self.ec2.create_route_table(VpcId=self.vpc, ClientToken=token)["RouteTable"]
        apne2 = self.server.client("ap-northeast-2")
        vpc = apne2.describe_vpcs()["Vpcs"][0]["VpcId"]
        other = apne2.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]
        self.assertNotEqual(other["RouteTableId"], first["RouteTableId"])

    def test_run_instances(self):
        token = uniq("launch")
        args = dict(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1, ClientToken=token)
        first = self.ec2.run_instances(**args)
        again = self.ec2.run_instances(**args)
        self.assertEqual(again["ReservationId"], first["ReservationId"])
        self.assertEqual([i["InstanceId"] for i in again["Instances"]], [i["InstanceId"] for i in first["Instances"]])
        self.assertEqual(again["Instances"][0]["ClientToken"], token)
        by_token = [{"Name": "client-token", "Values": [token]}]
        self.assertEqual(len(self.ec2.describe_instances(Filters=by_token)["Reservations"]), 1)
        with self.assertEc2Error("IdempotentParameterMismatch", status=400):
            self.ec2.run_instances(**dict(args, InstanceType="t3.micro"))
        reservations = self.ec2.describe_instances(Filters=by_token)["Reservations"]
        self.assertEqual([i["InstanceType"] for r in reservations for i in r["Instances"]], ["t2.micro"])
        # A repeat shows the instances as they are now.
        instance = first["Instances"][0]["InstanceId"]
        self.ec2.terminate_instances(InstanceIds=[instance])
        state = self.ec2.run_instances(**args)["Instances"][0]["State"]["Name"]
        self.assertIn(state, ("shutting-down", "terminated"))

    def test_token_survives_restart(self):
        token = uniq("token")
        first = self.ec2.create_network_acl(VpcId=self.vpc, ClientToken=token)["NetworkAcl"]["NetworkAclId"]
        self.server.restart()
        self.reconnect()
        again = self.ec2.create_network_acl(VpcId=self.vpc, ClientToken=token)["NetworkAcl"]["NetworkAclId"]
        self.assertEqual(again, first)
        with self.assertEc2Error("IdempotentParameterMismatch"):
            self.ec2.create_network_acl(VpcId=self.vpc, ClientToken=token, TagSpecifications=[
                {"ResourceType": "network-acl", "Tags": [{"Key": "n", "Value": "1"}]}])
        self.assertEqual(len(self.ec2.describe_network_acls(
            Filters=[{"Name": "network-acl-id", "Values": [first]}])["NetworkAcls"]), 1)


if __name__ == "__main__":
    unittest.main()
