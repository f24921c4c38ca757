"""Security groups and route tables decide what real packets do (TCG VMs, so minutes).

Three instances in the default VPC, each with a group that allows SSH from anywhere: `app`
runs a web server on 8080 that its group allows only from members of `client`; `client` is
such a member, `outsider` is not; `peer` serves 8080 in a VPC of its own, reached from `client`
over a VPC peering only while it is active and routed both ways (the way back by a prefix list). `outsider` starts in a private subnet (its route table has no
route to the internet gateway): though it has a public IP the host cannot reach it, while
`client` in a public subnet can; a route to the gateway opens it; a network ACL on its subnet
then decides per numbered entry. An Elastic IP keeps pointing at an instance across stop/start
(as the API shows it; test_interface_hotplug logs in through one after a start) and moves to
another. Checked with real connections
from the host and from inside the instances: revoking the rule blocks new connections within a
second (established ones survive); a rule naming a prefix list lets in what its current
version lists; a forged source address from inside an instance is dropped
while the source/destination check is on. Needs root, QEMU and the built base image."""

import subprocess
import unittest

from harness import VmTestCase, skip_unless_vms

# Serves HTTP on 8080 from first boot on (python3 is in the image for cloud-init).
WEB_SERVER = "#!/bin/bash\nsystemd-run --unit web python3 -m http.server 8080 --directory /var/tmp\n"
# Opens a connection to HOST:8080 at once (and says so in /var/tmp/open), sends a request on
# it only once /var/tmp/go exists, and writes the first bytes of the answer to /var/tmp/kept.
KEPT_CONNECTION = ("nohup bash -c 'exec 3<>/dev/tcp/%s/8080 || exit 1; touch /var/tmp/open; "
                   "while [ ! -e /var/tmp/go ]; do sleep 0.2; done; "
                   "printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3; head -c 15 <&3 >/var/tmp/kept' "
                   ">/dev/null 2>&1 </dev/null &")


@skip_unless_vms
class SecurityGroupEnforcementTest(VmTestCase):

    def group(self, name, rules=()):
        group_id = self.ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
        if rules:
            self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(rules))
        return group_id

    def launch(self, groups, user_data="", **more):
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                      KeyName="net", SecurityGroupIds=groups, UserData=user_data,
                                      **more)["Instances"][0]["InstanceId"]

    def private_subnet(self):
        """A subnet of the default VPC that maps public IPs but whose own route table has only
        the local route; returns (subnet id, route table id, the VPC's internet gateway id)."""
        vpc = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.200.0/24",
                                        AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        self.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        table = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        gateway = self.ec2.describe_internet_gateways(Filters=[
            {"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"][0]["InternetGatewayId"]
        return subnet, table, gateway

    def tcp_open_from(self, instance, address, port):
        """True when `instance` completes a TCP handshake with address:port within 3 s."""
        out = self.ssh(instance, "timeout 3 bash -c '</dev/tcp/%s/%d' && echo open" % (address, port))
        return out.stdout.strip() == "open"

    def curl_from(self, instance, url, extra=""):
        """True when `instance` gets an HTTP answer from `url` within 3 s."""
        out = self.ssh(instance, "curl -s -o /dev/null -m 3 -w '%%{http_code}' %s %s" % (extra, url))
        return out.stdout.strip() == "200"

    def test_security_groups_are_enforced(self):
        self.create_key("net")
        self.image = self.base_image()
        anywhere = [{"CidrIp": "0.0.0.0/0"}]
        ssh = self.group("ssh", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": anywhere}])
        client = self.group("client")
        app = self.group("app")
        web_rule = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": client}]}
        self.ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[web_rule])

        private, private_table, gateway = self.private_subnet()
        # A VPC of its own with a web server, to be peered with the default VPC later.
        peer_vpc = self.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
        peer_subnet = self.ec2.create_subnet(VpcId=peer_vpc, CidrBlock="10.60.1.0/24",
                                             AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        peer_group = self.ec2.create_security_group(GroupName="peer-web", Description="peer web",
                                                    VpcId=peer_vpc)["GroupId"]
        ids = {"app": self.launch([ssh, app], WEB_SERVER), "client": self.launch([ssh, client]),
               "outsider": self.launch([ssh], SubnetId=private),
               "peer": self.launch([peer_group], WEB_SERVER, SubnetId=peer_subnet)}
        for instance_id in ids.values():
            self.waiter("instance_running", instance_id)
        vms = {name: self.describe(i) for name, i in ids.items()}
        self.assertIn("PublicIpAddress", vms["outsider"])
        for name in ("app", "client"):
            self.wait_ssh(vms[name])

        # The private subnet: unreachable from the host despite the public IP, reachable from
        # the public subnet; a route to the internet gateway opens it.
        self.wait_for(lambda: self.tcp_open_from(vms["client"], vms["outsider"]["PrivateIpAddress"], 22), 300,
                      "the private instance's sshd is not reachable from the public subnet")
        self.assertFalse(self.ssh_answers(vms["outsider"]))
        self.ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        self.wait_ssh(vms["outsider"], deadline=30)

        # A network ACL on that subnet: stateless, numbered entries, the first match decides.
        acl = self.ec2.create_network_acl(VpcId=vms["outsider"]["VpcId"])["NetworkAcl"]["NetworkAclId"]
        ssh_in = dict(NetworkAclId=acl, RuleNumber=100, Protocol="6", Egress=False, CidrBlock="0.0.0.0/0",
                      PortRange={"From": 22, "To": 22})
        self.ec2.create_network_acl_entry(RuleAction="allow", **ssh_in)
        self.ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                          Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
        default_acl = self.ec2.describe_network_acls(Filters=[
            {"Name": "association.subnet-id", "Values": [private]}])["NetworkAcls"][0]
        association = [a for a in default_acl["Associations"] if a["SubnetId"] == private][0]
        moved = self.ec2.replace_network_acl_association(
            AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)["NewAssociationId"]
        self.wait_ssh(vms["outsider"], deadline=30)  # 22 in, replies out to ephemeral ports
        self.assertFalse(self.tcp_open_from(vms["outsider"], vms["app"]["PrivateIpAddress"], 22))  # 22 out: denied
        self.ec2.replace_network_acl_entry(RuleAction="deny", **ssh_in)
        self.wait_for(lambda: not self.ssh_answers(vms["outsider"]), 30, "the deny entry did not apply")
        self.ec2.replace_network_acl_association(AssociationId=moved, NetworkAclId=default_acl["NetworkAclId"])
        self.wait_ssh(vms["outsider"], deadline=30)
        app_vm = vms["app"]
        url = "http://%s:8080/" % app_vm["PrivateIpAddress"]
        web = self.ssh(app_vm, "cloud-init status --wait >/dev/null; sudo systemctl is-active web", timeout=300)
        self.assertEqual(web.stdout.strip(), "active", web)

        # 8080: from a member of `client` only; not from the outsider, not from the host.
        self.assertTrue(self.curl_from(vms["client"], url))
        self.assertFalse(self.curl_from(vms["outsider"], url))
        host = self.server_curl("http://%s:8080/" % app_vm["PublicIpAddress"])
        self.assertFalse(host, "the host reached a port no rule opens")

        # A revoked rule blocks new connections within a second, while a connection that was
        # established before goes on (tracked connections survive, as on AWS).
        keep = self.ssh(vms["client"], KEPT_CONNECTION % app_vm["PrivateIpAddress"])
        self.assertEqual(keep.returncode, 0, keep.stderr)
        self.wait_for(lambda: self.ssh(vms["client"], "test -e /var/tmp/open").returncode == 0, 30,
                      "the connection to keep did not open")
        self.ec2.revoke_security_group_ingress(GroupId=app, IpPermissions=[web_rule])
        took = self.wait_for(lambda: not self.curl_from(vms["client"], url, "--connect-timeout 0.5"), 10,
                             "new connections still pass after the revoke")
        print("\nrevoke -> blocked in at most %.1f s (including one probe)" % took)
        self.ssh(vms["client"], "touch /var/tmp/go")
        self.wait_for(lambda: "HTTP/1.0 200" in self.ssh(vms["client"], "cat /var/tmp/kept").stdout, 10,
                      "the established connection did not survive the revoke")
        self.ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[web_rule])
        self.wait_for(lambda: self.curl_from(vms["client"], url), 30, "the re-authorized rule did not apply")

        # A prefix list as a rule's peer: the outsider gets in while its address is an entry of
        # the list's current version (a new version takes it out, restoring the old one back in).
        outsider_cidr = vms["outsider"]["PrivateIpAddress"] + "/32"
        pl = self.ec2.create_managed_prefix_list(PrefixListName="outsider", AddressFamily="IPv4", MaxEntries=2,
                                                 Entries=[{"Cidr": outsider_cidr}])["PrefixList"]["PrefixListId"]
        self.ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "PrefixListIds": [{"PrefixListId": pl}]}])
        self.wait_for(lambda: self.curl_from(vms["outsider"], url), 30, "the prefix list's entry was not let in")
        self.ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=1, RemoveEntries=[{"Cidr": outsider_cidr}],
                                            AddEntries=[{"Cidr": "192.0.2.0/24"}])
        self.wait_for(lambda: not self.curl_from(vms["outsider"], url, "--connect-timeout 0.5"), 30,
                      "a removed prefix list entry still gets in")
        self.assertTrue(self.curl_from(vms["client"], url))  # its group's rule is untouched
        self.ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=1, CurrentVersion=2)
        self.wait_for(lambda: self.curl_from(vms["outsider"], url), 30, "the restored version was not let in")

        # A forged source address is dropped at the VPC router (source/destination check on).
        self.ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": anywhere}])
        self.assertTrue(self.curl_from(vms["outsider"], url))
        forged = self.forged_address(vms)
        add = self.ssh(vms["outsider"], "sudo ip addr add %s/32 dev eth0" % forged)
        self.assertEqual(add.returncode, 0, add.stderr)
        self.assertFalse(self.curl_from(vms["outsider"], url, "--interface " + forged))
        self.assertTrue(self.curl_from(vms["outsider"], url))  # its own address still works

        # VPC peering: the peer VPC's web server is out of reach until the connection is active,
        # its group lets `client` in (a group of the other VPC) and both sides route it.
        peer_url = "http://%s:8080/" % vms["peer"]["PrivateIpAddress"]
        self.assertFalse(self.curl_from(vms["client"], peer_url))
        pcx = self.ec2.create_vpc_peering_connection(VpcId=vms["client"]["VpcId"], PeerVpcId=peer_vpc)[
            "VpcPeeringConnection"]["VpcPeeringConnectionId"]
        self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        self.ec2.authorize_security_group_ingress(GroupId=peer_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": client}]}])
        main_tables = {vpc: self.ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0][
            "RouteTableId"] for vpc in (vms["client"]["VpcId"], peer_vpc)}
        self.ec2.create_route(RouteTableId=main_tables[vms["client"]["VpcId"]], DestinationCidrBlock="10.60.0.0/16",
                              VpcPeeringConnectionId=pcx)
        self.assertFalse(self.curl_from(vms["client"], peer_url))  # one side only: no way back
        # The way back leads to a prefix list holding the default VPC's range.
        back = self.ec2.create_managed_prefix_list(PrefixListName="default-vpc", AddressFamily="IPv4", MaxEntries=1,
                                                   Entries=[{"Cidr": "172.31.0.0/16"}])["PrefixList"]["PrefixListId"]
        self.ec2.create_route(RouteTableId=main_tables[peer_vpc], DestinationPrefixListId=back,
                              VpcPeeringConnectionId=pcx)
        self.wait_for(lambda: self.curl_from(vms["client"], peer_url), 300,
                      "the peer VPC's web server is not reachable over the active peering")
        self.assertFalse(self.curl_from(vms["app"], peer_url))  # not a member of `client`
        self.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        self.wait_for(lambda: not self.curl_from(vms["client"], peer_url), 30,
                      "the peer VPC is still reachable after the peering was deleted")

        # An Elastic IP replaces the automatic public IP, stays across stop/start, and moves.
        address = self.ec2.allocate_address(Domain="vpc")
        self.ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=ids["outsider"])
        by_eip = dict(vms["outsider"], PublicIpAddress=address["PublicIp"])
        self.wait_ssh(by_eip, deadline=30)
        self.assertEqual(self.hostname(by_eip), vms["outsider"]["PrivateDnsName"].split(".")[0])
        self.assertFalse(self.ssh_answers(vms["outsider"]))  # the automatic IP is gone
        self.ec2.stop_instances(InstanceIds=[ids["outsider"]])
        self.waiter("instance_stopped", ids["outsider"])
        self.assertEqual(self.describe(ids["outsider"])["PublicIpAddress"], address["PublicIp"])
        self.ec2.start_instances(InstanceIds=[ids["outsider"]])
        self.assertEqual(self.describe(ids["outsider"])["PublicIpAddress"], address["PublicIp"])
        self.ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=ids["client"],
                                   AllowReassociation=True)
        client_name = vms["client"]["PrivateDnsName"].split(".")[0]
        self.wait_for(lambda: self.hostname(by_eip) == client_name, 30, "the Elastic IP did not move")

    def hostname(self, instance):
        """The hostname `instance` reports over SSH ("" when SSH does not answer in time)."""
        try:
            return self.ssh(instance, "hostname").stdout.strip()
        except subprocess.TimeoutExpired:
            return ""

    def server_curl(self, url):
        """True when the host gets an HTTP answer from `url` within 3 s."""
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "3", "-w", "%{http_code}", url],
                             capture_output=True, text=True)
        return out.stdout.strip() == "200"

    def forged_address(self, vms):
        """An address of the subnet no instance has."""
        used = {vm["PrivateIpAddress"] for vm in vms.values()}
        prefix = vms["outsider"]["PrivateIpAddress"].rsplit(".", 1)[0]
        return next("%s.%d" % (prefix, n) for n in range(200, 250) if "%s.%d" % (prefix, n) not in used)


if __name__ == "__main__":
    unittest.main()
