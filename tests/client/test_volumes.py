"""EBS volumes as records of their own, through boto3 and the aws CLI: every instance's root
volume is one from launch (DescribeVolumes shows it attached, with DeleteOnTermination; the
instance's BlockDeviceMappings name it), termination deletes it or leaves it available, and
DeleteVolume removes an available one. On a server whose AMI is a stand-in (its instances never
boot); what a real VM reads from its volume is checked in test_instances."""

import unittest

from harness import StandInImageTestCase, uniq

MISSING_VOLUME = "vol-0123456789abcdef0"


class RootVolumeTest(StandInImageTestCase):

    def launch(self, **kw):
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                      **kw)["Instances"][0]

    def volume(self, volume_id):
        return self.ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]

    def wait_volume(self, volume_id, state):
        self.wait_for(lambda: self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}, {"Name": "status", "Values": [state]}])["Volumes"],
            30, "volume %s did not become %s" % (volume_id, state))

    def test_root_volume_is_a_volume_of_its_own(self):
        tag = uniq("root")
        instance = self.launch(TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": tag}]}])
        mapping = instance["BlockDeviceMappings"]
        self.assertEqual(len(mapping), 1)
        self.assertEqual(mapping[0]["DeviceName"], "/dev/xvda")
        volume_id = mapping[0]["Ebs"]["VolumeId"]
        self.assertIdShape("vol", volume_id)
        self.assertTrue(mapping[0]["Ebs"]["DeleteOnTermination"])

        volume = self.volume(volume_id)
        self.assertEqual(volume["State"], "in-use")
        ami_size = self.ec2.describe_images(ImageIds=[self.image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"][
            "VolumeSize"]
        self.assertEqual(volume["Size"], ami_size)
        self.assertEqual(volume["VolumeType"], "gp3")
        self.assertEqual((volume["Iops"], volume["Throughput"]), (3000, 125))
        self.assertEqual(volume["AvailabilityZone"], instance["Placement"]["AvailabilityZone"])
        self.assertEqual(volume["Tags"], [{"Key": "Name", "Value": tag}])
        attachment = volume["Attachments"][0]
        self.assertEqual((attachment["InstanceId"], attachment["Device"], attachment["State"]),
                         (instance["InstanceId"], "/dev/xvda", "attached"))
        self.assertTrue(attachment["DeleteOnTermination"])
        by_instance = self.ec2.describe_volumes(Filters=[
            {"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["Volumes"]
        self.assertEqual([v["VolumeId"] for v in by_instance], [volume_id])
        self.assertEqual(self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [volume_id]}])["Tags"],
                         [{"Key": "Name", "Value": tag, "ResourceId": volume_id, "ResourceType": "volume"}])
        with self.assertEc2Error("VolumeInUse"):
            self.ec2.delete_volume(VolumeId=volume_id)

        # Terminated with it (DeleteOnTermination): gone.
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Volumes"], 30, "the root volume was not deleted")
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.volume(volume_id)

    def test_kept_root_volume_becomes_available_then_deleted(self):
        instance = self.launch(BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 12, "VolumeType": "gp2"}}])
        volume_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        self.assertEqual((self.volume(volume_id)["Size"], self.volume(volume_id)["VolumeType"]), (12, "gp2"))
        self.assertEqual(self.volume(volume_id)["Iops"], 100)  # gp2: 3 per GiB, at least 100
        self.ec2.modify_instance_attribute(InstanceId=instance["InstanceId"], BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}])
        self.assertFalse(self.volume(volume_id)["Attachments"][0]["DeleteOnTermination"])
        self.assertFalse(self.ec2.describe_instance_attribute(
            InstanceId=instance["InstanceId"], Attribute="blockDeviceMapping")["BlockDeviceMappings"][0]["Ebs"][
            "DeleteOnTermination"])
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.wait_volume(volume_id, "available")
        self.assertEqual(self.volume(volume_id)["Attachments"], [])
        self.ec2.delete_volume(VolumeId=volume_id)
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Volumes"], 30, "the volume was not deleted")

    def test_bad_requests(self):
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.ec2.describe_volumes(VolumeIds=[MISSING_VOLUME])
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.ec2.delete_volume(VolumeId=MISSING_VOLUME)
        with self.assertEc2Error("InvalidVolumeID.Malformed"):
            self.ec2.delete_volume(VolumeId="vol-nothex")
        before = self.ec2.describe_volumes()["Volumes"]
        with self.assertEc2Error("InvalidParameterValue"):
            self.launch(BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "gp9"}}])
        with self.assertEc2Error("InvalidParameterValue"):
            self.launch(TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
        self.assertEqual(self.ec2.describe_volumes()["Volumes"], before)

    def test_aws_cli(self):
        instance = self.launch()
        volume_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        out = self.server.aws("ec2", "describe-volumes", "--filters",
                              "Name=attachment.instance-id,Values=" + instance["InstanceId"])
        self.assertEqual([v["VolumeId"] for v in out["Volumes"]], [volume_id])
        gone = self.server.aws_proc("ec2", "delete-volume", "--volume-id", volume_id)
        self.assertIn("VolumeInUse", gone.stderr)
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


if __name__ == "__main__":
    unittest.main()
