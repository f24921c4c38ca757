"""DescribeInstanceAttribute / ModifyInstanceAttribute and host capacity, through boto3 and
the aws CLI, on a server whose AMI is a stand-in (its instances never boot, so they stay
pending: the rules for stopped instances are covered by unit tests and the boot e2e)."""

import base64
import unittest

from harness import StandInImageTestCase


class InstanceAttributesTest(StandInImageTestCase):

    # Room for exactly two t2.micro (one vCPU each); memory not limited.
    serve_args = ("--capacity-vcpus", "2", "--capacity-memory-mib", "0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance = cls.ec2.run_instances(
            ImageId=cls.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
            UserData="#!/bin/sh\necho hello\n")["Instances"][0]["InstanceId"]

    def attribute(self, name):
        return self.ec2.describe_instance_attribute(InstanceId=self.instance, Attribute=name)

    def test_describe_with_boto3_and_cli(self):
        self.assertEqual(self.attribute("instanceType")["InstanceType"], {"Value": "t2.micro"})
        user_data = self.attribute("userData")["UserData"]["Value"]
        self.assertEqual(base64.b64decode(user_data), b"#!/bin/sh\necho hello\n")
        self.assertEqual(self.attribute("instanceInitiatedShutdownBehavior")
                         ["InstanceInitiatedShutdownBehavior"], {"Value": "stop"})
        self.assertEqual(self.attribute("groupSet")["Groups"][0]["GroupName"], "default")
        out = self.server.aws("ec2", "describe-instance-attribute", "--instance-id", self.instance,
                              "--attribute", "disableApiTermination")
        self.assertEqual(out["DisableApiTermination"], {"Value": False})
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.describe_instance_attribute(InstanceId="i-0123456789abcdef0", Attribute="instanceType")

    def test_modify_with_the_cli_and_its_effect(self):
        self.server.aws("ec2", "modify-instance-attribute", "--instance-id", self.instance,
                        "--disable-api-termination")
        try:
            self.assertEqual(self.attribute("disableApiTermination")["DisableApiTermination"], {"Value": True})
            with self.assertEc2Error("OperationNotPermitted"):
                self.ec2.terminate_instances(InstanceIds=[self.instance])
        finally:
            self.server.aws("ec2", "modify-instance-attribute", "--instance-id", self.instance,
                            "--no-disable-api-termination")
        self.assertEqual(self.attribute("disableApiTermination")["DisableApiTermination"], {"Value": False})
        self.ec2.modify_instance_attribute(InstanceId=self.instance,
                                           InstanceInitiatedShutdownBehavior={"Value": "terminate"})
        self.assertEqual(self.attribute("instanceInitiatedShutdownBehavior")
                         ["InstanceInitiatedShutdownBehavior"], {"Value": "terminate"})

    def test_type_and_user_data_refused_unless_stopped(self):
        with self.assertEc2Error("IncorrectInstanceState"):
            self.ec2.modify_instance_attribute(InstanceId=self.instance, InstanceType={"Value": "t3.micro"})
        with self.assertEc2Error("IncorrectInstanceState"):
            self.ec2.modify_instance_attribute(InstanceId=self.instance, UserData={"Value": b"#!/bin/sh\n"})
        self.assertEqual(self.attribute("instanceType")["InstanceType"], {"Value": "t2.micro"})

    def test_one_attribute_per_call(self):
        with self.assertEc2Error("InvalidParameterCombination"):
            self.ec2.modify_instance_attribute(InstanceId=self.instance, SourceDestCheck={"Value": False},
                                               DisableApiTermination={"Value": True})
        self.assertEqual(self.attribute("sourceDestCheck")["SourceDestCheck"], {"Value": True})

    def test_capacity_runs_out_with_a_server_error(self):
        # The class's instance holds one of the two places; MaxCount=3 gets the other one.
        got = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=3)
        try:
            self.assertEqual(len(got["Instances"]), 1)
            with self.assertEc2Error("InsufficientInstanceCapacity", status=500) as caught:
                self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1)
            self.assertIn("sufficient t2.micro capacity", str(caught.exception))
            with self.assertEc2Error("InsufficientInstanceCapacity", status=500):
                self.ec2.run_instances(ImageId=self.image, InstanceType="m5.24xlarge", MinCount=1, MaxCount=1)
        finally:
            self.ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in got["Instances"]])


if __name__ == "__main__":
    unittest.main()
