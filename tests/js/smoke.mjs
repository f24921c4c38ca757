// What a new user of the AWS SDK for JavaScript v3 does against stratus, configured only by the
// environment `stratus env` prints (profile, region and endpoint_url from its files). Fails
// (exit 1) on the first unexpected answer; prints one JSON summary line on success.
// Usage: node smoke.mjs REGION   (the region the EC2 calls name; STS uses the profile's)
import assert from "node:assert/strict";
import {
  EC2Client, CreateVpcCommand, DescribeVpcsCommand, CreateSubnetCommand, CreateSecurityGroupCommand,
  AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, DescribeRegionsCommand,
  DescribeAvailabilityZonesCommand, CreateKeyPairCommand, DeleteKeyPairCommand, DeleteSecurityGroupCommand,
  DeleteSubnetCommand, DeleteVpcCommand, paginateDescribeInstanceTypes, waitUntilVpcAvailable,
} from "@aws-sdk/client-ec2";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const region = process.argv[2];
const ec2 = new EC2Client({ region, maxAttempts: 1 });
const sts = new STSClient({ maxAttempts: 1 });

const identity = await sts.send(new GetCallerIdentityCommand({}));
assert.match(identity.Account, /^\d{12}$/);

const regions = (await ec2.send(new DescribeRegionsCommand({}))).Regions.map((r) => r.RegionName);
assert.ok(regions.includes(region), `${region} not among ${regions}`);
const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones;
assert.ok(zones.every((z) => z.RegionName === region && z.ZoneName.startsWith(region)));

const tag = { Key: "Name", Value: `js-smoke-${process.pid}` };
const vpc = (await ec2.send(new CreateVpcCommand({
  CidrBlock: "10.77.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [tag] }],
}))).Vpc;
await waitUntilVpcAvailable({ client: ec2, maxWaitTime: 30 }, { VpcIds: [vpc.VpcId] });
const byTag = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: [tag.Value] }] }));
assert.deepEqual(byTag.Vpcs.map((v) => v.VpcId), [vpc.VpcId]);

const subnet = (await ec2.send(new CreateSubnetCommand({
  VpcId: vpc.VpcId, CidrBlock: "10.77.1.0/24", AvailabilityZone: zones[0].ZoneName,
}))).Subnet;
assert.equal(subnet.AvailabilityZone, zones[0].ZoneName);
const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "js-web", Description: "web", VpcId: vpc.VpcId }));
await ec2.send(new AuthorizeSecurityGroupIngressCommand({
  GroupId: group.GroupId,
  IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }] }],
}));
const described = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId] }))).SecurityGroups[0];
assert.equal(described.IpPermissions[0].IpRanges[0].Description, "https");

const key = await ec2.send(new CreateKeyPairCommand({ KeyName: `js-${process.pid}`, KeyType: "ed25519" }));
assert.match(key.KeyMaterial, /BEGIN OPENSSH PRIVATE KEY/);

let types = 0;
for await (const page of paginateDescribeInstanceTypes({ client: ec2, pageSize: 100 }, {})) types += page.InstanceTypes.length;
assert.ok(types > 100, `only ${types} instance types`);

// An AWS error arrives as an exception named after its code.
await assert.rejects(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] })),
  (e) => e.name === "InvalidVpcID.NotFound" && e.$metadata.httpStatusCode === 400);

await ec2.send(new DeleteKeyPairCommand({ KeyName: `js-${process.pid}` }));
await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId }));
await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
await ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
console.log(JSON.stringify({ account: identity.Account, vpc: vpc.VpcId, types }));
