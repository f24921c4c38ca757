"""A region of several hosts on one PostgreSQL (`stratus host`): each agent registers its zone and
capacity and renews a lease; RunInstances places instances on the live hosts of the subnet's zone
or answers InsufficientInstanceCapacity; a host that stops renewing is down (`stratus hosts`);
`stratus hosts forget` stops its instances; the agent, started again on its data dir, is the same
host and takes its instances back.

The AMI is a stand-in (instances are placed and get their records but never boot), so this runs
without VMs; instances that boot on two hosts are the cluster tests' part (docs/design/multi-host.md).
"""
import os
import subprocess
import unittest

from harness import StratusTestCase, start_host_agent, start_region_of_hosts

LEASE = 3  # seconds: the agents' test lease
# Two t2.micro per host: 2 x (1024 MiB + 384 MiB of VM overhead).
TWO_MICROS = str(2 * (1024 + 384))


@unittest.skipUnless(os.geteuid() == 0, "the servers lease network slots in /run/stratus")
class HostsTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        start_region_of_hosts(cls)
        cls.agents = {}
        for zone in ("us-east-1a", "us-east-1b"):
            cls.agents[zone] = start_host_agent(cls, zone, ["--lease-seconds", str(LEASE),
                                                            "--capacity-memory-mib", TWO_MICROS])
        cls.image = cls.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def hosts(self, *args):
        """`stratus hosts` (with `args`): its output."""
        done = subprocess.run([self.api.binary, "hosts", "--store", self.store_url] + list(args),
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def host_rows(self):
        """{zone: (host id, state, instances)} from `stratus hosts`."""
        rows = {}
        for line in self.hosts().splitlines()[1:]:
            fields = line.split()
            rows[fields[1]] = (fields[0], fields[4], int(fields[5]))
        return rows

    subnets = {}

    def subnet_in(self, zone):
        """A subnet of `zone` in a VPC of that zone's own: two hosts on one machine would both
        name a shared VPC's namespace the same (hosts of one VPC need --netns-prefix, to come)."""
        if zone not in self.subnets:
            vpc = self.ec2.create_vpc(CidrBlock="10.%d.0.0/16" % (len(self.subnets) + 60))["Vpc"]
            self.subnets[zone] = self.ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=vpc["CidrBlock"].replace(
                "0.0/16", "1.0/24"), AvailabilityZone=zone)["Subnet"]["SubnetId"]
        return self.subnets[zone]

    def launch(self, zone, count=1):
        return [i["InstanceId"] for i in self.ec2.run_instances(
            ImageId=self.image, InstanceType="t2.micro", MinCount=count, MaxCount=count,
            SubnetId=self.subnet_in(zone))["Instances"]]

    def test_placement_leases_forget_and_return(self):
        rows = self.host_rows()
        self.assertEqual({zone: state for zone, (_, state, _) in rows.items()},
                         {"us-east-1a": "live", "us-east-1b": "live"})
        host_b = rows["us-east-1b"][0]
        self.assertRegex(host_b, r"^h-[0-9a-f]{17}$")

        # Each zone's instances go to its host, as many as fit.
        self.launch("us-east-1a", 2)
        b_instances = self.launch("us-east-1b")
        with self.assertEc2Error("InsufficientInstanceCapacity"):
            self.launch("us-east-1a")
        # A zone without a host has no capacity once hosts are registered.
        with self.assertEc2Error("InsufficientInstanceCapacity"):
            self.launch("us-east-1c")
        rows = self.host_rows()
        self.assertEqual((rows["us-east-1a"][2], rows["us-east-1b"][2]), (2, 1))

        # The agent of 1b dies: once its lease runs out it is down, and 1b has no capacity.
        agent_b = self.agents["us-east-1b"]
        agent_b.kill9()
        self.wait_for(lambda: self.host_rows()["us-east-1b"][1] == "down", LEASE + 5, "1b never went down")
        with self.assertEc2Error("InsufficientInstanceCapacity"):
            self.launch("us-east-1b")

        # Forgotten by the operator: its instances are stopped and cannot start (their disks were
        # on it).
        out = self.hosts("forget", host_b)
        self.assertIn("1 of its instances stopped", out)
        self.assertNotIn("us-east-1b", self.hosts())
        instance = self.ec2.describe_instances(InstanceIds=b_instances)["Reservations"][0]["Instances"][0]
        self.assertEqual(instance["State"]["Name"], "stopped")
        self.assertEqual(instance["StateReason"]["Code"], "Server.InternalError")
        with self.assertEc2Error("InsufficientInstanceCapacity"):
            self.ec2.start_instances(InstanceIds=b_instances)

        # The agent comes back on its data dir: the same host, live again, and its instance
        # starts there.
        agent_b.start()
        self.wait_for(lambda: self.host_rows().get("us-east-1b", ("", "", 0))[:2] == (host_b, "live"), 10,
                      "the agent did not register again")
        self.ec2.start_instances(InstanceIds=b_instances)
        self.assertEqual(self.host_rows()["us-east-1b"][2], 1)

    def test_forget_of_an_unknown_host_fails(self):
        done = subprocess.run([self.api.binary, "hosts", "--store", self.store_url, "forget", "h-00000000000000000"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 1)
        self.assertIn("no host h-00000000000000000 is registered", done.stderr)


if __name__ == "__main__":
    unittest.main()
