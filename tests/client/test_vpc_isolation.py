"""Two VPCs with the same CIDR stay apart, and everything is rebuilt after a host restart
(TCG VMs, so minutes).

`a` runs in the default VPC (172.31.0.0/16); `b` in a user-created VPC with the same CIDR, its
own internet gateway and route, serving HTTP on 8080 (allowed by its group) and 9090 (not
allowed). `a` cannot reach `b`'s private address; the host reaches `b`'s public 8080 but not
9090. Then the host "loses power" (server, VMs, dnsmasq and namespaces gone, data kept): the
restarted server reports both instances stopped, and starting them rebuilds namespaces, taps,
DHCP, NAT and firewall from the store: the same checks hold. In between, `b`'s VPC gets a DHCP
options set, which `b` takes on its next lease and again after the restart. Needs root, QEMU, the
base image."""

import subprocess
import unittest

from harness import VmTestCase, power_off, skip_unless_vms

# Web servers on 8080 and 9090 that start on every boot (a unit, not user data: that runs once).
WEB_SERVERS = """#!/bin/bash
cat > /etc/systemd/system/web@.service <<'UNIT'
[Service]
ExecStart=/usr/bin/python3 -m http.server %i --directory /var/tmp
[Install]
WantedBy=multi-user.target
UNIT
hostname > /var/tmp/name
systemctl daemon-reload
systemctl enable --now web@8080 web@9090
"""


@skip_unless_vms
class VpcIsolationTest(VmTestCase):

    def host_gets(self, url):
        out = subprocess.run(["curl", "-s", "-m", "3", url], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None

    def check(self, a_id, b_id):
        a, b = self.describe(a_id), self.describe(b_id)
        self.wait_ssh(a)
        self.wait_ssh(b)
        name = b["PrivateDnsName"].split(".")[0]
        self.wait_for(lambda: self.host_gets("http://%s:8080/name" % b["PublicIpAddress"]) == name, 300,
                      "the host does not reach b's web server through its public IP")
        self.assertIsNone(self.host_gets("http://%s:9090/name" % b["PublicIpAddress"]))  # no rule opens 9090
        inside = self.ssh(b, "curl -s -m 3 http://127.0.0.1:9090/name")
        self.assertEqual(inside.stdout.strip(), name)  # it does serve 9090
        across = self.ssh(a, "curl -s -m 3 -o /dev/null -w '%%{http_code}' http://%s:8080/name" % b["PrivateIpAddress"])
        self.assertNotEqual(across.stdout.strip(), "200", "an instance reached another VPC's private address")

    def resolv_conf(self, instance):
        return self.ssh(instance, "cat /etc/resolv.conf").stdout

    def check_dhcp_options(self, b_id):
        """b's VPC hands out its DHCP options set: domain name and both name servers."""
        b = self.describe(b_id)
        self.wait_for(lambda: "search corp.example" in self.resolv_conf(b) and
                      "nameserver 192.0.2.53" in self.resolv_conf(b), 120,
                      "the guest did not get the VPC's DHCP options on its lease")
        self.assertIn("nameserver 172.31.0.2", self.resolv_conf(b))  # AmazonProvidedDNS: the VPC resolver

    def test_overlapping_vpcs_stay_apart_and_come_back_after_a_host_restart(self):
        self.create_key("iso")
        image = self.base_image()
        anywhere = [{"CidrIp": "0.0.0.0/0"}]
        ssh_a = self.ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=ssh_a, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": anywhere}])

        vpc = self.ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
        gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        main = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]
        self.ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.0.0/24")["Subnet"]["SubnetId"]
        self.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        web_b = self.ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=web_b, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": anywhere},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": anywhere}])

        a_id = self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="iso",
                                      SecurityGroupIds=[ssh_a])["Instances"][0]["InstanceId"]
        b_id = self.ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1, KeyName="iso",
                                      SubnetId=subnet, SecurityGroupIds=[web_b],
                                      UserData=WEB_SERVERS)["Instances"][0]["InstanceId"]
        for i in (a_id, b_id):
            self.waiter("instance_running", i)
        self.check(a_id, b_id)

        # A DHCP options set reaches b on its next lease (here: the interface brought down and up).
        self.assertNotIn("corp.example", self.resolv_conf(self.describe(b_id)))
        options = self.ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS", "192.0.2.53"]}])["DhcpOptions"]
        self.ec2.associate_dhcp_options(DhcpOptionsId=options["DhcpOptionsId"], VpcId=vpc)
        self.ssh(self.describe(b_id), "sudo systemd-run --collect sh -c 'ifdown eth0; ifup eth0'")
        self.check_dhcp_options(b_id)
        self.assertNotIn("corp.example", self.resolv_conf(self.describe(a_id)))  # a's VPC kept its set

        # A power cut loses what the guests had not written back (here: sshd's host keys, seen
        # missing after a cut); that is the guests' business, not what this test is about.
        for i in (a_id, b_id):
            self.ssh(self.describe(i), "sync")
        power_off(self.server)
        self.server.start(port=self.server.port)
        for i in (a_id, b_id):
            self.waiter("instance_stopped", i)
        self.ec2.start_instances(InstanceIds=[a_id, b_id])
        for i in (a_id, b_id):
            self.waiter("instance_running", i)
        self.check(a_id, b_id)
        self.check_dhcp_options(b_id)  # a fresh boot's first lease


if __name__ == "__main__":
    unittest.main()
