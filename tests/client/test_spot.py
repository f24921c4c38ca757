"""Spot instances through boto3 and the aws CLI as they are, on a host with room for two t2.micro
instances (their VMs never boot: a stand-in AMI): the spot price history, RunInstances with
InstanceMarketOptions (InstanceLifecycle spot, its request active and fulfilled) and AWS's
refusals, RequestSpotInstances and CancelSpotInstanceRequests with the CLI, an on-demand launch on
the full host that gives the newest spot instance its two-minute notice, and Spot Fleet refused
by name."""

import json
import os
import tempfile
import unittest

from harness import StandInImageTestCase

# Room for two t2.micro VMs (1 GiB and stratus's 384 MiB overhead each).
TWO_MICROS = 2 * (1024 + 384)


class SpotTest(StandInImageTestCase):

    serve_args = ("--capacity-memory-mib", str(TWO_MICROS), "--capacity-vcpus", "0")

    def launch(self, **options):
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                      Placement={"AvailabilityZone": "us-east-1a"},
                                      InstanceMarketOptions={"MarketType": "spot", "SpotOptions": options})["Instances"][0]

    def on_demand(self):
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                      Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]

    def request(self, request_id):
        return self.ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[request_id])["SpotInstanceRequests"][0]

    def test_1_price_history_and_refusals(self):
        history = self.server.aws("ec2", "describe-spot-price-history", "--instance-types", "t2.micro",
                                  "--availability-zone", "us-east-1a", "--product-descriptions", "Linux/UNIX")
        [entry] = history["SpotPriceHistory"]
        self.assertEqual((entry["InstanceType"], entry["ProductDescription"]), ("t2.micro", "Linux/UNIX"))
        self.assertEqual(entry["SpotPrice"], "0.003480")  # an idle host: 30% of the $0.0116 on-demand price
        with self.assertEc2Error("SpotMaxPriceTooLow") as raised:
            self.launch(MaxPrice="0.002")
        self.assertIn("minimum required Spot request fulfillment price of 0.003480", raised.exception.response["Error"]["Message"])
        with self.assertEc2Error("InvalidParameterCombination"):
            self.launch(InstanceInterruptionBehavior="stop")
        with self.assertEc2Error("UnsupportedHibernationConfiguration"):
            self.launch(SpotInstanceType="persistent", InstanceInterruptionBehavior="hibernate")
        with self.assertEc2Error("UnsupportedOperation"):  # Spot Fleet is not offered yet, and says so
            self.ec2.request_spot_fleet(SpotFleetRequestConfig={
                "IamFleetRole": "arn:aws:iam::123456789012:role/fleet", "TargetCapacity": 1,
                "LaunchSpecifications": [{"ImageId": self.image, "InstanceType": "t2.micro"}]})
        self.assertEqual(self.ec2.describe_spot_instance_requests()["SpotInstanceRequests"], [])

    def test_2_on_demand_launch_takes_the_newest_spot_instance_back(self):
        older = self.launch()
        self.assertEqual(older["InstanceLifecycle"], "spot")
        first = self.request(older["SpotInstanceRequestId"])
        self.assertEqual((first["State"], first["Status"]["Code"], first["InstanceId"]),
                         ("active", "fulfilled", older["InstanceId"]))
        newer = self.launch()
        with self.assertEc2Error("InsufficientInstanceCapacity"):  # a spot launch does not reclaim
            self.launch()
        self.on_demand()  # the host is full of spot instances: an on-demand launch takes one's room
        self.wait_for(lambda: self.request(newer["SpotInstanceRequestId"])["Status"]["Code"] == "marked-for-termination",
                      30, "the newest spot instance to get its notice")
        self.assertEqual(self.request(older["SpotInstanceRequestId"])["Status"]["Code"], "fulfilled")
        # The host is full: the price is the on-demand price now.
        [entry] = self.ec2.describe_spot_price_history(InstanceTypes=["t2.micro"], AvailabilityZone="us-east-1a",
                                                       ProductDescriptions=["Linux/UNIX"], MaxResults=1)["SpotPriceHistory"]
        self.assertEqual(entry["SpotPrice"], "0.011600")
        ids = [older["InstanceId"], newer["InstanceId"]] + [
            i["InstanceId"] for r in self.ec2.describe_instances(Filters=[
                {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"] for i in r["Instances"]]
        self.ec2.terminate_instances(InstanceIds=sorted(set(ids)))
        closed = self.request(older["SpotInstanceRequestId"])
        self.assertEqual((closed["State"], closed["Status"]["Code"]), ("closed", "instance-terminated-by-user"))

    def test_3_request_and_cancel_with_the_cli(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"ImageId": self.image, "InstanceType": "t2.micro"}, f)
        self.addCleanup(os.unlink, f.name)
        made = self.server.aws("ec2", "request-spot-instances", "--spot-price", "0.001",
                               "--launch-specification", "file://" + f.name)["SpotInstanceRequests"]
        self.assertEqual(len(made), 1)
        self.assertEqual((made[0]["State"], made[0]["Status"]["Code"]), ("open", "price-too-low"))
        cancelled = self.server.aws("ec2", "cancel-spot-instance-requests", "--spot-instance-request-ids",
                                    made[0]["SpotInstanceRequestId"])["CancelledSpotInstanceRequests"]
        self.assertEqual(cancelled, [{"SpotInstanceRequestId": made[0]["SpotInstanceRequestId"], "State": "cancelled"}])
        self.assertEqual(self.request(made[0]["SpotInstanceRequestId"])["Status"]["Code"], "canceled-before-fulfillment")
        with self.assertEc2Error("InvalidSpotInstanceRequestID.NotFound"):
            self.ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=["sir-0badc0de"])


if __name__ == "__main__":
    unittest.main()
