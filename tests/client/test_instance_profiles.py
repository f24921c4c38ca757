"""Instance profiles on instances, through boto3 (the instances never boot: a stand-in AMI): RunInstances
with IamInstanceProfile, Associate/Replace/Disassociate/DescribeIamInstanceProfileAssociations,
AWS's errors for each (a refused call changes nothing), iam:PassRole required of a user who hands
a role to EC2 (UnauthorizedOperation with an encoded message that sts:DecodeAuthorizationMessage
decodes), and the API answering inside the instances' VPC at 169.254.169.254:8773."""

import json
import subprocess
import time
import unittest

from harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, StandInImageTestCase

TRUST_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def allow(action, resource="*"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


class InstanceProfileTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client(service="iam")
        cls.profiles = {}
        for name in ("app", "other"):
            role = cls.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_EC2)["Role"]
            profile = cls.iam.create_instance_profile(InstanceProfileName=name + "-profile")["InstanceProfile"]
            cls.iam.add_role_to_instance_profile(InstanceProfileName=name + "-profile", RoleName=name)
            cls.profiles[name] = {"Arn": profile["Arn"], "Id": profile["InstanceProfileId"], "Role": role["Arn"]}

    def launch(self, client=None, **kw):
        instance = (client or self.ec2).run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1,
                                                      MaxCount=1, **kw)["Instances"][0]
        self.addCleanup(self.quietly_terminate, instance["InstanceId"])
        return instance

    def quietly_terminate(self, instance_id):
        try:
            self.ec2.terminate_instances(InstanceIds=[instance_id])
        except Exception:
            pass

    def associations(self, **kw):
        return self.ec2.describe_iam_instance_profile_associations(**kw)["IamInstanceProfileAssociations"]

    def test_run_with_a_profile(self):
        app = self.profiles["app"]
        instance = self.launch(IamInstanceProfile={"Name": "app-profile"})
        shown = {"Arn": app["Arn"], "Id": app["Id"]}
        self.assertEqual(instance["IamInstanceProfile"], shown)
        described = self.ec2.describe_instances(InstanceIds=[instance["InstanceId"]])
        self.assertEqual(described["Reservations"][0]["Instances"][0]["IamInstanceProfile"], shown)
        [association] = self.associations(Filters=[{"Name": "instance-id", "Values": [instance["InstanceId"]]}])
        self.assertRegex(association["AssociationId"], r"^iip-assoc-[0-9a-f]{17}$")
        self.assertEqual((association["State"], association["IamInstanceProfile"]), ("associated", shown))
        # Termination ends the association.
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.assertEqual(self.associations(Filters=[{"Name": "instance-id", "Values": [instance["InstanceId"]]}]), [])
        self.assertNotIn("IamInstanceProfile",
                         self.ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]
                         ["Instances"][0])

    def test_associate_replace_disassociate(self):
        instance_id = self.launch()["InstanceId"]
        app, other = self.profiles["app"], self.profiles["other"]
        made = self.ec2.associate_iam_instance_profile(InstanceId=instance_id,
                                                       IamInstanceProfile={"Arn": app["Arn"]})
        association = made["IamInstanceProfileAssociation"]
        self.assertEqual((association["InstanceId"], association["State"], association["IamInstanceProfile"]["Id"]),
                         (instance_id, "associating", app["Id"]))
        with self.assertEc2Error("IncorrectState") as raised:
            self.ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": "other-profile"})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "There is an existing association for instance " + instance_id)
        replaced = self.ec2.replace_iam_instance_profile_association(
            AssociationId=association["AssociationId"], IamInstanceProfile={"Name": "other-profile"})
        new_id = replaced["IamInstanceProfileAssociation"]["AssociationId"]
        self.assertNotEqual(new_id, association["AssociationId"])
        [shown] = self.associations(AssociationIds=[new_id])
        self.assertEqual(shown["IamInstanceProfile"], {"Arn": other["Arn"], "Id": other["Id"]})
        with self.assertEc2Error("InvalidAssociationID.NotFound"):
            self.associations(AssociationIds=[association["AssociationId"]])
        gone = self.ec2.disassociate_iam_instance_profile(AssociationId=new_id)["IamInstanceProfileAssociation"]
        self.assertEqual(gone["State"], "disassociating")
        self.assertEqual(self.associations(Filters=[{"Name": "instance-id", "Values": [instance_id]}]), [])
        with self.assertEc2Error("InvalidAssociationID.NotFound"):
            self.ec2.disassociate_iam_instance_profile(AssociationId=new_id)

    def test_unknown_profiles_change_nothing(self):
        instance_id = self.launch()["InstanceId"]
        with self.assertEc2Error("InvalidParameterValue") as raised:
            self.ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": "nope"})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")
        wrong_path = self.profiles["app"]["Arn"].replace("instance-profile/", "instance-profile/elsewhere/")
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Arn": wrong_path})
        self.assertEqual(self.associations(Filters=[{"Name": "instance-id", "Values": [instance_id]}]), [])
        before = len(self.ec2.describe_instances()["Reservations"])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                   IamInstanceProfile={"Name": "nope"})
        self.assertEqual(len(self.ec2.describe_instances()["Reservations"]), before)
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.associate_iam_instance_profile(InstanceId="i-0123456789abcdef0",
                                                    IamInstanceProfile={"Name": "app-profile"})

    def test_pass_role_is_required(self):
        self.iam.create_user(UserName="dev")
        self.addCleanup(self.iam.delete_user, UserName="dev")
        full = "arn:aws:iam::aws:policy/AmazonEC2FullAccess"
        self.iam.attach_user_policy(UserName="dev", PolicyArn=full)
        self.addCleanup(self.iam.detach_user_policy, UserName="dev", PolicyArn=full)
        key = self.iam.create_access_key(UserName="dev")["AccessKey"]
        self.addCleanup(self.iam.delete_access_key, UserName="dev", AccessKeyId=key["AccessKeyId"])
        dev = self.server.client(access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        app = self.profiles["app"]

        instance_id = self.launch(dev)["InstanceId"]  # EC2 alone: allowed
        with self.assertEc2Error("UnauthorizedOperation", status=403) as raised:
            dev.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": "app-profile"})
        message = raised.exception.response["Error"]["Message"]
        dev_arn = "arn:aws:iam::%s:user/dev" % app["Arn"].split(":")[4]
        self.assertIn("User: %s is not authorized to perform: iam:PassRole on resource: %s because no "
                      "identity-based policy allows the iam:PassRole action" % (dev_arn, app["Role"]), message)
        encoded = message.split("Encoded authorization failure message: ")[1]
        decoded = json.loads(self.server.client(service="sts").decode_authorization_message(
            EncodedMessage=encoded)["DecodedMessage"])
        self.assertEqual((decoded["allowed"], decoded["explicitDeny"]), (False, False))
        self.assertEqual((decoded["context"]["action"], decoded["context"]["resource"]), ("iam:PassRole", app["Role"]))
        self.assertEqual(decoded["context"]["principal"]["arn"], dev_arn)
        self.assertIn({"key": "iam:passedtoservice", "values": {"items": [{"value": "ec2.amazonaws.com"}]}},
                      decoded["context"]["conditions"]["items"])
        with self.assertEc2Error("InvalidAuthorizationMessageException"):
            self.server.client(service="sts").decode_authorization_message(EncodedMessage=encoded[:-8] + "AAAAAAA=")
        # dev may not decode it itself until allowed to.
        dev_sts = self.server.client(service="sts", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        with self.assertEc2Error("AccessDenied"):
            dev_sts.decode_authorization_message(EncodedMessage=encoded)
        with self.assertEc2Error("UnauthorizedOperation"):
            self.launch(dev, IamInstanceProfile={"Name": "app-profile"})
        self.assertEqual(self.associations(Filters=[{"Name": "instance-id", "Values": [instance_id]}]), [])

        # PassRole on that role (and only it) lets dev hand it to EC2.
        self.iam.put_user_policy(UserName="dev", PolicyName="pass-app", PolicyDocument=allow("iam:PassRole", app["Role"]))
        self.addCleanup(self.iam.delete_user_policy, UserName="dev", PolicyName="pass-app")
        dev.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": "app-profile"})
        launched = self.launch(dev, IamInstanceProfile={"Arn": app["Arn"]})
        self.assertEqual(launched["IamInstanceProfile"]["Arn"], app["Arn"])
        with self.assertEc2Error("UnauthorizedOperation") as raised:
            self.launch(dev, IamInstanceProfile={"Name": "other-profile"})
        self.assertIn("iam:PassRole on resource: " + self.profiles["other"]["Role"], raised.exception.response["Error"]["Message"])

    def test_the_api_answers_inside_the_vpc(self):
        instance = self.launch()
        netns = "stratus-" + instance["VpcId"]
        script = ("import boto3; print(boto3.client('sts', region_name='us-east-1', "
                  "endpoint_url='http://169.254.169.254:8773', aws_access_key_id=%r, "
                  "aws_secret_access_key=%r).get_caller_identity()['Arn'])" % (ACCESS_KEY_ID, SECRET_ACCESS_KEY))
        deadline = time.time() + 60
        while True:
            out = subprocess.run(["ip", "netns", "exec", netns, "python3", "-c", script],
                                 capture_output=True, text=True, timeout=60)
            if out.returncode == 0 or time.time() > deadline:
                break
            time.sleep(1)
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        self.assertTrue(out.stdout.strip().endswith(":root"), out.stdout)


if __name__ == "__main__":
    unittest.main()
