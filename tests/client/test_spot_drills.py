"""Spot interruptions and an availability-zone drill with real VMs (TCG here, so minutes), on a
host with room for three t2.micro instances: two spot instances in us-east-1a and an on-demand one
in us-east-1b. An FIS availability-zone drill cuts zone a off (SSH to its instance fails while
zone b's answers) for the experiment's duration, then it answers again. An on-demand launch on the
full host gives the newest spot instance its two-minute notice by itself; an FIS experiment sends
the other its interruption, which the guest reads from IMDS (spot/instance-action and the
rebalance recommendation); both are terminated at the stated time. Needs root, QEMU and a built
base image (`stratus image build`)."""

import datetime
import json
import time
import unittest

from harness import VmTestCase, skip_unless_vms

# Room for three t2.micro VMs (1 GiB and stratus's 384 MiB overhead each).
THREE_MICROS = 3 * (1024 + 384)
TRUST_FIS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "fis.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
FIS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Resource": "*", "Action": [
        "ec2:SendSpotInstanceInterruptions", "ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry",
        "ec2:ReplaceNetworkAclAssociation", "ec2:DeleteNetworkAcl", "ec2:CreateTags"]}]}


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


@skip_unless_vms
class SpotDrillsTest(VmTestCase):

    serve_args = ("--capacity-memory-mib", str(THREE_MICROS), "--capacity-vcpus", "0")

    def launch(self, zone, spot):
        options = {"InstanceMarketOptions": {"MarketType": "spot"}} if spot else {}
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="drills",
                                      SecurityGroupIds=[self.ssh_group], Placement={"AvailabilityZone": zone},
                                      **options)["Instances"][0]["InstanceId"]

    def experiment(self, targets, actions):
        template = self.fis.create_experiment_template(
            clientToken=str(time.time()), description="drill", roleArn=self.role, stopConditions=[{"source": "none"}],
            targets=targets, actions=actions)["experimentTemplate"]["id"]
        return self.fis.start_experiment(clientToken=str(time.time()), experimentTemplateId=template)["experiment"]["id"]

    def status(self, experiment_id):
        return self.fis.get_experiment(id=experiment_id)["experiment"]["state"]["status"]

    def spot_status(self, instance_id):
        request = self.describe(instance_id)["SpotInstanceRequestId"]
        return self.ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[request])[
            "SpotInstanceRequests"][0]["Status"]["Code"]

    def test_az_drill_and_spot_interruptions(self):
        self.create_key("drills")
        self.image = self.base_image()
        self.ssh_group = self.ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.ssh_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        iam = self.server.client(service="iam")
        self.role = iam.create_role(RoleName="fis", AssumeRolePolicyDocument=json.dumps(TRUST_FIS))["Role"]["Arn"]
        iam.put_role_policy(RoleName="fis", PolicyName="drills", PolicyDocument=json.dumps(FIS_POLICY))
        self.fis = self.server.client(service="fis")

        fis_target, newest = self.launch("us-east-1a", spot=True), self.launch("us-east-1a", spot=True)
        other_zone = self.launch("us-east-1b", spot=False)
        for instance_id in (fis_target, other_zone):
            self.waiter("instance_running", instance_id)
        target, witness = self.describe(fis_target), self.describe(other_zone)
        self.assertEqual(target["InstanceLifecycle"], "spot")
        self.wait_ssh(target)
        self.wait_ssh(witness)

        # The availability-zone drill: zone a is cut off for its duration; zone b is not.
        drill = self.experiment(
            {"ZoneA": {"resourceType": "aws:ec2:subnet", "selectionMode": "ALL",
                       "parameters": {"availabilityZoneIdentifier": "us-east-1a"}}},
            {"dark": {"actionId": "aws:network:disrupt-connectivity", "parameters": {"duration": "PT60S"},
                      "targets": {"Subnets": "ZoneA"}}})
        self.wait_for(lambda: not self.ssh_answers(target), 30, "zone a to go dark")
        # One login can outlast its 10 s on a loaded host: zone b only has to answer while a is dark.
        self.wait_for(lambda: self.ssh_answers(witness), 30, "zone b to answer during the drill")
        self.assertEqual(self.status(drill), "running")
        self.wait_for(lambda: self.status(drill) == "completed", 90, "the drill to complete")
        self.wait_ssh(target, deadline=60)

        # An on-demand launch on the full host: the newest spot instance gets notice by itself.
        on_demand = self.launch("us-east-1b", spot=False)
        self.wait_for(lambda: self.spot_status(newest) == "marked-for-termination", 20,
                      "the newest spot instance's notice")
        self.ec2.terminate_instances(InstanceIds=[on_demand])  # its room was the point; spare the CPU
        account = self.server.client(service="sts").get_caller_identity()["Account"]
        # FIS interrupts the other: the notice shows in IMDS at once (two minutes ahead).
        self.experiment(
            {"Spot": {"resourceType": "aws:ec2:spot-instance", "selectionMode": "ALL",
                      "resourceArns": ["arn:aws:ec2:us-east-1:%s:instance/%s" % (account, fis_target)]}},
            {"interrupt": {"actionId": "aws:ec2:send-spot-instance-interruptions",
                           "parameters": {"durationBeforeInterruption": "PT2M"}, "targets": {"SpotInstances": "Spot"}}})
        self.wait_for(lambda: self.ssh(target, "curl -s -o /dev/null -w '%{http_code}' "
                                               "http://169.254.169.254/latest/meta-data/spot/instance-action").stdout == "200",
                      30, "the notice in IMDS")
        out = self.ssh(target, "curl -s http://169.254.169.254/latest/meta-data/spot/instance-action; echo; "
                               "curl -s http://169.254.169.254/latest/meta-data/events/recommendations/rebalance; echo; "
                               "curl -s http://169.254.169.254/latest/meta-data/instance-life-cycle")
        action, rebalance, life_cycle = out.stdout.splitlines()
        notice = json.loads(action)
        self.assertEqual(notice["action"], "terminate")
        self.assertIn("noticeTime", json.loads(rebalance))
        self.assertEqual(life_cycle, "spot")
        # At the stated time (not before), the instance is terminated.
        stated = parse_time(notice["time"])
        self.wait_for(lambda: self.describe(fis_target)["State"]["Name"] in ("shutting-down", "terminated"), 200,
                      "the interruption")
        self.assertGreaterEqual(time.time(), stated)
        self.assertEqual(self.describe(fis_target)["StateReason"]["Code"], "Server.SpotInstanceTermination")
        self.wait_for(lambda: self.spot_status(newest) == "instance-terminated-no-capacity", 60,
                      "the newest spot instance's interruption")
        self.assertEqual(self.describe(other_zone)["State"]["Name"], "running")


if __name__ == "__main__":
    unittest.main()
