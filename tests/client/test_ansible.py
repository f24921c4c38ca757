"""Ansible against stratus: Debian's `ansible-playbook` with the amazon.aws collection it bundles,
unmodified, runs tests/ansible/site.yml (a VPC, two subnets, an internet gateway, a public route
table, a security group with described rules, a key pair and a tagged Elastic IP in eu-west-1,
read back with the *_info modules) twice, the second run changing nothing; boto3 checks what it
made; tests/ansible/teardown.yml then runs twice, the second run changing nothing, and boto3
checks that the region is as it was before.

The steps run in order (test_1_... to test_6_...) on a server of the class's own; a step whose
predecessor failed is skipped (the teardown runs on whatever the first run left). Ansible's files
(local and remote temp dirs, config, collections path) live in a temporary directory removed
afterwards."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import ACCESS_KEY_ID, REPO_ROOT, SECRET_ACCESS_KEY, StratusServer, reap

ANSIBLE_PLAYBOOK = shutil.which("ansible-playbook")
PLAYBOOKS = os.path.join(REPO_ROOT, "tests", "ansible")
# Debian's ansible runs on the system Python, where python3-boto3 is.
MODULE_PYTHON = "/usr/bin/python3"
RUN_TIMEOUT = 600

# What tests/ansible/vars.yml and site.yml declare.
REGION = "eu-west-1"
PREFIX = "stratus-ansible"
VPC_CIDR = "10.42.0.0/16"
COMMON_TAGS = {"Project": "stratus-ansible", "Owner": "tests"}
SUBNETS = {  # Name tag: (cidr, zone, maps public IPs)
    PREFIX + "-public": ("10.42.1.0/24", "eu-west-1a", True),
    PREFIX + "-private": ("10.42.2.0/24", "eu-west-1b", False),
}

RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                   r"\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


class PlaybookRun:
    """One finished ansible-playbook run: exit code, output, PLAY RECAP counts, seconds."""

    def __init__(self, name, proc, seconds):
        self.name = name
        self.returncode = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.seconds = seconds
        found = RECAP.findall(proc.stdout)
        self.recap = dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                              map(int, found[-1]))) if found else None

    def tasks_with(self, status):
        """Names of the tasks that reported `status` ("changed", "failed"/"fatal", ...)."""
        names, task = [], None
        for line in self.output.splitlines():
            m = re.match(r"^TASK \[(.*)\] \*", line)
            if m:
                task = m.group(1)
            elif line.startswith(status + ":") and task is not None and task not in names:
                names.append(task)
        return names

    def describe(self):
        return "%s (exit %s, %.1f s, recap %s)\n%s" % (
            self.name, self.returncode, self.seconds, self.recap, self.output[-12000:])


@unittest.skipUnless(ANSIBLE_PLAYBOOK, "ansible-playbook is not installed (apt-get install ansible python3-boto3)")
class AnsiblePlaybookTest(unittest.TestCase):

    maxDiff = None
    passed = set()  # steps that passed, so later ones know they may run

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passed = set()
        cls.work = tempfile.mkdtemp(prefix="stratus-test-ansible-")
        cls.addClassCleanup(shutil.rmtree, cls.work, ignore_errors=True)
        server = StratusServer()
        cls.addClassCleanup(reap, server)
        server.start()
        cls.server = server
        cls.ec2 = server.client(REGION)
        cls.ec2_use1 = server.client("us-east-1")
        cls.baseline = cls.snapshot(cls.ec2)
        cls.baseline_use1 = cls.snapshot(cls.ec2_use1)

    # ------------------------------------------------------------------ helpers
    @classmethod
    def env(cls):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
        home = os.path.join(cls.work, "home")
        os.makedirs(os.path.join(home, "collections"), exist_ok=True)
        env.update({
            # The pinned root key; no profile, config or credentials file of the machine's.
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_CONFIG_FILE": os.path.join(cls.work, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cls.work, "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            # Ansible's files in the temporary directory; no ansible.cfg but an empty one; only
            # the collections the ansible package bundles (an empty collections path before them).
            "ANSIBLE_CONFIG": os.path.join(cls.work, "ansible.cfg"),
            "ANSIBLE_HOME": home,
            "ANSIBLE_LOCAL_TEMP": os.path.join(home, "tmp"),
            "ANSIBLE_REMOTE_TEMP": os.path.join(home, "remote-tmp"),
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(home, "collections"),
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        })
        open(env["ANSIBLE_CONFIG"], "a").close()
        return env

    def playbook(self, name):
        start = time.monotonic()
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, os.path.join(PLAYBOOKS, name),
             "-e", "stratus_endpoint=" + self.server.endpoint,
             "-e", "ansible_python_interpreter=" + MODULE_PYTHON],
            cwd=self.work, env=self.env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=RUN_TIMEOUT)
        return PlaybookRun(name, proc, time.monotonic() - start)

    def needs(self, step):
        if step not in type(self).passed:
            self.skipTest("an earlier step (%s) did not pass" % step)

    def step_passed(self):
        type(self).passed.add(self._testMethodName.split("_")[1])

    def assertRunSucceeded(self, run, changed_none=False):
        self.assertIsNotNone(run.recap, "no PLAY RECAP: " + run.describe())
        self.assertEqual(run.recap["failed"], 0, "failed tasks %s: %s" % (run.tasks_with("fatal"), run.describe()))
        self.assertEqual(run.recap["unreachable"], 0, run.describe())
        self.assertEqual(run.returncode, 0, run.describe())
        if changed_none:
            self.assertEqual(run.recap["changed"], 0,
                             "changed on a repeated run: %s: %s" % (run.tasks_with("changed"), run.describe()))
        else:
            self.assertGreater(run.recap["changed"], 0, run.describe())

    @staticmethod
    def snapshot(ec2):
        """Ids of everything the playbooks touch in a region, and every tag."""
        return {
            "vpcs": sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]),
            "subnets": sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]),
            "igws": sorted(g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]),
            "route_tables": sorted(r["RouteTableId"] for r in ec2.describe_route_tables()["RouteTables"]),
            "security_groups": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
            "key_pairs": sorted(k["KeyPairId"] for k in ec2.describe_key_pairs()["KeyPairs"]),
            "addresses": sorted(a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]),
            "tags": sorted((t["ResourceId"], t["Key"], t["Value"]) for t in ec2.describe_tags()["Tags"]),
        }

    def tags(self, resource):
        return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}

    def one(self, items, what):
        self.assertEqual(len(items), 1, "exactly one %s expected: %r" % (what, items))
        return items[0]

    # -------------------------------------------------------------------- steps
    def test_1_site_creates(self):
        run = self.playbook("site.yml")
        self.assertRunSucceeded(run)
        self.step_passed()

    def test_2_site_again_changes_nothing(self):
        self.needs("1")
        self.assertRunSucceeded(self.playbook("site.yml"), changed_none=True)
        self.step_passed()

    def test_3_made_what_the_playbook_says(self):
        self.needs("1")
        ec2 = self.ec2
        vpc = self.one(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [PREFIX + "-vpc"]}])["Vpcs"], "VPC")
        vpc_id = vpc["VpcId"]
        self.assertEqual(vpc["CidrBlock"], VPC_CIDR)
        self.assertFalse(vpc["IsDefault"])
        self.assertEqual(self.tags(vpc), dict(COMMON_TAGS, Name=PREFIX + "-vpc", Tier="network"))
        for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            self.assertTrue(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"], attribute)
        in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]

        subnets = {self.tags(s)["Name"]: s for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]}
        self.assertEqual(sorted(subnets), sorted(SUBNETS))
        for name, (cidr, zone, public) in SUBNETS.items():
            self.assertEqual((subnets[name]["CidrBlock"], subnets[name]["AvailabilityZone"],
                              subnets[name]["MapPublicIpOnLaunch"]), (cidr, zone, public), name)
            self.assertEqual(self.tags(subnets[name]), dict(COMMON_TAGS, Name=name))
        public_subnet = subnets[PREFIX + "-public"]["SubnetId"]

        igw = self.one(ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"], "internet gateway")
        self.assertEqual(igw["Attachments"], [{"State": "available", "VpcId": vpc_id}])
        self.assertEqual(self.tags(igw), dict(COMMON_TAGS, Name=PREFIX + "-igw"))

        tables = ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
        self.assertEqual(len(tables), 2, tables)
        main = self.one([t for t in tables if any(a.get("Main") for a in t["Associations"])], "main route table")
        public = self.one([t for t in tables if t is not main], "public route table")
        self.assertEqual(self.tags(public), dict(COMMON_TAGS, Name=PREFIX + "-public"))
        self.assertEqual(sorted((r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in public["Routes"]),
                         [("0.0.0.0/0", igw["InternetGatewayId"], "active"), (VPC_CIDR, "local", "active")])
        self.assertEqual([(a["SubnetId"], a["AssociationState"]["State"]) for a in public["Associations"]],
                         [(public_subnet, "associated")])
        self.assertEqual([r["GatewayId"] for r in main["Routes"]], ["local"])
        self.assertEqual([a.get("SubnetId") for a in main["Associations"]], [None])

        groups = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]}
        self.assertEqual(sorted(groups), ["default", PREFIX + "-web"])
        web = groups[PREFIX + "-web"]
        self.assertEqual(web["Description"], "Web servers (stratus ansible test)")
        self.assertEqual(self.tags(web), dict(COMMON_TAGS, Name=PREFIX + "-web"))
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [web["GroupId"]]}])["SecurityGroupRules"]
        got = sorted((r["IsEgress"], r["IpProtocol"], r["FromPort"], r["ToPort"],
                      r.get("CidrIpv4") or r.get("ReferencedGroupInfo", {}).get("GroupId"), r.get("Description"))
                     for r in rules)
        self.assertEqual(got, sorted([
            (False, "tcp", 80, 80, "0.0.0.0/0", "http and https from anywhere"),
            (False, "tcp", 443, 443, "0.0.0.0/0", "http and https from anywhere"),
            (False, "tcp", 22, 22, "192.0.2.0/24", "ssh from the admin network"),
            (False, "icmp", 8, -1, VPC_CIDR, "ping from the VPC"),
            (False, "tcp", 8080, 8089, web["GroupId"], "app ports between members"),
            (True, "tcp", 443, 443, "0.0.0.0/0", "https out"),
            (True, "udp", 53, 53, "10.42.0.2/32", "dns to the VPC resolver"),
        ]))

        key = self.one(ec2.describe_key_pairs(KeyNames=[PREFIX + "-key"])["KeyPairs"], "key pair")
        self.assertEqual(key["KeyType"], "ed25519")
        self.assertEqual(self.tags(key), COMMON_TAGS)

        address = self.one(ec2.describe_addresses(
            Filters=[{"Name": "tag:Name", "Values": [PREFIX + "-eip"]}])["Addresses"], "Elastic IP")
        self.assertEqual(address["Domain"], "vpc")
        self.assertNotIn("AssociationId", address)
        self.assertEqual(self.tags(address), dict(COMMON_TAGS, Name=PREFIX + "-eip"))

        # Nothing else came about: one of each (two subnets), in eu-west-1 only.
        now = self.snapshot(ec2)
        added = {kind: sorted(set(now[kind]) - set(self.baseline[kind])) for kind in now if kind != "tags"}
        self.assertEqual({kind: len(ids) for kind, ids in added.items()},
                         {"vpcs": 1, "subnets": 2, "igws": 1, "route_tables": 2, "security_groups": 2,
                          "key_pairs": 1, "addresses": 1})
        self.assertEqual(self.snapshot(self.ec2_use1), self.baseline_use1, "us-east-1 was touched")

    def test_4_teardown_removes(self):
        self.assertRunSucceeded(self.playbook("teardown.yml"))
        self.step_passed()

    def test_5_teardown_again_changes_nothing(self):
        self.needs("4")
        self.assertRunSucceeded(self.playbook("teardown.yml"), changed_none=True)

    def test_6_nothing_left(self):
        self.needs("4")
        self.assertEqual(self.snapshot(self.ec2), self.baseline)
        self.assertEqual(self.snapshot(self.ec2_use1), self.baseline_use1)


if __name__ == "__main__":
    unittest.main()
