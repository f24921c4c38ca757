"""A NAT instance (TCG VMs, so minutes).

`nat` runs in a default (public) subnet and, from its user data, forwards and masquerades the
private subnet's traffic. `inner` runs in a private subnet without a public address; from its
user data it fetches a URL on the host's side of the edge link (the host address of the server's
network slot: 198.18.0.1 in slot 0) once a second. The private subnet's route table gets
0.0.0.0/0 -> `nat` (CreateRoute InstanceId): while `nat`'s
source/destination check is on, the VPC router drops what `inner` sends it; with the check off
the host receives `inner`'s requests from `nat`'s public address; after DeleteRoute nothing more
arrives; a route to `nat` while it is stopped is a blackhole. Needs root, QEMU and the built base image."""

import http.server
import threading
import time
import unittest

from harness import VmTestCase, skip_unless_vms

PRIVATE_CIDR = "172.31.202.0/24"

NAT_USER_DATA = """#!/bin/bash
echo 1 > /proc/sys/net/ipv4/ip_forward
/usr/sbin/nft add table ip nat
/usr/sbin/nft 'add chain ip nat post { type nat hook postrouting priority srcnat; }'
/usr/sbin/nft add rule ip nat post ip saddr %s oifname eth0 masquerade
""" % PRIVATE_CIDR

# Fetches http://HOST:PORT/inner every second from a unit, then says so on the serial console.
PROBE_USER_DATA = """#!/bin/bash
systemd-run --unit probe bash -c 'while true; do curl -s -m 2 -o /dev/null http://%s:%d/inner; sleep 1; done'
echo stratus-probe-running > /dev/ttyS0
"""


class Listener:
    """An HTTP server on `address` (the host's edge address) that records (client address, path)
    per request."""

    def __init__(self, address):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append((self.client_address[0], self.path))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@skip_unless_vms
class NatInstanceTest(VmTestCase):

    def private_subnet(self, vpc_id, zone):
        """A subnet with its own route table (the local route only) and no public addresses."""
        subnet = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock=PRIVATE_CIDR, AvailabilityZone=zone)["Subnet"]
        table = self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["SubnetId"])
        return subnet["SubnetId"], table

    def quiet_for(self, listener, seconds):
        """True when no request arrives for `seconds`."""
        before = len(listener.hits)
        time.sleep(seconds)
        return len(listener.hits) == before

    def test_private_subnet_reaches_the_host_through_a_nat_instance(self):
        self.create_key("nat")
        image = self.base_image()
        public = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                                    {"Name": "availability-zone", "Values": ["us-east-1a"]}])["Subnets"][0]
        private, table = self.private_subnet(public["VpcId"], "us-east-1a")
        nat_group = self.ec2.create_security_group(GroupName="nat", Description="nat")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=nat_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": PRIVATE_CIDR}]}])
        nat_id = self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="nat",
                                        SubnetId=public["SubnetId"], SecurityGroupIds=[nat_group],
                                        UserData=NAT_USER_DATA)["Instances"][0]["InstanceId"]
        self.waiter("instance_running", nat_id)  # its public address is published: the edge link is up
        host_address = self.server.network_slot()["host_address"]  # the host's side of its link to the edge
        listener = Listener(host_address)
        self.addCleanup(listener.close)
        inner = self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, SubnetId=private,
                                       UserData=PROBE_USER_DATA % (host_address, listener.port))["Instances"][0]
        self.assertNotIn("PublicIpAddress", inner)

        nat = self.describe(nat_id)
        self.wait_ssh(nat)
        forwarding = self.ssh(nat, "cloud-init status --wait >/dev/null; cat /proc/sys/net/ipv4/ip_forward", timeout=300)
        self.assertEqual(forwarding.stdout.strip(), "1", forwarding)
        self.wait_for(lambda: "stratus-probe-running" in self.ec2.get_console_output(
            InstanceId=inner["InstanceId"]).get("Output", ""), 300, "the private instance's probe did not start")

        # The route names the instance's interface; the router drops what it may not receive.
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", InstanceId=nat_id)
        route = [r for r in self.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
                 if r["DestinationCidrBlock"] == "0.0.0.0/0"][0]
        self.assertEqual((route["InstanceId"], route["NetworkInterfaceId"], route["State"]),
                         (nat_id, nat["NetworkInterfaces"][0]["NetworkInterfaceId"], "active"))
        self.assertTrue(self.quiet_for(listener, 10), "forwarded while the source/destination check was on")

        self.ec2.modify_instance_attribute(InstanceId=nat_id, SourceDestCheck={"Value": False})
        took = self.wait_for(lambda: listener.hits, 30, "no request from the private subnet arrived")
        print("\nsource/destination check off -> first request through the NAT instance in %.1f s" % took)
        self.assertEqual(listener.hits[0], (nat["PublicIpAddress"], "/inner"))

        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
        self.wait_for(lambda: self.quiet_for(listener, 4), 30, "requests still arrive without the route")

        # A route to a stopped instance is a blackhole.
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", InstanceId=nat_id)
        self.ec2.stop_instances(InstanceIds=[nat_id])
        self.waiter("instance_stopped", nat_id)
        print(self.ec2.get_console_output(InstanceId=nat_id).get("Output", "")[-3000:])
        states = self.ec2.describe_route_tables(Filters=[{"Name": "route.instance-id", "Values": [nat_id]}])
        self.assertEqual([r["State"] for r in states["RouteTables"][0]["Routes"] if r.get("InstanceId")], ["blackhole"])


if __name__ == "__main__":
    unittest.main()
