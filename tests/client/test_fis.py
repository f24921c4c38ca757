"""Fault drills with AWS Fault Injection Service's API through boto3 and the aws CLI as they are
(instances of a stand-in AMI, which never boot): an availability-zone drill swaps the zone's
subnets' network ACLs for FIS's deny-all ones for the experiment's duration and puts them back
after (the other zones' subnets keep theirs); a spot interruption drill gives a spot instance its
notice; StopExperiment ends a drill early; templates are checked as FIS checks them; a role that
does not trust FIS fails the experiment."""

import json
import os
import tempfile
import unittest

from harness import StandInImageTestCase

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "fis.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
FIS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Resource": "*", "Action": [
        "ec2:StopInstances", "ec2:StartInstances", "ec2:SendSpotInstanceInterruptions", "ec2:CreateNetworkAcl",
        "ec2:CreateNetworkAclEntry", "ec2:ReplaceNetworkAclAssociation", "ec2:DeleteNetworkAcl", "ec2:CreateTags"]}]}


class FaultInjectionTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        iam = cls.server.client(service="iam")
        cls.role = iam.create_role(RoleName="fis-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName="fis-role", PolicyName="drills", PolicyDocument=json.dumps(FIS_POLICY))
        cls.fis = cls.server.client(service="fis")

    def template(self, targets, actions, role=None):
        return self.fis.create_experiment_template(
            clientToken=os.urandom(8).hex(), description="drill", roleArn=role or self.role,
            stopConditions=[{"source": "none"}], targets=targets, actions=actions)["experimentTemplate"]["id"]

    def start(self, template_id):
        return self.fis.start_experiment(clientToken=os.urandom(8).hex(), experimentTemplateId=template_id)["experiment"]["id"]

    def wait_status(self, experiment_id, statuses, seconds=30):
        self.wait_for(lambda: self.fis.get_experiment(id=experiment_id)["experiment"]["state"]["status"] in statuses,
                      seconds, "experiment %s to reach %s" % (experiment_id, statuses))
        return self.fis.get_experiment(id=experiment_id)["experiment"]

    def acl_of(self, subnet_id):
        [acl] = self.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"]
        return acl

    def test_az_drill_swaps_the_zones_network_acls_for_its_duration(self):
        subnets = {s["AvailabilityZone"]: s["SubnetId"] for s in self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]}
        before = {zone: self.acl_of(subnet)["NetworkAclId"] for zone, subnet in subnets.items()}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"description": "us-east-1a goes dark", "roleArn": self.role, "stopConditions": [{"source": "none"}],
                       "targets": {"ZoneA": {"resourceType": "aws:ec2:subnet", "selectionMode": "ALL",
                                             "parameters": {"availabilityZoneIdentifier": "us-east-1a"}}},
                       "actions": {"dark": {"actionId": "aws:network:disrupt-connectivity",
                                            "parameters": {"duration": "PT4S", "scope": "all"},
                                            "targets": {"Subnets": "ZoneA"}}}}, f)
        self.addCleanup(os.unlink, f.name)
        template_id = self.server.aws("fis", "create-experiment-template", "--cli-input-json",
                                      "file://" + f.name)["experimentTemplate"]["id"]
        experiment_id = self.server.aws("fis", "start-experiment", "--experiment-template-id", template_id)["experiment"]["id"]
        self.wait_status(experiment_id, ("running",))
        self.wait_for(lambda: self.acl_of(subnets["us-east-1a"])["NetworkAclId"] != before["us-east-1a"], 10,
                      "zone a's subnet to get FIS's network ACL")
        drilled = self.acl_of(subnets["us-east-1a"])
        self.assertIn({"Key": "managedByFIS", "Value": "true"}, drilled["Tags"])
        self.assertEqual([e["RuleAction"] for e in drilled["Entries"]], ["deny", "deny"])  # only the default rules
        self.assertEqual(self.acl_of(subnets["us-east-1b"])["NetworkAclId"], before["us-east-1b"])
        done = self.wait_status(experiment_id, ("completed", "failed"))
        self.assertEqual(done["state"]["status"], "completed", done["state"])
        self.assertEqual(done["actions"]["dark"]["state"]["status"], "completed")
        self.assertEqual(self.acl_of(subnets["us-east-1a"])["NetworkAclId"], before["us-east-1a"])
        with self.assertEc2Error("InvalidNetworkAclID.NotFound"):  # FIS's ACL is gone again
            self.ec2.describe_network_acls(NetworkAclIds=[drilled["NetworkAclId"]])

    def test_spot_interruption_drill_gives_notice_and_stop_ends_it(self):
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                          InstanceMarketOptions={"MarketType": "spot"})["Instances"][0]
        arn = "arn:aws:ec2:us-east-1:%s:instance/%s" % (instance["NetworkInterfaces"][0]["OwnerId"], instance["InstanceId"])
        template_id = self.template(
            {"Spot": {"resourceType": "aws:ec2:spot-instance", "resourceArns": [arn], "selectionMode": "ALL"}},
            {"interrupt": {"actionId": "aws:ec2:send-spot-instance-interruptions",
                           "parameters": {"durationBeforeInterruption": "PT5M"}, "targets": {"SpotInstances": "Spot"}}})
        experiment_id = self.start(template_id)
        self.wait_status(experiment_id, ("running",))
        request = lambda: self.ec2.describe_spot_instance_requests(
            SpotInstanceRequestIds=[instance["SpotInstanceRequestId"]])["SpotInstanceRequests"][0]
        self.wait_for(lambda: request()["Status"]["Code"] == "marked-for-termination", 10, "the notice")
        self.fis.stop_experiment(id=experiment_id)
        stopped = self.wait_status(experiment_id, ("stopped",))
        self.assertEqual(stopped["actions"]["interrupt"]["state"]["status"], "stopped")
        listed = self.fis.list_experiments()["experiments"]
        self.assertIn(experiment_id, [e["id"] for e in listed])
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])

    def test_templates_checked_and_a_role_fis_may_not_assume_fails_the_experiment(self):
        with self.assertEc2Error("ValidationException", status=400):
            self.template({}, {"a": {"actionId": "aws:ecs:stop-task", "targets": {}}})
        with self.assertEc2Error("ResourceNotFoundException", status=404):
            self.fis.get_experiment_template(id="EXTnotthere")
        actions = {a["id"] for a in self.fis.list_actions()["actions"]}
        self.assertLessEqual({"aws:ec2:stop-instances", "aws:ec2:send-spot-instance-interruptions",
                              "aws:network:disrupt-connectivity"}, actions)
        iam = self.server.client(service="iam")
        untrusting = iam.create_role(RoleName="not-for-fis", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        template_id = self.template({}, {"pause": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1S"}}})
        self.assertEqual(self.wait_status(self.start(template_id), ("completed", "failed"))["state"]["status"], "completed")
        zone_a = {"ZoneA": {"resourceType": "aws:ec2:subnet", "selectionMode": "ALL",
                            "parameters": {"availabilityZoneIdentifier": "us-east-1a"}}}
        cut = {"dark": {"actionId": "aws:network:disrupt-connectivity", "parameters": {"duration": "PT1S"},
                        "targets": {"Subnets": "ZoneA"}}}
        failed = self.wait_status(self.start(self.template(zone_a, cut, role=untrusting)), ("completed", "failed"))
        self.assertEqual(failed["state"]["status"], "failed")
        self.assertIn("sts:AssumeRole", failed["state"]["reason"])
        self.fis.delete_experiment_template(id=template_id)
        self.assertNotIn(template_id, [t["id"] for t in self.fis.list_experiment_templates()["experimentTemplates"]])


if __name__ == "__main__":
    unittest.main()
