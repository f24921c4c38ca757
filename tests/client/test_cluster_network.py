"""VPCs that span hosts: two `stratus host` agents, each in a network namespace of its own as if
on a machine of its own, on one PostgreSQL with an API server. Their underlay (192.0.2.0/24) is a
bridge in a switch namespace, which a namespace standing for the internet is plugged into too.
One VPC has a subnet in each zone, so its instances land on two hosts; their VPC routers reach
each other over VXLAN.

Guests are stand-ins (the AMI is one: instances stay pending with their taps plugged, their VMs
failing to boot a stand-in kernel): a namespace per instance whose tap is wired to the instance's
tap on its router (tap_wire.py), with the interface's MAC and address. What is asserted is what a
guest would see: TCP across hosts, the VPC resolver naming the other host's instance, security
group rules enforced on both hosts, a second VPC with the same CIDR kept apart, an Elastic IP
answering from the internet on the host of whichever instance has it, a route to an appliance's
interface on the other host, and a peering with a VPC whose instance is on the other host.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import (ACCESS_KEY_ID, SECRET_ACCESS_KEY, StratusServer, StratusTestCase, reap, skip_unless_vms,
                     ssh_run, start_host_agent, start_region_of_hosts, write_key_pair)

HERE = os.path.dirname(os.path.abspath(__file__))
PID = os.getpid()
ZONES = {"us-east-1a": "192.0.2.11", "us-east-1b": "192.0.2.12"}  # zone -> its host's underlay address
INTERNET = "192.0.2.100"  # a client on the underlay that reaches public addresses
PORT = 7000  # where each stand-in guest answers with its name
LEASE = 3  # seconds: the agents' test lease


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, capture_output=True)


def in_netns(netns, *command, timeout=10):
    """`command` run in `netns`: (exit code, stdout)."""
    done = subprocess.run(["ip", "netns", "exec", netns] + list(command), capture_output=True, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout.strip()


# A guest's TCP server on PORT answering every connection with its name (argv[1]).
SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", %d)); s.listen()
while True:
    c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
""" % PORT

# A browser's side of the serial console's WebSocket (Node's WebSocket): opens argv[1] (a
# presigned URL), presses Enter once connected and prints {"text": ...} once "login:" shows, or
# {"error": ...}.
SERIAL_CLIENT = """
const ws = new WebSocket(process.argv[1]);
ws.binaryType = "arraybuffer";
let text = "";
const end = (result, code) => { console.log(JSON.stringify(result)); process.exit(code); };
setTimeout(() => end({ error: "no login prompt", text }, 1), 30000);
ws.onerror = () => end({ error: "the WebSocket failed", text }, 1);
ws.onmessage = (event) => {
  if (typeof event.data === "string") {
    const message = JSON.parse(event.data);
    if (message.error) end({ error: message.error }, 1);
    if (message.status === "connected") ws.send(new TextEncoder().encode("\\r"));
    return;
  }
  text += new TextDecoder().decode(event.data);
  if (text.includes("login:")) end({ text }, 0);
};
"""

# Connects to argv[1]:PORT with a one-second timeout; prints what the other side said.
CLIENT = """
import socket, sys
s = socket.create_connection((sys.argv[1], %d), timeout=1); print(s.recv(64).decode())
""" % PORT


class Cluster(StratusTestCase):
    """The region of the module's docstring, for a test class; guests are stand-ins unless the
    class asks for real_images."""

    real_images = False

    @classmethod
    def setUpClass(cls):
        start_region_of_hosts(cls, empty_disk=not cls.real_images, real_images=cls.real_images)

        # The underlay: a bridge in a namespace of its own (the switch), a veth to it from each
        # host's namespace (forwarding on, as an operator sets it up) and from "the internet", a
        # namespace that has the public range on-link.
        cls.switch = "sttest-sw-%d" % PID
        cls.internet = "sttest-i-%d" % PID
        for netns in (cls.switch, cls.internet):
            ip("netns", "add", netns)
            cls.addClassCleanup(subprocess.run, ["ip", "netns", "del", netns], capture_output=True)
        ip("-n", cls.switch, "link", "add", "br0", "type", "bridge")
        ip("-n", cls.switch, "link", "set", "br0", "up")
        cls.hosts = {}  # zone -> its agent
        for n, (zone, underlay) in enumerate(ZONES.items()):
            netns = "sttest-h%d-%d" % (n + 1, PID)
            ip("netns", "add", netns)
            cls.addClassCleanup(subprocess.run, ["ip", "netns", "del", netns], capture_output=True)
            cls.plug_into_switch(netns, "stu%d-%d" % (n + 1, PID), underlay)
            in_netns(netns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            cls.hosts[zone] = start_host_agent(cls, zone, ["--underlay", underlay, "--lease-seconds", str(LEASE)],
                                               netns=netns, netns_prefix="t%dh%d-" % (PID, n + 1))
        cls.plug_into_switch(cls.internet, "stui-%d" % PID, INTERNET)
        ip("-n", cls.internet, "route", "add", "198.19.0.0/16", "dev", "stui-%d" % PID)

        cls.guests = []  # (guest namespace, its tap_wire process)
        cls.addClassCleanup(cls.remove_guests)
        cls.image = cls.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        cls.vpc, cls.subnets, cls.group = cls.vpc_with_subnets()

    @classmethod
    def plug_into_switch(cls, netns, link, address):
        """A veth `link` from `netns` (with `address`/24) to the switch's bridge."""
        ip("link", "add", link, "type", "veth", "peer", "name", link + "s")
        cls.addClassCleanup(subprocess.run, ["ip", "link", "del", link], capture_output=True)  # if not moved
        ip("link", "set", link, "netns", netns)
        ip("link", "set", link + "s", "netns", cls.switch)
        ip("-n", cls.switch, "link", "set", link + "s", "master", "br0", "up")
        ip("-n", netns, "addr", "add", address + "/24", "dev", link)
        for name in ("lo", link):
            ip("-n", netns, "link", "set", name, "up")

    @classmethod
    def remove_guests(cls):
        for netns, wire in cls.guests:
            wire.kill()
            wire.wait()
            subprocess.run(["ip", "netns", "del", netns], capture_output=True)
            shutil.rmtree("/etc/netns/" + netns, ignore_errors=True)

    @classmethod
    def vpc_with_subnets(cls):
        """A VPC of 10.70.0.0/16 with an internet gateway, a subnet per zone (public addresses at
        launch), and a security group letting PORT in from the VPC: (VPC id, {zone: subnet id},
        group id)."""
        vpc = cls.ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
        gateway = cls.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        cls.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        table = cls.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]
        cls.ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                             GatewayId=gateway)
        subnets = {zone: cls.ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.%d.0/24" % (n + 1),
                                               AvailabilityZone=zone)["Subnet"]["SubnetId"]
                   for n, zone in enumerate(ZONES)}
        for subnet in subnets.values():
            cls.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        group = cls.ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        cls.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": "10.70.0.0/16"}]}])
        return vpc, subnets, group

    @classmethod
    def single_subnet_vpc(cls, cidr, subnet_cidr, zone, allowed):
        """A VPC of `cidr` with one subnet (`subnet_cidr`, in `zone`) and a group letting PORT in
        from `allowed`: (VPC id, subnet id, group id)."""
        vpc = cls.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subnet = cls.ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        group = cls.ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        cls.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": allowed}]}])
        return vpc, subnet, group

    def guest(self, zone, subnet, group, name, **run_args):
        """Launches an instance into `subnet` of `zone`'s host with a stand-in guest serving
        `name` on PORT: (its namespace, its private address, its instance id)."""
        assert not self.real_images
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                          SubnetId=subnet, SecurityGroupIds=[group], **run_args)["Instances"][0]
        eni = instance["NetworkInterfaces"][0]
        router = "stratus-" + self.hosts[zone].netns_prefix + instance["VpcId"]
        tap = "st" + eni["NetworkInterfaceId"].split("-")[1][-13:]
        self.wait_for(lambda: subprocess.run(["ip", "-n", router, "link", "show", tap],
                                             capture_output=True).returncode == 0,
                      30, "the host never plugged %s" % tap)
        netns = "sttest-g%d-%d" % (len(self.guests) + 1, PID)
        ip("netns", "add", netns)
        wire = subprocess.Popen([sys.executable, os.path.join(HERE, "tap_wire.py"), router, tap, netns, "eth0"],
                                stdout=subprocess.PIPE, text=True)
        type(self).guests.append((netns, wire))
        self.assertEqual(wire.stdout.readline().strip(), "ready")
        address = eni["PrivateIpAddress"]
        gateway = address.rsplit(".", 1)[0] + ".1"
        ip("-n", netns, "link", "set", "lo", "up")
        ip("-n", netns, "link", "set", "eth0", "address", eni["MacAddress"], "mtu", "1450", "up")
        ip("-n", netns, "addr", "add", address + "/24", "dev", "eth0")
        ip("-n", netns, "route", "add", "default", "via", gateway)
        os.makedirs("/etc/netns/" + netns, exist_ok=True)
        with open("/etc/netns/%s/resolv.conf" % netns, "w") as f:  # the VPC resolver, as DHCP says
            f.write("nameserver 10.70.0.2\n")
        server = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c", SERVER, name])
        self.addCleanup(server.wait)
        self.addCleanup(server.kill)
        return netns, address, instance["InstanceId"]

    def answer(self, netns, address):
        """What the guest at `address` answers a connection from `netns` with, or None."""
        code, out = in_netns(netns, sys.executable, "-c", CLIENT, address)
        return out if code == 0 else None



@unittest.skipUnless(os.geteuid() == 0, "namespaces, veths and VXLAN need root")
class ClusterNetworkTest(Cluster):

    def test_a_vpc_across_two_hosts(self):
        a, a_ip, _ = self.guest("us-east-1a", self.subnets["us-east-1a"], self.group, "A")
        b, b_ip, _ = self.guest("us-east-1b", self.subnets["us-east-1b"], self.group, "B")

        # Each host runs its zone's instance; the routers reach each other over the underlay.
        self.wait_for(lambda: self.answer(a, b_ip) == "B", 20, "A never reached B across hosts")
        self.assertEqual(self.answer(b, a_ip), "A")
        # A's resolver (on A's host) names B, which lives on the other host.
        name = "ip-%s.ec2.internal" % b_ip.replace(".", "-")
        self.assertEqual(in_netns(a, "getent", "hosts", name)[1].split()[:1], [b_ip])

        # A second VPC with the same CIDR, its instance on B's host at B's address: the VPCs
        # stay apart.
        _, subnet2, group2 = self.single_subnet_vpc("10.70.0.0/16", "10.70.2.0/24", "us-east-1b", "0.0.0.0/0")
        c, _, _ = self.guest("us-east-1b", subnet2, group2, "C", PrivateIpAddress=b_ip)
        for _ in range(3):
            self.assertEqual(self.answer(a, b_ip), "B")
        self.assertIsNone(self.answer(c, a_ip))

        # Revoking the rule stops new connections to B; B's host enforces it.
        self.ec2.revoke_security_group_ingress(GroupId=self.group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": "10.70.0.0/16"}]}])
        revoked = time.monotonic()
        self.wait_for(lambda: self.answer(a, b_ip) is None, 5, "the revoked rule still lets A in")
        print("\n  revoked rule took effect across hosts after %.2f s" % (time.monotonic() - revoked))
        self.assertIsNone(self.answer(b, a_ip))

    def test_an_elastic_ip_moves_between_hosts(self):
        group = self.ec2.create_security_group(GroupName="public", Description="public", VpcId=self.vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": INTERNET + "/32"}]}])
        _, _, d = self.guest("us-east-1a", self.subnets["us-east-1a"], group, "D")
        _, _, e = self.guest("us-east-1b", self.subnets["us-east-1b"], group, "E")
        eip = self.ec2.allocate_address(Domain="vpc")
        self.ec2.associate_address(InstanceId=d, AllocationId=eip["AllocationId"])
        self.wait_for(lambda: self.answer(self.internet, eip["PublicIp"]) == "D", 20,
                      "the Elastic IP never answered on D's host")

        # Moved to the instance on the other host: that host answers for it now.
        self.ec2.associate_address(InstanceId=e, AllocationId=eip["AllocationId"], AllowReassociation=True)
        moved = time.monotonic()
        self.wait_for(lambda: self.answer(self.internet, eip["PublicIp"]) == "E", 5,
                      "the Elastic IP did not follow E to its host")
        print("\n  the Elastic IP answered on the other host after %.2f s" % (time.monotonic() - moved))
        self.ec2.disassociate_address(AssociationId=self.ec2.describe_addresses(
            AllocationIds=[eip["AllocationId"]])["Addresses"][0]["AssociationId"])
        self.wait_for(lambda: self.answer(self.internet, eip["PublicIp"]) is None, 5,
                      "the Elastic IP still answers after it was disassociated")

    def test_routes_to_an_interface_and_a_peering_across_hosts(self):
        relay = self.ec2.create_security_group(GroupName="relay", Description="relay", VpcId=self.vpc)["GroupId"]
        for cidr in ("10.70.0.0/16", "10.80.0.0/16"):
            self.ec2.authorize_security_group_ingress(GroupId=relay, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": cidr}]}])
        # Subnet 1a sends 10.99.0.0/16 to an appliance on the other host (source/destination
        # check off, answering for 10.99.0.1 itself).
        table = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        association = self.ec2.associate_route_table(RouteTableId=table, SubnetId=self.subnets["us-east-1a"])
        self.addCleanup(self.ec2.delete_route_table, RouteTableId=table)
        self.addCleanup(self.ec2.disassociate_route_table, AssociationId=association["AssociationId"])
        appliance, appliance_ip, appliance_id = self.guest("us-east-1b", self.subnets["us-east-1b"], relay, "N")
        appliance_eni = self.ec2.describe_instances(InstanceIds=[appliance_id])["Reservations"][0]["Instances"][0][
            "NetworkInterfaces"][0]["NetworkInterfaceId"]
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=appliance_eni, SourceDestCheck={"Value": False})
        ip("-n", appliance, "addr", "add", "10.99.0.1/32", "dev", "lo")
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.99.0.0/16", NetworkInterfaceId=appliance_eni)
        a, a_ip, _ = self.guest("us-east-1a", self.subnets["us-east-1a"], relay, "A2")
        self.wait_for(lambda: self.answer(a, "10.99.0.1") == "N", 20,
                      "the route to the appliance on the other host never carried A's connection")
        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.99.0.0/16")
        self.wait_for(lambda: self.answer(a, "10.99.0.1") is None, 5, "the deleted route still leads to the appliance")

        # A VPC whose only instance is on the other host, peered with A's: each side reaches the
        # other across the hosts (A's host links the peering to a router of the peer of its own).
        peer_vpc, peer_subnet, peer_group = self.single_subnet_vpc("10.80.0.0/16", "10.80.2.0/24", "us-east-1b",
                                                                   "10.70.0.0/16")
        p, p_ip, _ = self.guest("us-east-1b", peer_subnet, peer_group, "P")
        pcx = self.ec2.create_vpc_peering_connection(VpcId=self.vpc, PeerVpcId=peer_vpc)["VpcPeeringConnection"][
            "VpcPeeringConnectionId"]
        self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.80.0.0/16", VpcPeeringConnectionId=pcx)
        peer_table = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [peer_vpc]}])["RouteTables"][0]
        self.ec2.create_route(RouteTableId=peer_table["RouteTableId"], DestinationCidrBlock="10.70.0.0/16",
                              VpcPeeringConnectionId=pcx)
        self.wait_for(lambda: self.answer(a, p_ip) == "P", 20, "A never reached the peer VPC's instance on the other host")
        self.assertEqual(self.answer(p, a_ip), "A2")
        self.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        self.wait_for(lambda: self.answer(a, p_ip) is None, 5, "the deleted peering still carries A's connection")
        self.assertIsNone(self.answer(p, a_ip))


@skip_unless_vms
class ClusterVmTest(Cluster):
    """Real guests, one per host: SSH from the internet to one, from it to the other's private
    address; each host's metadata service answers its own instance; the API server serves the
    console output the other host published; an API server on the underlay opens the other host's
    instance's serial console through that host's relay; a volume written on one host,
    snapshotted, becomes a volume in the other zone read on the other host; a host's agent that dies
    leaves its instance running but impaired, and takes it back when it returns; a forgotten host's
    instance is stopped, and its returning agent stops its VM."""

    real_images = True

    def ssh(self, address, command, via=None, timeout=30):
        """`command` as ec2-user at `address` from the internet namespace (through the instance
        at public address `via` when given; tried again while it cannot connect): the
        CompletedProcess, or None on a timeout."""
        try:
            return ssh_run(self.key_file, address, command, timeout=timeout, netns=self.internet, via=via)
        except subprocess.TimeoutExpired:
            return None

    def output(self, address, command, via=None):
        """What `command` prints at `address` (see ssh), or None when it cannot run there."""
        done = self.ssh(address, command, via)
        return done.stdout.strip() if done is not None and done.returncode == 0 else None

    def attach(self, volume_id, instance_id, address, via=None):
        """Attaches available volume `volume_id` to `instance_id` (reached at `address`, see ssh)
        once it is available; waits until its guest has the disk: its path there."""
        self.ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        self.ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
        disk = "/dev/disk/by-id/virtio-" + volume_id.replace("-", "")
        self.wait_for(lambda: self.output(address, "test -b %s && echo yes" % disk, via) == "yes", 120,
                      "%s never appeared in %s" % (volume_id, instance_id))
        return disk

    def serial_console(self, server, instance_id):
        """The serial console of `instance_id` opened through `server` (an API server in the
        internet namespace) as the console's page does: what it answered (see SERIAL_CLIENT)."""
        request = AWSRequest(method="GET", url="%s/_stratus/console/serial?InstanceId=%s&cols=80&rows=24"
                             % (server.endpoint, instance_id), headers={"host": server.endpoint.split("//")[1]})
        SigV4QueryAuth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "ec2-instance-connect", "us-east-1",
                       expires=60).add_auth(request)
        done = subprocess.run(["ip", "netns", "exec", self.internet, "node", "--experimental-websocket", "-e",
                               SERIAL_CLIENT, request.url.replace("http://", "ws://", 1)],
                              capture_output=True, text=True, timeout=60)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def system_status(self, instance_id):
        statuses = self.ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"]
        return statuses[0]["SystemStatus"]["Status"] if statuses else None

    def test_instances_on_two_hosts(self):
        self.key_file = os.path.join(self.api.log_dir, "k.pem")
        write_key_pair(self.ec2, "k", self.key_file)
        group = self.ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=self.vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        image = self.ec2.describe_images(Owners=["amazon"], Filters=[
            {"Name": "name", "Values": ["debian-12-*"]}])["Images"][0]["ImageId"]
        ids = {zone: self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                            KeyName="k", SubnetId=self.subnets[zone],
                                            SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
               for zone in ZONES}
        self.ec2.get_waiter("instance_running").wait(InstanceIds=list(ids.values()),
                                                     WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        a, b = (self.ec2.describe_instances(InstanceIds=[ids[zone]])["Reservations"][0]["Instances"][0]
                for zone in ZONES)
        a_ip, b_ip = a["PublicIpAddress"], b["PrivateIpAddress"]

        # SSH to A from the internet, and from A to B's private address on the other host; each
        # host's metadata service answers for its own instance.
        metadata = "curl -s http://169.254.169.254/latest/meta-data/instance-id"
        self.wait_for(lambda: self.output(a_ip, metadata) == a["InstanceId"], 300, "no SSH to A")
        self.wait_for(lambda: self.output(b_ip, metadata, via=a_ip) == b["InstanceId"], 300,
                      "no SSH from A to B on the other host")
        boot_id = self.output(b_ip, "cat /proc/sys/kernel/random/boot_id", via=a_ip)
        # The API server has no run directory of B: B's host publishes its console.
        self.wait_for(lambda: "login:" in self.ec2.get_console_output(InstanceId=b["InstanceId"]).get("Output", ""),
                      30, "the API server never served B's console output")
        # B's serial console, opened through an API server on the underlay (in the internet's
        # namespace): B's host relays its serial port.
        self.ec2.enable_serial_console_access()
        underlay_api = StratusServer(store_url=self.store_url, image_cache=self.images, netns=self.internet,
                                     extra_args=["--no-host", "--shared-dir", self.shared_dir])
        self.addCleanup(reap, underlay_api)
        underlay_api.start()
        serial = self.serial_console(underlay_api, b["InstanceId"])
        self.assertIn("login:", serial.get("text", ""), serial)

        # A volume of B's zone, written in B (host 2) and snapshotted there: the snapshot becomes
        # a volume of A's zone that A (host 1) reads. Disks and blocks are in the shared directory.
        volume = self.ec2.create_volume(AvailabilityZone="us-east-1b", Size=1)["VolumeId"]
        disk = self.attach(volume, b["InstanceId"], b_ip, via=a_ip)
        written = self.ssh(b_ip, "echo across-hosts | sudo dd of=%s conv=fsync status=none && echo ok" % disk, via=a_ip)
        self.assertEqual(written and (written.returncode, written.stdout.strip()), (0, "ok"),
                         written and written.stderr)
        snapshot = self.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        self.ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot], WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        copy = self.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=snapshot)["VolumeId"]
        disk = self.attach(copy, a["InstanceId"], a_ip)
        self.assertEqual(self.output(a_ip, "sudo head -c 12 " + disk), "across-hosts")

        # B's agent dies: B keeps running, impaired, and its network keeps working.
        agent = self.hosts["us-east-1b"]
        agent.kill9()
        self.wait_for(lambda: self.system_status(b["InstanceId"]) == "impaired", LEASE + 10,
                      "B's status never turned impaired")
        self.assertEqual(self.ec2.describe_instances(InstanceIds=[b["InstanceId"]])["Reservations"][0]
                         ["Instances"][0]["State"]["Name"], "running")
        self.assertEqual(self.output(b_ip, "cat /proc/sys/kernel/random/boot_id", via=a_ip), boot_id)

        # It comes back and takes its VM back, unrebooted.
        agent.start()
        self.wait_for(lambda: self.system_status(b["InstanceId"]) not in ("impaired", None), 15,
                      "B stayed impaired after its agent returned")
        self.assertEqual(self.output(b_ip, "cat /proc/sys/kernel/random/boot_id", via=a_ip), boot_id)

        # It dies again and the operator forgets the host: B is stopped; the agent, back, stops
        # the VM.
        agent.kill9()
        host_id = [line.split()[0] for line in subprocess.run(
            [self.api.binary, "hosts", "--store", self.store_url], capture_output=True, text=True,
            check=True).stdout.splitlines() if " us-east-1b " in line][0]
        subprocess.run([self.api.binary, "hosts", "--store", self.store_url, "forget", host_id], check=True,
                       capture_output=True)
        self.assertEqual(self.ec2.describe_instances(InstanceIds=[b["InstanceId"]])["Reservations"][0]
                         ["Instances"][0]["State"]["Name"], "stopped")
        agent.start()
        self.wait_for(lambda: self.output(b_ip, "true", via=a_ip) is None, 30, "B's VM still runs")


if __name__ == "__main__":
    unittest.main()
