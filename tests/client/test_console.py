"""The web console in a real browser (Debian's Chromium driven by playwright-core from npm, see
console/tests/), against a server of its own whose AMI is a stand-in (instances stay pending):
the console's files are served at /_stratus/console/; the root signs in with its access key and
sees its instance, filters the list and switches region; a user with AmazonEC2ReadOnlyAccess sees
the same list and is plainly denied when it tries to terminate (the instance stays); a user with a
console password (login profile) must give it to sign in; Connect's
presigned WebSocket is refused with the API's errors (not running; not allowed). With a real VM
(ConsoleVmTest): launched from the wizard, Connect's terminal reads the instance id from IMDS, the
serial console reaches the login prompt, stopped and terminated from the list. Screenshots
of each step are kept in build/test-output/console/."""

import json
import os
import shutil
import subprocess
import unittest
import urllib.request

from harness import (ACCESS_KEY_ID, ACCOUNT_ID, REPO_ROOT, SECRET_ACCESS_KEY, StandInImageTestCase, VmTestCase,
                     skip_unless_vms)

CONSOLE_TESTS = os.path.join(REPO_ROOT, "console", "tests")
SHOTS = os.path.join(REPO_ROOT, "build", "test-output", "console")
ROOT = {"accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_ACCESS_KEY}


def browser_test(script, test_input, timeout=180):
    """Runs console/tests/`script` with `test_input` (JSON); its last output line, parsed."""
    proc = subprocess.run(["node", script, json.dumps(test_input)], cwd=CONSOLE_TESTS, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError("%s failed:\n%s\n%s" % (script, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def shots_dir(name):
    """The folder of one browser test's screenshots, made empty."""
    path = os.path.join(SHOTS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class ConsoleTest(StandInImageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = cls.server.endpoint + "/_stratus/console/"
        cls.viewer = cls.read_only_user()

    @classmethod
    def read_only_user(cls):
        """A user with AmazonEC2ReadOnlyAccess: its access key as the browser tests take it."""
        iam = cls.server.client(service="iam")
        iam.create_user(UserName="viewer")
        iam.attach_user_policy(UserName="viewer", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        key = iam.create_access_key(UserName="viewer")["AccessKey"]
        return {"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}

    def test_files_are_served(self):
        with urllib.request.urlopen(self.url) as answer:
            self.assertEqual(answer.headers["Content-Type"], "text/html; charset=utf-8")
            self.assertIn(b'<script type="module" src="app.js">', answer.read())
        with urllib.request.urlopen(self.url + "app.js") as answer:
            self.assertEqual(answer.headers["Content-Type"], "text/javascript; charset=utf-8")

    def test_every_view_as_root(self):
        result = browser_test("views_tour.mjs", {"url": self.url, "shots": shots_dir("views"), "root": ROOT})
        instance = self.ec2.describe_instances(InstanceIds=[result["instanceId"]])["Reservations"][0]["Instances"][0]
        self.assertEqual(instance["Tags"], [{"Key": "Name", "Value": "from-the-wizard"}])
        self.assertEqual(self.ec2.describe_volumes(VolumeIds=[result["volumeId"]])["Volumes"][0]["Size"], 1)
        snapshots = self.ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [result["volumeId"]]}])
        self.assertEqual([s["Description"] for s in snapshots["Snapshots"]], ["from the console"])
        self.assertEqual(self.ec2.describe_addresses(Filters=[{"Name": "public-ip", "Values": [result["ip"]]}])["Addresses"], [])

    def test_instances_view_signed_in_as_root_then_read_only(self):
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                          TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                              {"Key": "Name", "Value": "web-1"}]}])["Instances"][0]["InstanceId"]
        result = browser_test("instances_view.mjs", {
            "url": self.url, "instanceId": instance, "shots": shots_dir("read-only"), "readOnly": self.viewer,
            "root": ROOT})
        self.assertIn(":user/viewer is not authorized to perform: ec2:TerminateInstances", result["denial"])
        state = self.ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]
        self.assertNotIn(state["Name"], ("shutting-down", "terminated"))
        self.assertTrue(os.path.isfile(os.path.join(SHOTS, "read-only", "04-read-only-denied.png")))

        # Connect: the presigned WebSocket is authorized as whoever signed in, and refused with
        # the API's errors (no guest boots here).
        result = browser_test("connect_refusals.mjs", {
            "url": self.url, "instanceId": instance, "shots": shots_dir("connect-refusals"), "root": ROOT,
            "readOnly": self.viewer})
        self.assertIn("EC2InstanceStateInvalidException: Instance %s is not in a valid state (pending)" % instance,
                      result["notRunning"])
        self.assertIn("AccessDeniedException: User: arn:aws:iam::%s:user/viewer is not authorized to perform: "
                      "ec2-instance-connect:SendSSHPublicKey" % ACCOUNT_ID, result["denied"])
        self.assertIn("SerialConsoleAccessDisabledException: Your account is not authorized to use the EC2 Serial "
                      "Console", result["serialDisabled"])

    def test_sign_in_asks_for_a_users_console_password(self):
        iam = self.server.client(service="iam")
        iam.create_user(UserName="operator")
        iam.attach_user_policy(UserName="operator", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        iam.create_login_profile(UserName="operator", Password="Op3rator-pass")
        key = iam.create_access_key(UserName="operator")["AccessKey"]
        result = browser_test("sign_in.mjs", {
            "url": self.url, "password": "Op3rator-pass", "shots": shots_dir("sign-in"),
            "user": {"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}})
        self.assertIn("Sign-in failed: PasswordRequired: IAM user operator has a console password",
                      result["withoutPassword"])
        self.assertIn("Sign-in failed: InvalidPassword", result["wrongPassword"])
        self.assertEqual(result["identity"], "arn:aws:iam::%s:user/operator" % ACCOUNT_ID)

    def test_serial_console_access_setting(self):
        self.assertFalse(self.ec2.get_serial_console_access_status()["SerialConsoleAccessEnabled"])
        self.assertTrue(self.ec2.enable_serial_console_access()["SerialConsoleAccessEnabled"])
        self.assertTrue(self.ec2.get_serial_console_access_status()["SerialConsoleAccessEnabled"])
        other_region = self.server.client("eu-west-1")
        self.assertFalse(other_region.get_serial_console_access_status()["SerialConsoleAccessEnabled"])
        self.assertFalse(self.ec2.disable_serial_console_access()["SerialConsoleAccessEnabled"])
        self.assertFalse(self.ec2.get_serial_console_access_status()["SerialConsoleAccessEnabled"])


@skip_unless_vms
class ConsoleVmTest(VmTestCase):
    """The console with a real VM: launch from the wizard, watch it reach running, Connect and read
    the instance's id from IMDS in the page's terminal, stop and terminate it from the list."""

    def test_launch_connect_stop_terminate(self):
        self.ec2.enable_serial_console_access()
        group = self.ec2.create_security_group(GroupName="ssh", Description="ssh from anywhere")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        result = browser_test("vm_session.mjs", {
            "url": self.server.endpoint + "/_stratus/console/", "root": ROOT, "group": group,
            "shots": shots_dir("vm-session")}, timeout=1200)
        self.assertIn("login:", result["serialText"])
        instance = self.describe(result["instanceId"])
        self.assertEqual(instance["State"]["Name"], "terminated")
        self.assertEqual(instance["Tags"], [{"Key": "Name", "Value": "console-e2e"}])
        self.assertEqual([g["GroupId"] for g in instance["SecurityGroups"]], [group])


if __name__ == "__main__":
    unittest.main()
