"""AMIs: the base image built by `stratus image build` is a public AMI (owner alias amazon) in
every region, found by name; DescribeImages ids, owners and filters."""

import unittest

from harness import StratusServer, StratusTestCase, fake_base_image


class ImagesTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        # A server of its own, whose image cache holds a (stand-in) built base image.
        server = StratusServer()
        cls.addClassCleanup(server.cleanup)
        fake_base_image(server.image_cache)
        server.start()
        cls.server = server
        cls.ec2 = server.client("us-east-1")
        cls.ec2_apne2 = server.client("ap-northeast-2")

    def base_image(self, client):
        images = client.describe_images(
            Owners=["amazon"], Filters=[{"Name": "name", "Values": ["debian-12-*"]}])["Images"]
        self.assertEqual(len(images), 1, images)
        return images[0]

    def test_base_image_is_a_public_amazon_ami_in_every_region(self):
        east, seoul = self.base_image(self.ec2), self.base_image(self.ec2_apne2)
        self.assertNotEqual(east["ImageId"], seoul["ImageId"])
        for image in (east, seoul):
            self.assertIdShape("ami", image["ImageId"])
            self.assertRegex(image["Name"], r"^debian-12-amd64-\d{8}-[0-9a-f]{8}$")
            self.assertEqual(image["ImageOwnerAlias"], "amazon")
            self.assertTrue(image["Public"])
            self.assertEqual(image["State"], "available")
            self.assertEqual(image["Architecture"], "x86_64")
            self.assertEqual(image["RootDeviceType"], "ebs")
            self.assertEqual(image["BlockDeviceMappings"][0]["DeviceName"], image["RootDeviceName"])
            self.assertEqual(image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"], 4)
            self.assertNotIn("_Directory", image)

    def test_cli_finds_it_by_owner_and_name(self):
        out = self.server.aws("ec2", "describe-images", "--owners", "amazon",
                              "--filters", "Name=name,Values=debian-12-*")
        self.assertEqual(len(out["Images"]), 1)
        self.assertEqual(out["Images"][0]["ImageId"], self.base_image(self.ec2)["ImageId"])

    def test_by_id_and_errors(self):
        image_id = self.base_image(self.ec2)["ImageId"]
        got = self.ec2.describe_images(ImageIds=[image_id])["Images"]
        self.assertEqual([i["ImageId"] for i in got], [image_id])
        with self.assertEc2Error("InvalidAMIID.NotFound"):
            self.ec2.describe_images(ImageIds=["ami-0123456789abcdef0"])
        with self.assertEc2Error("InvalidAMIID.Malformed"):
            self.ec2.describe_images(ImageIds=["not-an-ami"])
        with self.assertEc2Error("InvalidAMIID.NotFound"):  # another region's AMI
            self.ec2_apne2.describe_images(ImageIds=[image_id])

    def test_owner_and_filters(self):
        self.assertEqual(self.ec2.describe_images(Owners=["self"])["Images"], [])
        self.assertEqual(len(self.ec2.describe_images(Owners=["137112412989"])["Images"]), 1)
        none = self.ec2.describe_images(Filters=[{"Name": "architecture", "Values": ["arm64"]}])["Images"]
        self.assertEqual(none, [])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_images(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])

    def test_registration_survives_restart_with_the_same_id(self):
        before = self.base_image(self.ec2)["ImageId"]
        self.server.restart()
        self.assertEqual(self.base_image(self.ec2)["ImageId"], before)


class NoImageTest(StratusTestCase):
    """Without a built image, DescribeImages answers, with nothing."""

    def test_no_base_image_means_no_ami(self):
        self.assertEqual(self.ec2.describe_images(Owners=["amazon"])["Images"], [])


if __name__ == "__main__":
    unittest.main()
