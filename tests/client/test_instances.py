"""Real instances end to end (TCG here, so minutes): run-instances with a created key pair and
user data (restored from the warm pool's saved state); wait for running and status ok; `ssh -i k.pem ec2-user@PUBLIC_IP` from the host;
user data ran once; IMDS v1 and v2 from inside; EC2 Instance Connect from the aws CLI (a pushed key
logs in, no longer once expired; a user without the permission is denied); stopped by a budget action once its cost passes a
tiny budget (disk kept, public IP released), start
(a cold boot of the same machine: its host key and machine-id; a new public IP, user data not run
again; the type and user data changed while stopped show inside), reboot (a new boot id), `sudo
shutdown -h now` (stopped; terminated when InstanceInitiatedShutdownBehavior says so, keeping a
DeleteOnTermination=false root volume), terminate (VM, disk, NIC, VPC and edge plumbing gone). Instance roles: no credentials inside without a
profile; a developer with AmazonEC2FullAccess cannot launch with a profile until granted iam:PassRole
on its role (the refusal's encoded message decodes); inside, the base image's aws CLI is the
role's session (`sts get-caller-identity`) and may do what the role allows and no more; after
DisassociateIamInstanceProfile the credentials are gone. S3 with the role: `aws s3 cp` up and down and
`aws s3 ls` on the bucket the role allows, another bucket denied, a bucket policy's Deny winning over
the role, a policy condition on aws:SourceVpc holding inside the VPC, the VPC's resolver naming S3
at its in-VPC address where S3 answers and where the base image's CLI sends S3 calls, nothing
without the profile. The AMI round trip: a package installed
(from a .deb built in the guest) and a file written, CreateImage with its default reboot (the
guest goes down while its disks are read, then boots again), a launch from the AMI in another
zone that has the package and the files; deregistered and its snapshots deleted, the block store
holds the base image's blocks alone again (its amazon-owned snapshot, imported at start-up). Needs root, QEMU and a built base image (`stratus image build`)."""

import json
import os
import subprocess
import time
import unittest

from harness import AwsCliError, VmTestCase, skip_unless_vms, ssh_run

USER_DATA = "#!/bin/bash\necho ran >> /var/tmp/user-data-runs\n"
# Installs a package of its own (no network here: built in the guest with dpkg-deb) and leaves a
# file: what an AMI made from the instance must carry.
CONFIGURE = ("mkdir -p /tmp/probe/DEBIAN && printf 'Package: stratus-probe\\nVersion: 1.0\\nArchitecture: all\\n"
             "Maintainer: stratus <stratus@localhost>\\nDescription: probe\\n' > /tmp/probe/DEBIAN/control && "
             "dpkg-deb --build /tmp/probe /tmp/probe.deb >/dev/null && sudo dpkg -i /tmp/probe.deb >/dev/null && "
             "echo configured | sudo tee /etc/stratus-configured >/dev/null && sync")
SECOND_USER_DATA = "#!/bin/bash\necho second >> /var/tmp/user-data-runs\n"
# Inside an instance: the base image's aws CLI (its config written by cloud-init from the metadata
# service), with whatever credentials the metadata service hands out; prints the exit status last.
INSIDE_AWS = "aws --output json %s 2>&1; echo rc=$?"
# The machine's identity, which a cold boot of its own disk keeps: its SSH host key and machine-id.
MACHINE = "sudo cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub; cat /etc/machine-id"
CREDENTIALS_STATUS = "curl -s -o /dev/null -w '%{http_code}\\n' http://169.254.169.254/latest/meta-data/iam/security-credentials/"
TRUST_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@skip_unless_vms
class InstanceLifecycleTest(VmTestCase):

    def developer_and_role(self):
        """A user `dev` with AmazonEC2FullAccess (and a client signing as it), and a role `reader`
        EC2 may assume whose policy allows EC2 reads, in instance profile `reader-profile`."""
        self.iam = self.server.client(service="iam")
        self.iam.create_user(UserName="dev")
        self.iam.attach_user_policy(UserName="dev", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2FullAccess")
        key = self.iam.create_access_key(UserName="dev")["AccessKey"]
        role_arn = self.iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST_EC2)["Role"]["Arn"]
        self.iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::allowed-bucket/*"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::allowed-bucket"}]}))
        # The buckets the role's instance reaches: its own, whose policy denies one prefix to
        # everyone, and another it has no permission on.
        s3 = self.server.client(service="s3")
        for bucket in ("allowed-bucket", "other-bucket"):
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="seed.txt", Body=b"seeded by the host\n")
        s3.put_object(Bucket="allowed-bucket", Key="denied/secret.txt", Body=b"secret\n")
        s3.put_object(Bucket="allowed-bucket", Key="vpc-only/note.txt", Body=b"from inside the VPC\n")
        vpc = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        s3.put_bucket_policy(Bucket="allowed-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::allowed-bucket/denied/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::allowed-bucket/vpc-only/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpc": vpc}}}]}))
        self.iam.create_instance_profile(InstanceProfileName="reader-profile")
        self.iam.add_role_to_instance_profile(InstanceProfileName="reader-profile", RoleName="reader")
        return self.server.client(access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"]), role_arn

    def push_instance_connect_key(self, instance_id, env=None):
        """Makes a new Ed25519 key and pushes it for ec2-user of `instance_id` with
        `aws ec2-instance-connect send-ssh-public-key` (as `env`'s caller, else the root); returns
        the private key's path. Raises AwsCliError when the CLI fails."""
        path = os.path.join(self.server.log_dir, "eic-%d" % time.monotonic_ns())
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
        answer = self.server.aws("ec2-instance-connect", "send-ssh-public-key", "--instance-id", instance_id,
                                 "--instance-os-user", "ec2-user", "--ssh-public-key", "file://" + path + ".pub",
                                 env=env)
        self.assertTrue(answer["Success"])
        return path

    def user_env(self, name, managed_policy):
        """The aws CLI's environment signing as a new IAM user `name` with AWS managed policy
        `managed_policy` attached."""
        iam = self.server.client(service="iam")
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/" + managed_policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        # Credentials in the environment win over the profile's; the profile still gives the endpoint.
        return dict(self.server.cli_env(), AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                    AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])

    def budget_guard(self):
        """A $1 monthly budget on the cost of instances tagged Name=e2e, whose action stops them as role
        `budget-stopper` once that cost passes $0.0001; the Budgets client. Sets self.guard_action."""
        iam = self.server.client(service="iam")
        role = iam.create_role(RoleName="budget-stopper", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "budgets.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.put_role_policy(RoleName="budget-stopper", PolicyName="stop", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}]}))
        budgets = self.server.client(service="budgets")
        account = self.server.client(service="sts").get_caller_identity()["Account"]
        budgets.create_budget(AccountId=account, Budget={
            "BudgetName": "e2e-guard", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST", "CostFilters": {"TagKeyValue": ["user:Name$e2e"]}})
        action_id = budgets.create_budget_action(
            AccountId=account, BudgetName="e2e-guard", NotificationType="ACTUAL", ActionType="RUN_SSM_DOCUMENTS",
            ActionThreshold={"ActionThresholdValue": 0.0001, "ActionThresholdType": "ABSOLUTE_VALUE"},
            Definition={"SsmActionDefinition": {"ActionSubType": "STOP_EC2_INSTANCES", "Region": "us-east-1",
                                                "InstanceIds": ["tag:Name=e2e"]}},
            ExecutionRoleArn=role, ApprovalModel="AUTOMATIC",
            Subscribers=[{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}])["ActionId"]
        self.guard_action = dict(AccountId=account, BudgetName="e2e-guard", ActionId=action_id)
        return budgets

    def test_lifecycle(self):
        self.create_key("e2e")
        image = self.base_image()

        # Security groups are enforced: SSH from the host needs a rule that allows it.
        ssh_group = self.ec2.create_security_group(GroupName="ssh", Description="ssh from anywhere")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=ssh_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        reservation = self.ec2.run_instances(
            ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="e2e",
            SecurityGroupIds=[ssh_group], UserData=USER_DATA, TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "e2e"}]}])
        instance_id = reservation["Instances"][0]["InstanceId"]
        self.assertEqual(reservation["Instances"][0]["State"]["Name"], "pending")
        self.waiter("instance_running", instance_id)
        self.waiter("instance_status_ok", instance_id)
        instance = self.describe(instance_id)
        self.assertEqual(instance["Tags"], [{"Key": "Name", "Value": "e2e"}])
        self.assertRegex(instance["PublicIpAddress"], r"^198\.19\.\d+\.\d+$")
        first_public_ip = instance["PublicIpAddress"]

        self.wait_ssh(instance)
        out = self.ssh(instance, "cloud-init status --wait >/dev/null; cat /var/tmp/user-data-runs; "
                                 "curl -s http://169.254.169.254/latest/meta-data/instance-id; echo; "
                                 "T=$(curl -s -X PUT http://169.254.169.254/latest/api/token "
                                 "-H 'X-aws-ec2-metadata-token-ttl-seconds: 60'); "
                                 "curl -s -H \"X-aws-ec2-metadata-token: $T\" "
                                 "http://169.254.169.254/latest/meta-data/local-ipv4; echo; "
                                 "curl -s http://169.254.169.254/latest/meta-data/public-ipv4; echo; "
                                 "echo kept > /home/ec2-user/disk-check; sync; " + MACHINE, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines()[:4],
                         ["ran", instance_id, instance["PrivateIpAddress"], first_public_ip])
        machine = out.stdout.splitlines()[4:]

        # Without an instance profile there are no credentials inside, only the instance's identity.
        out = self.ssh(instance, CREDENTIALS_STATUS + "; " + INSIDE_AWS % "sts get-caller-identity", timeout=120)
        self.assertEqual(out.stdout.splitlines()[0], "404", out.stdout)
        self.assertIn("Unable to locate credentials", out.stdout)
        self.assertTrue(out.stdout.strip().endswith("rc=253"), out.stdout)
        out = self.ssh(instance, "curl -s http://169.254.169.254/latest/meta-data/identity-credentials/ec2/"
                                 "security-credentials/ec2-instance")
        identity = json.loads(out.stdout)
        sts = self.server.client(service="sts", access_key=identity["AccessKeyId"],
                                 secret_key=identity["SecretAccessKey"], session_token=identity["Token"])
        self.assertEqual(sts.get_caller_identity()["Arn"].split(":assumed-role/")[1], "aws:ec2-instance/" + instance_id)
        with self.assertEc2Error("UnauthorizedOperation"):  # it proves who the instance is, and may do nothing
            self.server.client(access_key=identity["AccessKeyId"], secret_key=identity["SecretAccessKey"],
                               session_token=identity["Token"]).describe_instances()

        # EC2 Instance Connect from the aws CLI: a fresh key pushed for ec2-user logs in (within its
        # 60 s; checked again after the stop and start below, once they have passed); a user
        # without ec2-instance-connect:SendSSHPublicKey is denied.
        eic_key = self.push_instance_connect_key(instance_id)
        eic_expires = time.monotonic() + 60
        out = ssh_run(eic_key, instance["PublicIpAddress"], "whoami")
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "ec2-user"), out.stderr)
        with self.assertRaises(AwsCliError) as denied:
            self.push_instance_connect_key(instance_id, env=self.user_env("no-connect", "AmazonEC2ReadOnlyAccess"))
        self.assertIn("AccessDeniedException", denied.exception.proc.stderr)

        console = self.ec2.get_console_output(InstanceId=instance_id, Latest=True)
        self.assertEqual(console["InstanceId"], instance_id)
        self.assertIn("Cloud-init v.", console["Output"])  # botocore decodes the base64
        self.assertIn("stratus-warm-agent: %s: ssh up" % instance_id, console["Output"], "not restored")

        # kill -9 of `stratus serve`: the VM runs on, and the new process re-adopts it (the
        # metadata service answers again once its listener is back).
        self.server.restart(kill=True)
        self.assertEqual(self.describe(instance_id)["State"]["Name"], "running")
        for _ in range(30):
            out = self.ssh(instance, "curl -s -m 2 http://169.254.169.254/latest/meta-data/instance-id")
            if out.stdout.strip() == instance_id:
                break
            time.sleep(1)
        self.assertEqual(out.stdout.strip(), instance_id)

        # A budget action stops it: the budget counts this instance's cost (by its Name tag), and the
        # action stops the instances so tagged once that passes $0.0001, as a role Budgets assumes.
        guard = self.budget_guard()
        self.waiter("instance_stopped", instance_id)
        histories = guard.describe_budget_action_histories(**self.guard_action)["ActionHistories"]
        self.assertEqual(histories[-1]["Status"], "EXECUTION_SUCCESS")
        self.assertEqual(histories[-1]["ActionHistoryDetails"]["Message"], "Stopped %s." % instance_id)
        self.assertLessEqual((histories[-1]["Timestamp"] - histories[0]["Timestamp"]).total_seconds(), 60)
        self.assertNotIn("PublicIpAddress", self.describe(instance_id))
        # The guest heard the power button and shut down cleanly (not killed after the grace time).
        self.assertIn("reboot: Power down", self.ec2.get_console_output(InstanceId=instance_id)["Output"])
        with self.assertEc2Error("IncorrectInstanceState"):
            self.ec2.reboot_instances(InstanceIds=[instance_id])

        # While stopped, the instance type and user data may change (only then, as on AWS).
        self.ec2.modify_instance_attribute(InstanceId=instance_id, InstanceType={"Value": "t3.micro"})
        self.ec2.modify_instance_attribute(InstanceId=instance_id, UserData={"Value": SECOND_USER_DATA.encode()})
        self.ec2.start_instances(InstanceIds=[instance_id])
        self.waiter("instance_running", instance_id)
        instance = self.describe(instance_id)
        self.assertEqual(instance["InstanceType"], "t3.micro")
        self.assertNotEqual(instance["PublicIpAddress"], first_public_ip)
        self.wait_ssh(instance)
        out = self.ssh(instance, "cloud-init status --wait >/dev/null; cat /var/tmp/user-data-runs "
                                 "/home/ec2-user/disk-check; nproc; "
                                 "curl -s http://169.254.169.254/latest/meta-data/instance-type; echo; "
                                 "curl -s http://169.254.169.254/latest/user-data; " + MACHINE, timeout=300)
        # User data ran once (not again for the new user data); the disk was kept; the VM has
        # the new type's two vCPUs; the metadata service shows the new type and user data; the
        # restored machine booted cold is the same machine.
        self.assertEqual(out.stdout.splitlines(),
                         ["ran", "kept", "2", "t3.micro"] + SECOND_USER_DATA.splitlines() + machine)
        # Once 60 s have passed, the Instance Connect key has expired: sshd no longer takes it.
        time.sleep(max(0.0, eic_expires - time.monotonic()))
        out = ssh_run(eic_key, instance["PublicIpAddress"], "true")
        self.assertEqual(out.returncode, 255, out.stdout)
        self.assertIn("Permission denied", out.stderr)

        # RebootInstances really reboots the guest, cleanly (its init shuts down and restarts it).
        boot_id = self.boot_id(instance)
        self.assertTrue(boot_id)
        self.ec2.reboot_instances(InstanceIds=[instance_id])
        self.assertEqual(self.describe(instance_id)["State"]["Name"], "running")
        self.wait_for(lambda: self.boot_id(instance) not in ("", boot_id), 300, "the guest did not reboot")
        self.assertIn("reboot: Restarting system", self.ec2.get_console_output(InstanceId=instance_id)["Output"])

        # The configured instance becomes an AMI; its default reboot takes the guest down while
        # its disks are read, and it comes back by itself.
        configured = self.ssh(instance, CONFIGURE, timeout=120)
        self.assertEqual(configured.returncode, 0, configured.stderr)
        blocks = os.path.join(self.server.data_dir, "blocks")
        stored = lambda: sum(len(files) for _, _, files in os.walk(blocks))
        base = self.ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        self.wait_for(lambda: self.ec2.describe_snapshots(SnapshotIds=[base])["Snapshots"][0]["State"] == "completed",
                      120, "the base image's snapshot was not imported")
        blocks_before = stored()  # the base image's
        boot_id = self.boot_id(instance)
        image_id = self.ec2.create_image(InstanceId=instance_id, Name="e2e-configured",
                                         Description="configured by test_instances")["ImageId"]
        self.ec2.get_waiter("image_available").wait(ImageIds=[image_id], WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        self.assertEqual(self.describe(instance_id)["State"]["Name"], "running")
        self.wait_for(lambda: self.boot_id(instance) not in ("", boot_id), 300, "the guest did not come back")
        ami = self.ec2.describe_images(ImageIds=[image_id])["Images"][0]
        self.assertEqual((ami["SourceInstanceId"], ami["RootDeviceName"]), (instance_id, "/dev/xvda"))

        # `sudo shutdown -h now` inside: stopped, and the public IP is given back.
        self.shut_down_from_inside(instance)
        self.waiter("instance_stopped", instance_id)
        stopped = self.describe(instance_id)
        self.assertIn("InstanceInitiatedShutdown", stopped["StateTransitionReason"])
        self.assertNotIn("PublicIpAddress", stopped)
        root_volume = stopped["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]

        # A second instance, from the AMI in another zone: the package and the files are there.
        # A developer launches it with an instance profile: that takes iam:PassRole on its role.
        dev, role_arn = self.developer_and_role()
        launch = dict(ImageId=image_id, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="e2e",
                      SecurityGroupIds=[ssh_group], Placement={"AvailabilityZone": "us-east-1b"},
                      IamInstanceProfile={"Name": "reader-profile"})
        with self.assertEc2Error("UnauthorizedOperation") as raised:
            dev.run_instances(**launch)
        message = raised.exception.response["Error"]["Message"]
        self.assertIn("iam:PassRole on resource: " + role_arn, message)
        decoded = json.loads(self.server.client(service="sts").decode_authorization_message(
            EncodedMessage=message.split("Encoded authorization failure message: ")[1])["DecodedMessage"])
        self.assertEqual((decoded["allowed"], decoded["context"]["action"]), (False, "iam:PassRole"))
        self.iam.put_user_policy(UserName="dev", PolicyName="pass-reader", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn}]}))
        other_id = dev.run_instances(**launch)["Instances"][0]["InstanceId"]
        self.waiter("instance_running", other_id)
        other = self.describe(other_id)
        self.wait_ssh(other)
        out = self.ssh(other, "cat /etc/stratus-configured /home/ec2-user/disk-check; "
                              "dpkg-query -W -f='${Status}\\n' stratus-probe", timeout=120)
        self.assertEqual(out.stdout.splitlines(), ["configured", "kept", "install ok installed"], out.stderr)
        # Inside, the aws CLI has the role's credentials from the metadata service, and may do
        # what the role's policy allows (EC2 reads) and nothing else.
        out = self.ssh(other, "cloud-init status --wait >/dev/null; " + INSIDE_AWS % "sts get-caller-identity" + "; " +
                       INSIDE_AWS % ("ec2 describe-instances --instance-ids " + other_id) + "; " +
                       INSIDE_AWS % "ec2 create-vpc --cidr-block 10.7.0.0/16", timeout=300)
        account = self.server.client(service="sts").get_caller_identity()["Account"]
        self.assertIn('"Arn": "arn:aws:sts::%s:assumed-role/reader/%s"' % (account, other_id), out.stdout)
        self.assertIn('"InstanceId": "%s"' % other_id, out.stdout)
        self.assertIn("UnauthorizedOperation", out.stdout)
        self.assertEqual([line for line in out.stdout.splitlines() if line.startswith("rc=")],
                         ["rc=0", "rc=0", "rc=254"], out.stdout)
        # S3 with the role and no keys on the instance: up and down and a listing of its bucket;
        # the other bucket is denied, and so is the prefix the bucket policy denies.
        out = self.ssh(other, "echo written-inside > /tmp/up.txt; " +
                       INSIDE_AWS % "s3 cp /tmp/up.txt s3://allowed-bucket/from-instance.txt" + "; " +
                       INSIDE_AWS % "s3 cp s3://allowed-bucket/seed.txt /tmp/down.txt" + "; cat /tmp/down.txt; " +
                       INSIDE_AWS % "s3 cp s3://allowed-bucket/vpc-only/note.txt -" + "; " +
                       INSIDE_AWS % "s3 ls s3://allowed-bucket/" + "; " +
                       INSIDE_AWS % "s3 ls s3://other-bucket/" + "; " +
                       INSIDE_AWS % "s3 cp s3://allowed-bucket/denied/secret.txt /tmp/secret.txt" + "; " +
                       # The VPC's resolver names S3 for the region, at S3's in-VPC address.
                       "getent hosts allowed-bucket.s3.us-east-1.amazonaws.com; "
                       "curl -s http://s3.us-east-1.amazonaws.com/allowed-bucket/seed.txt; echo; "
                       # The base image's CLI sends S3 calls to that name.
                       "echo s3-by-name=$(aws --debug s3 ls s3://allowed-bucket/ 2>&1 | "
                       "grep -c 'url=http://[a-z.-]*s3.us-east-1.amazonaws.com')", timeout=300)
        codes = [line for line in out.stdout.splitlines() if line.startswith("rc=")]
        self.assertEqual(codes[:4], ["rc=0", "rc=0", "rc=0", "rc=0"], out.stdout)
        self.assertNotIn("rc=0", codes[4:], out.stdout)
        self.assertIn("seeded by the host", out.stdout)
        self.assertIn("from inside the VPC", out.stdout)  # aws:SourceVpc is the instance's VPC
        self.assertIn("169.254.171.1", out.stdout)
        self.assertIn("<Code>AccessDenied</Code>", out.stdout)  # S3 answers there (an unsigned request)
        self.assertNotIn("s3-by-name=0", out.stdout)
        self.assertIn("s3-by-name=", out.stdout)
        self.assertIn("from-instance.txt", out.stdout)
        self.assertGreaterEqual(out.stdout.count("AccessDenied") + out.stdout.count("403"), 2, out.stdout)
        host_s3 = self.server.client(service="s3")
        self.assertEqual(host_s3.get_object(Bucket="allowed-bucket", Key="from-instance.txt")["Body"].read(),
                         b"written-inside\n")
        # Without the profile, the credentials are gone at once.
        [association] = self.ec2.describe_iam_instance_profile_associations(
            Filters=[{"Name": "instance-id", "Values": [other_id]}])["IamInstanceProfileAssociations"]
        self.ec2.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])
        out = self.ssh(other, CREDENTIALS_STATUS + "; " + INSIDE_AWS % "sts get-caller-identity" + "; " +
                       INSIDE_AWS % "s3 ls s3://allowed-bucket/", timeout=120)
        self.assertEqual(out.stdout.splitlines()[0], "404", out.stdout)
        codes = [line for line in out.stdout.splitlines() if line.startswith("rc=")]
        self.assertEqual(codes[0], "rc=253", out.stdout)
        self.assertNotEqual(codes[1], "rc=0", out.stdout)
        # With InstanceInitiatedShutdownBehavior=terminate a shutdown inside terminates; a root
        # volume whose DeleteOnTermination is false is kept.
        self.ec2.modify_instance_attribute(InstanceId=other_id, InstanceInitiatedShutdownBehavior={"Value": "terminate"})
        self.ec2.modify_instance_attribute(InstanceId=other_id, BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}])
        volume_id = other["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        self.shut_down_from_inside(other)
        # Terminated through the API while stopped, its disk goes with it.
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        self.waiter("instance_terminated", instance_id)
        self.waiter("instance_terminated", other_id)
        self.wait_for(lambda: self.volume(volume_id)["State"] == "available", 30, "the kept root volume is not available")
        self.assertTrue(os.path.isfile(os.path.join(self.server.data_dir, "volumes", volume_id + ".qcow2")),
                        "the root volume with DeleteOnTermination=false was not kept")
        self.wait_for(lambda: not self.ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [root_volume]}])[
            "Volumes"], 30, "the root volume of the instance terminated through the API stayed")

        run_dirs = [os.path.join(self.server.data_dir, "instances", i) for i in (instance_id, other_id)]
        netns = "/run/netns/stratus-" + instance["VpcId"]
        edge = "/run/netns/" + self.server.network_slot()["edge_netns"]
        self.wait_for(lambda: not any(map(os.path.exists, run_dirs + [netns, edge])), 30, "plumbing stayed")
        self.assertFalse(os.path.exists(run_dirs[0]), "the root volume overlay was not deleted")
        self.assertFalse(os.path.exists(netns), "the VPC namespace stayed")
        self.assertFalse(os.path.exists(edge), "the edge namespace stayed")
        for i in (instance_id, other_id):
            ps = subprocess.run(["pgrep", "-f", "qemu-system-x86_64 -name " + i], capture_output=True, text=True)
            self.assertEqual(ps.stdout.strip(), "", "a QEMU process is still running")
        with self.assertEc2Error("IncorrectInstanceState"):
            self.ec2.start_instances(InstanceIds=[instance_id])

        # Deregistered and its snapshots deleted, the AMI leaves no block behind (what it shares
        # with the base image's snapshot stays with that).
        self.ec2.deregister_image(ImageId=image_id)
        for mapping in ami["BlockDeviceMappings"]:
            self.ec2.delete_snapshot(SnapshotId=mapping["Ebs"]["SnapshotId"])
        self.wait_for(lambda: stored() == blocks_before, 30, "the AMI's blocks stayed")


if __name__ == "__main__":
    unittest.main()
