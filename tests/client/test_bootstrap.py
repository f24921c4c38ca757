"""Bootstrap: health endpoint, written aws config/credentials, `stratus env`,
and the real aws CLI working with nothing but the written profile."""

import configparser
import os
import subprocess
import unittest
import urllib.request

from harness import (ACCESS_KEY_ID, ACCOUNT_ID, SECRET_ACCESS_KEY, ZONES,
                     StratusTestCase, purge_vpc)


class BootstrapTest(StratusTestCase):

    def test_health_returns_200(self):
        with urllib.request.urlopen(self.server.endpoint + "/_stratus/health", timeout=5) as r:
            self.assertEqual(r.status, 200)

    def test_config_file_written_with_profile(self):
        path = os.path.join(self.server.data_dir, "aws", "config")
        self.assertTrue(os.path.isfile(path), "missing %s" % path)
        cp = configparser.ConfigParser()
        cp.read(path)
        self.assertIn("profile stratus", cp.sections(), "sections: %r" % cp.sections())
        sec = cp["profile stratus"]
        self.assertEqual(sec.get("region"), "us-east-1")
        self.assertEqual(sec.get("endpoint_url", "").rstrip("/"), self.server.endpoint)

    def test_credentials_written_with_pinned_keys(self):
        cred_path = os.path.join(self.server.data_dir, "aws", "credentials")
        conf_path = os.path.join(self.server.data_dir, "aws", "config")
        self.assertTrue(os.path.isfile(cred_path), "missing %s" % cred_path)
        cp = configparser.ConfigParser()
        cp.read(cred_path)
        self.assertIn("stratus", cp.sections(), "sections: %r" % cp.sections())
        sec = cp["stratus"]
        self.assertEqual(sec.get("aws_access_key_id"), ACCESS_KEY_ID)
        self.assertEqual(sec.get("aws_secret_access_key"), SECRET_ACCESS_KEY)
        # The secret must not be world readable.
        self.assertEqual(os.stat(cred_path).st_mode & 0o077, 0,
                         "credentials file mode %o is group/world accessible"
                         % (os.stat(cred_path).st_mode & 0o777))
        self.assertTrue(os.path.isfile(conf_path))

    def test_second_server_on_same_data_dir_is_refused(self):
        proc = subprocess.run([self.server.binary, "serve", "--data-dir", self.server.data_dir,
                               "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("another stratus process is serving", proc.stderr)
        # The first server is unaffected.
        self.assertTrue(self.ec2.describe_vpcs()["Vpcs"])

    def test_stratus_env_prints_exports(self):
        proc = subprocess.run([self.server.binary, "env", "--data-dir", self.server.data_dir],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = [l for l in proc.stdout.splitlines() if l.strip() and not l.startswith("#")]
        self.assertTrue(lines)
        self.assertTrue(all(l.startswith(("export ", "unset ")) for l in lines), proc.stdout)
        self.assertTrue(any(l.startswith("export ") for l in lines), proc.stdout)
        env = self.server.env_exports()
        self.assertEqual(env.get("AWS_PROFILE"), "stratus")
        self.assertEqual(os.path.realpath(env["AWS_CONFIG_FILE"]),
                         os.path.realpath(os.path.join(self.server.data_dir, "aws", "config")))
        self.assertEqual(os.path.realpath(env["AWS_SHARED_CREDENTIALS_FILE"]),
                         os.path.realpath(os.path.join(self.server.data_dir, "aws", "credentials")))

    def test_aws_cli_lists_zones_with_written_profile(self):
        out = self.server.aws("ec2", "describe-availability-zones")
        names = sorted(z["ZoneName"] for z in out["AvailabilityZones"])
        self.assertEqual(names, ZONES["us-east-1"])

    def test_aws_cli_other_region(self):
        out = self.server.aws("ec2", "describe-availability-zones", region="ap-northeast-2")
        names = sorted(z["ZoneName"] for z in out["AvailabilityZones"])
        self.assertEqual(names, ZONES["ap-northeast-2"])

    def test_eval_of_stratus_env_in_shell(self):
        """`eval "$(stratus env --data-dir D)"` then plain `aws ...` works."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_PAGER"] = ""
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        script = 'eval "$("$1" env --data-dir "$2")" && aws ec2 describe-regions --output json'
        proc = subprocess.run(["bash", "-c", script, "sh", self.server.binary, self.server.data_dir],
                              capture_output=True, text=True, timeout=120, env=env,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('"us-east-1"', proc.stdout)

    def test_cli_and_sdk_share_state(self):
        vpc = self.server.aws("ec2", "create-vpc", "--cidr-block", "10.42.0.0/16")["Vpc"]
        self.addCleanup(purge_vpc, self.ec2, vpc["VpcId"])
        got = self.ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["CidrBlock"], "10.42.0.0/16")
        self.assertEqual(got[0]["OwnerId"], ACCOUNT_ID)

    def test_cli_error_exit_code_and_code_in_stderr(self):
        proc = self.server.aws_proc("ec2", "describe-vpcs", "--vpc-ids", "vpc-0123456789abcdef0")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("InvalidVpcID.NotFound", proc.stderr)

    def test_account_id_is_pinned(self):
        vpc = self.default_vpc()
        self.assertEqual(vpc["OwnerId"], ACCOUNT_ID)
        sg = self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                     {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
        self.assertEqual(len(sg), 1)
        self.assertEqual(sg[0]["OwnerId"], ACCOUNT_ID)


if __name__ == "__main__":
    unittest.main()
