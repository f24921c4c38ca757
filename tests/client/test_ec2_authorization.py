"""EC2 calls authorized against the resources they touch (data/ec2_authorization.json), through boto3
as IAM users (the instances never boot: a stand-in AMI): RunInstances needs every resource it names
and makes allowed; Resource ARNs, ec2:InstanceType, ec2:ResourceTag and aws:RequestTag conditions
decide as on AWS; a refused call changes nothing."""

import json
import unittest

from harness import StandInImageTestCase


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Ec2ResourceAuthorizationTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client(service="iam")
        cls.account = cls.server.client(service="sts").get_caller_identity()["Account"]
        cls.arn = "arn:aws:ec2:us-east-1:%s:" % cls.account

    def user(self, name, *statements):
        """A client signing as a new user `name` whose one policy holds `statements`."""
        self.iam.create_user(UserName=name)
        self.addCleanup(self.iam.delete_user, UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document(*statements))
        self.addCleanup(self.iam.delete_user_policy, UserName=name, PolicyName="p")
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.addCleanup(self.iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
        return self.server.client(access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])

    def launch(self, client, **kw):
        instance = client.run_instances(ImageId=self.image, MinCount=1, MaxCount=1, **kw)["Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[instance["InstanceId"]])
        return instance["InstanceId"]

    def denied(self, fn, **kw):
        with self.assertEc2Error("UnauthorizedOperation", status=403) as raised:
            fn(**kw)
        return raised.exception.response["Error"]["Message"]

    def count_instances(self):
        return sum(len(r["Instances"]) for r in self.ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"])

    def test_instance_type_condition(self):
        small_only = self.user("small-only", {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                                              "Condition": {"StringEqualsIfExists": {"ec2:InstanceType": "t2.micro"}}},
                               {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
        self.launch(small_only, InstanceType="t2.micro")
        before = self.count_instances()
        message = self.denied(small_only.run_instances, ImageId=self.image, MinCount=1, MaxCount=1,
                              InstanceType="m5.large")
        self.assertIn("ec2:RunInstances on resource: %sinstance/* because no identity-based policy allows" % self.arn,
                      message)
        self.assertEqual(self.count_instances(), before)

    def test_every_resource_of_run_instances_must_be_allowed(self):
        subnet = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
        allowed = ["instance/*", "network-interface/*", "volume/*", "security-group/*", "subnet/*"]
        narrow = self.user("narrow", {"Effect": "Allow", "Action": "ec2:RunInstances",
                                      "Resource": [self.arn + r for r in allowed] +
                                                  ["arn:aws:ec2:us-east-1::image/*"]})
        self.launch(narrow, InstanceType="t2.micro", SubnetId=subnet["SubnetId"])
        # A key pair is one more resource the policy does not name.
        self.ec2.create_key_pair(KeyName="authz-key")
        self.addCleanup(self.ec2.delete_key_pair, KeyName="authz-key")
        message = self.denied(narrow.run_instances, ImageId=self.image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                              KeyName="authz-key")
        self.assertIn("on resource: %skey-pair/authz-key" % self.arn, message)
        # A Deny on one subnet stops launches there, not elsewhere.
        self.iam.put_user_policy(UserName="narrow", PolicyName="deny-subnet", PolicyDocument=document(
            {"Effect": "Deny", "Action": "ec2:*", "Resource": self.arn + "subnet/" + subnet["SubnetId"]}))
        self.addCleanup(self.iam.delete_user_policy, UserName="narrow", PolicyName="deny-subnet")
        message = self.denied(narrow.run_instances, ImageId=self.image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                              SubnetId=subnet["SubnetId"])
        self.assertIn("with an explicit deny in an identity-based policy", message)

    def test_vpc_condition(self):
        default_subnet = self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
        vpc_arn = self.arn + "vpc/" + default_subnet["VpcId"]
        in_default_vpc = self.user("default-vpc-only",
                                   {"Effect": "Allow", "Action": "ec2:RunInstances",
                                    "Resource": "arn:aws:ec2:us-east-1::image/*"},
                                   {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                                    "Condition": {"ArnEquals": {"ec2:Vpc": vpc_arn}}})
        self.launch(in_default_vpc, InstanceType="t2.micro", SubnetId=default_subnet["SubnetId"])
        other_vpc = self.make_vpc("10.52.0.0/16")
        other_subnet = self.ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.52.1.0/24")["Subnet"]["SubnetId"]
        self.addCleanup(self.ec2.delete_subnet, SubnetId=other_subnet)
        message = self.denied(in_default_vpc.run_instances, ImageId=self.image, MinCount=1, MaxCount=1,
                              InstanceType="t2.micro", SubnetId=other_subnet)
        self.assertIn("ec2:RunInstances on resource: %s" % self.arn, message)

    def test_resource_tags_decide(self):
        dev_only = self.user("dev-only", {"Effect": "Allow", "Action": ["ec2:StopInstances", "ec2:TerminateInstances"],
                                          "Resource": self.arn + "instance/*",
                                          "Condition": {"StringEquals": {"ec2:ResourceTag/env": "dev"}}})
        tagged = lambda env: [{"ResourceType": "instance", "Tags": [{"Key": "env", "Value": env}]}]
        dev = self.launch(self.ec2, InstanceType="t2.micro", TagSpecifications=tagged("dev"))
        prod = self.launch(self.ec2, InstanceType="t2.micro", TagSpecifications=tagged("prod"))
        message = self.denied(dev_only.terminate_instances, InstanceIds=[prod])
        self.assertIn("on resource: %sinstance/%s" % (self.arn, prod), message)
        # Both named: the one not allowed refuses the whole call, and nothing changes.
        self.denied(dev_only.terminate_instances, InstanceIds=[dev, prod])
        states = {i["InstanceId"]: i["State"]["Name"] for r in self.ec2.describe_instances(
            InstanceIds=[dev, prod])["Reservations"] for i in r["Instances"]}
        self.assertNotIn("shutting-down", states.values())
        self.assertNotIn("terminated", states.values())
        dev_only.terminate_instances(InstanceIds=[dev])

    def test_request_tags_decide(self):
        tagged_only = self.user("tagged-only", {"Effect": "Allow", "Action": "ec2:CreateVpc", "Resource": "*",
                                                "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}})
        self.denied(tagged_only.create_vpc, CidrBlock="10.41.0.0/16")
        vpc = tagged_only.create_vpc(CidrBlock="10.41.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "blue"}]}])["Vpc"]["VpcId"]
        self.ec2.delete_vpc(VpcId=vpc)
        self.denied(tagged_only.create_vpc, CidrBlock="10.41.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "red"}]}])


if __name__ == "__main__":
    unittest.main()
