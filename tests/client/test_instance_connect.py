"""EC2 Instance Connect's API through boto3 as it is, on instances of a stand-in AMI (which never
boot, so stay pending; that a running instance takes a key and its sshd accepts it for 60 s is
test_instances' part, the rest unit tests'): SendSSHPublicKey refuses a bad key, an instance that
is not there (or in another region), the wrong zone and an instance that is not running with AWS's
errors; IAM decides with the instance's ARN, its tags and ec2:osuser before any of that."""

import json
import subprocess
import tempfile
import unittest

from harness import StandInImageTestCase


def new_public_key(kind="ed25519"):
    """A fresh OpenSSH public key line of type `kind`."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", work + "/k"], check=True)
        with open(work + "/k.pub") as f:
            return f.read().strip()


class InstanceConnectTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connect = cls.server.client(service="ec2-instance-connect")
        cls.instance = cls.ec2.run_instances(ImageId=cls.image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                             TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                                 {"Key": "team", "Value": "web"}]}])["Instances"][0]

    def send(self, client=None, **overrides):
        request = dict(InstanceId=self.instance["InstanceId"], InstanceOSUser="ec2-user",
                       SSHPublicKey=new_public_key(), AvailabilityZone=self.instance["Placement"]["AvailabilityZone"])
        request.update(overrides)
        return (client or self.connect).send_ssh_public_key(**request)

    def assertConnectError(self, code, client=None, **overrides):
        with self.assertEc2Error(code) as caught:
            self.send(client, **overrides)
        return caught.exception

    def test_refusals(self):
        self.assertConnectError("InvalidArgsException", SSHPublicKey="ssh-ed25519 " + "A" * 80)
        self.assertConnectError("InvalidArgsException", AvailabilityZone="us-east-1f")
        self.assertConnectError("EC2InstanceNotFoundException", InstanceId="i-0123456789abcdef0")
        other_region = self.server.client("us-west-2", service="ec2-instance-connect")
        self.assertConnectError("EC2InstanceNotFoundException", other_region, AvailabilityZone="us-west-2a")
        # An RSA key, and no zone at all, are fine: only the state stands in the way.
        error = self.assertConnectError("EC2InstanceStateInvalidException", SSHPublicKey=new_public_key("rsa"))
        self.assertIn("(pending)", str(error))
        with self.assertEc2Error("EC2InstanceStateInvalidException"):
            self.connect.send_ssh_public_key(InstanceId=self.instance["InstanceId"], InstanceOSUser="ec2-user",
                                             SSHPublicKey=new_public_key())

    def test_iam_decides_by_instance_tags_and_os_user(self):
        iam = self.server.client(service="iam")
        iam.create_user(UserName="web-dev")
        iam.put_user_policy(UserName="web-dev", PolicyName="connect", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "ec2-instance-connect:SendSSHPublicKey",
                "Resource": "arn:aws:ec2:us-east-1:*:instance/*",
                "Condition": {"StringEquals": {"ec2:osuser": "ec2-user", "aws:ResourceTag/team": "web"}}}]}))
        key = iam.create_access_key(UserName="web-dev")["AccessKey"]
        dev = self.server.client(service="ec2-instance-connect", access_key=key["AccessKeyId"],
                                 secret_key=key["SecretAccessKey"])
        # Allowed: the call reaches the instance (pending here).
        self.assertConnectError("EC2InstanceStateInvalidException", dev)
        error = self.assertConnectError("AccessDeniedException", dev, InstanceOSUser="root")
        self.assertIn("ec2-instance-connect:SendSSHPublicKey", str(error))
        self.assertIn("instance/" + self.instance["InstanceId"], str(error))
        self.ec2.create_tags(Resources=[self.instance["InstanceId"]], Tags=[{"Key": "team", "Value": "ops"}])
        try:
            self.assertConnectError("AccessDeniedException", dev)
        finally:
            self.ec2.create_tags(Resources=[self.instance["InstanceId"]], Tags=[{"Key": "team", "Value": "web"}])
        self.assertConnectError("EC2InstanceStateInvalidException", dev)


if __name__ == "__main__":
    unittest.main()
