"""What a hostile or careless client can send (issue 9): characters XML cannot carry, names
deeper than the model, oversized tag sets, descriptions beyond AWS's limits, and a restart on a
full disk. Each case asserts the AWS error and that nothing changed."""

import json
import os
import shutil
import sqlite3
import subprocess
import unittest
import xml.etree.ElementTree as ET

from harness import StratusServer, StratusTestCase, skip_on_shared_store, uniq


def proc_status(pid, field):
    """A `kB` field of /proc/PID/status (VmHWM, VmRSS) in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ControlCharactersTest(StratusTestCase):
    """One control character once made every later Describe in the region unparseable."""

    def tags(self):
        return sorted((t["ResourceId"], t["Key"], t["Value"]) for t in self.ec2.describe_tags()["Tags"])

    def test_tag_value_with_a_control_character_is_refused(self):
        vpc = self.default_vpc()["VpcId"]
        before = self.tags()
        for value in ("x\x02y", "a\x01", "nul\x00here", "\x1b[31m"):
            with self.assertEc2Error("InvalidParameterValue"):
                self.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "k", "Value": value}])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "k\x07", "Value": "v"}])
        self.assertEqual(self.tags(), before)
        self.ec2.describe_vpcs()  # still parses
        # Tabs and newlines are XML text and stay allowed.
        self.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "multi", "Value": "two\nlines\tand tab"}])
        self.assertIn((vpc, "multi", "two\nlines\tand tab"), self.tags())
        self.ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "multi"}])

    def test_group_description_with_a_control_character_is_refused_and_the_cli_still_lists(self):
        name = uniq("ctl")
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_security_group(GroupName=name, Description="a\x01b")
        groups = self.server.aws("ec2", "describe-security-groups")["SecurityGroups"]
        self.assertNotIn(name, [g["GroupName"] for g in groups])

    def test_error_messages_never_echo_what_xml_cannot_carry(self):
        r = self.server.raw_request({"Action": "DescribeVpcs", "MaxResults": "\x01"})
        self.assertEqual(r.status, 400, r)
        ET.fromstring(r.body)  # parses
        self.assertEqual(r.error_code(), "InvalidParameterValue", r)
        self.assertNotIn(b"&#", r.body)


class StoredControlCharactersTest(unittest.TestCase):
    """Records written by older versions may hold control characters: they still describe."""

    @skip_on_shared_store
    def test_a_stored_control_character_is_replaced_in_responses(self):
        server = StratusServer()
        self.addCleanup(server.cleanup)
        server.start()
        ec2 = server.client("us-east-1")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "old", "Value": "placeholder"}])
        server.stop()
        db = sqlite3.connect(os.path.join(server.data_dir, "stratus.db"))
        with db:
            (doc,) = db.execute("SELECT doc FROM records WHERE id = ?", (vpc,)).fetchone()
            record = json.loads(doc)
            for tag in record["Tags"]:
                if tag["Key"] == "old":
                    tag["Value"] = "x\x02y\x00z"
            db.execute("UPDATE records SET doc = ? WHERE id = ?", (json.dumps(record), vpc))
        db.close()
        server.start()
        ec2 = server.client("us-east-1")
        tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]}
        self.assertEqual(tags["old"], "x\ufffdy\ufffdz")
        described = {(t["ResourceId"], t["Key"]): t["Value"] for t in ec2.describe_tags()["Tags"]}
        self.assertEqual(described[(vpc, "old")], "x\ufffdy\ufffdz")


class SecurityGroupTextTest(StratusTestCase):
    """Names and descriptions follow AWS's VPC character set, at most 255 characters."""

    def groups(self):
        return sorted((g["GroupId"], g["GroupName"], g["Description"])
                      for g in self.ec2.describe_security_groups()["SecurityGroups"])

    def test_names_and_descriptions_outside_the_set_are_refused(self):
        before = self.groups()
        for name, description in ((uniq("g") + "\u00e9", "ok"), (uniq("g"), "caf\u00e9"), (uniq("g"), "100%"),
                                  (uniq("g"), "x" * 256), ("g" * 256, "ok"), (uniq("g"), "back\\slash")):
            with self.assertEc2Error("InvalidParameterValue"):
                self.ec2.create_security_group(GroupName=name, Description=description)
        self.assertEqual(self.groups(), before)
        allowed = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
        group = self.ec2.create_security_group(GroupName=uniq("g") + "._-:/()#,@[]+=&;{}!$*",
                                               Description=allowed)["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=group)

    def rules(self, group):
        return self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]

    def test_rule_descriptions_are_bounded(self):
        group = self.ec2.create_security_group(GroupName=uniq("rules"), Description="d")["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=group)
        before = self.rules(group)
        for description in ("x" * 256, "nul\x00inside", "caf\u00e9", "<script>"):
            with self.assertEc2Error("InvalidParameterValue"):
                self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
                    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": description}]}])
        self.assertEqual(self.rules(group), before)
        # The 15 MiB description that was once stored: refused at the door (2 MiB body limit).
        r = self.server.raw_request({"Action": "AuthorizeSecurityGroupIngress", "GroupId": group,
                                     "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "22",
                                     "IpPermissions.1.ToPort": "22",
                                     "IpPermissions.1.IpRanges.1.CidrIp": "10.0.0.0/8",
                                     "IpPermissions.1.IpRanges.1.Description": "x" * (15 * 1024 * 1024)})
        self.assertIn(r.status, (400, 413), r)
        self.assertEqual(self.rules(group), before)
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "x" * 255}]}])


class ResourceBoundsTest(StratusTestCase):
    """Work and memory stay bounded by the request, not by its square."""

    def test_a_name_deeper_than_the_model_costs_no_memory(self):
        pid = self.server.proc.pid
        deep = "Filter.1.Value.1"
        while len(deep) < 109 * 1024:
            deep += ".Value.1"
        self.server.raw_request({"Action": "DescribeVpcs"})  # warm up
        peak_before = proc_status(pid, "VmHWM")
        r = self.server.raw_request({"Action": "DescribeVpcs", deep: "x"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error_code(), "UnknownParameter", r)
        # 1.66 GB before the fix; now nothing is built for it.
        self.assertLess(proc_status(pid, "VmHWM") - peak_before, 64 * 1024 * 1024)

    def test_thousands_of_tags_are_refused_after_linear_work(self):
        vpc = self.default_vpc()["VpcId"]
        before = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
        pid = self.server.proc.pid
        # 3,990 tags fit the parameter limit and reach the tag-count check; 20,000 (the issue's
        # case: 9.4 s of the write thread when tags were merged quadratically) are refused by
        # the parameter limit before they are decoded.
        for count, code, status in ((3990, "TagLimitExceeded", 400), (20000, "RequestEntityTooLarge", 413)):
            params = {"Action": "CreateTags", "ResourceId.1": vpc}
            for i in range(1, count + 1):
                params["Tag.%d.Key" % i] = "k%d" % i
                params["Tag.%d.Value" % i] = "v"
            cpu_before = cpu_seconds(pid)
            r = self.server.raw_request(params)
            self.assertEqual(r.status, status, r)
            self.assertEqual(r.error_code(), code, r)
            # Work, not wall time: the server's CPU seconds for the whole request.
            self.assertLess(cpu_seconds(pid) - cpu_before, 1.0)
        after = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
        self.assertEqual(after, before)


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("mount"), "needs root to mount a small tmpfs")
class FullDiskRestartTest(unittest.TestCase):
    """A restart on a full disk once truncated DIR/aws/config and said it was serving. Here only
    DIR/aws is full (a tmpfs mounted over it), so the store works and the config write fails."""

    def test_restart_on_a_full_disk_fails_loudly_and_keeps_the_config(self):
        server = StratusServer()
        self.addCleanup(server.cleanup)
        server.start()
        server.stop()
        aws = os.path.join(server.data_dir, "aws")
        files = {}
        for name in ("config", "credentials"):
            with open(os.path.join(aws, name), "rb") as f:
                files[name] = f.read()
        self.assertIn(b"endpoint_url", files["config"])
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", aws], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", aws], check=False)
        for name, content in files.items():
            with open(os.path.join(aws, name), "wb") as f:
                f.write(content)
        try:
            with open(os.path.join(aws, "filler"), "wb", buffering=0) as f:
                while True:
                    f.write(b"\0" * 4096)
        except OSError:
            pass  # full
        server._spawn(server.port)
        self.assertNotEqual(server.proc.wait(timeout=60), 0, server.log_tail())
        server.proc = None
        self.assertIn("cannot write", server.log_tail())
        for name, content in files.items():
            with open(os.path.join(aws, name), "rb") as f:
                self.assertEqual(f.read(), content, name)


if __name__ == "__main__":
    unittest.main()
