// The launch wizard: an AMI, an instance type, a key pair, a subnet (its zone) and a security group
// of the subnet's VPC, user data, tags and an instance profile; Launch calls RunInstances and
// goes back to the instance list.
import {
  DescribeImagesCommand, DescribeInstanceTypeOfferingsCommand, DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand, DescribeSubnetsCommand, RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { act, el, field, options, reporting, tagValue } from "./ui.js";

// "KEY=VALUE" lines as an AWS Tags list (blank lines skipped).
function parseTags(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const eq = line.indexOf("=");
    return eq < 0 ? { Key: line, Value: "" } : { Key: line.slice(0, eq).trim(), Value: line.slice(eq + 1).trim() };
  });
}

// Mounts the wizard in `container`; returns its unmount function.
export function mountLaunch(container, { ec2 }) {
  const image = el("select", { id: "launch-image", required: true });
  const type = el("input", { id: "launch-type", list: "launch-types", value: "t3.micro", required: true });
  const types = el("datalist", { id: "launch-types" });
  const keyName = el("select", { id: "launch-key" });
  const subnet = el("select", { id: "launch-subnet", required: true });
  const group = el("select", { id: "launch-group", required: true });
  const name = el("input", { id: "launch-name" });
  const tags = el("textarea", { id: "launch-tags", rows: 3, placeholder: "team=web" });
  const userData = el("textarea", { id: "launch-user-data", rows: 6, placeholder: "#!/bin/bash" });
  const profile = el("input", { id: "launch-profile", placeholder: "instance profile name" });
  let groups = [];
  let subnets = [];

  function showGroups() {
    const vpc = subnets.find((s) => s.SubnetId === subnet.value)?.VpcId;
    group.replaceChildren(...options(groups.filter((g) => g.VpcId === vpc), (g) => g.GroupId,
      (g) => `${g.GroupName} (${g.GroupId})`));
  }
  subnet.addEventListener("change", showGroups);

  reporting(async () => {
    const [images, offerings, keys, foundSubnets, foundGroups] = await Promise.all([
      ec2.send(new DescribeImagesCommand({ Owners: ["self", "amazon"] })),
      ec2.send(new DescribeInstanceTypeOfferingsCommand({})),
      ec2.send(new DescribeKeyPairsCommand({})),
      ec2.send(new DescribeSubnetsCommand({})),
      ec2.send(new DescribeSecurityGroupsCommand({})),
    ]);
    image.replaceChildren(...options(images.Images ?? [], (i) => i.ImageId, (i) => `${i.Name} (${i.ImageId})`));
    types.replaceChildren(...(offerings.InstanceTypeOfferings ?? []).map((o) => o.InstanceType).sort()
      .map((t) => el("option", { value: t })));
    keyName.replaceChildren(...options(keys.KeyPairs ?? [], (k) => k.KeyName, (k) => k.KeyName, "No key pair"));
    subnets = (foundSubnets.Subnets ?? []).sort((a, b) => a.AvailabilityZone.localeCompare(b.AvailabilityZone));
    subnet.replaceChildren(...options(subnets, (s) => s.SubnetId,
      (s) => `${s.AvailabilityZone}: ${tagValue(s.Tags, "Name") || s.SubnetId} (${s.CidrBlock})`));
    groups = foundGroups.SecurityGroups ?? [];
    showGroups();
  });

  async function launch(event) {
    event.preventDefault();
    const allTags = parseTags(tags.value);
    if (name.value.trim()) allTags.unshift({ Key: "Name", Value: name.value.trim() });
    const request = {
      ImageId: image.value, InstanceType: type.value.trim(), MinCount: 1, MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.value, Groups: [group.value], AssociatePublicIpAddress: true }],
    };
    if (keyName.value) request.KeyName = keyName.value;
    if (userData.value) request.UserData = btoa(unescape(encodeURIComponent(userData.value)));
    if (allTags.length) request.TagSpecifications = [{ ResourceType: "instance", Tags: allTags }];
    if (profile.value.trim()) request.IamInstanceProfile = { Name: profile.value.trim() };
    const ok = await act(() => ec2.send(new RunInstancesCommand(request)),
      (answer) => `Launching ${answer.Instances[0].InstanceId}.`);
    if (ok) location.hash = "#instances";
  }

  container.replaceChildren(
    el("h2", {}, "Launch an instance"),
    el("form", { id: "launch", class: "form", onsubmit: launch },
      field("Name", name),
      field("AMI", image),
      field("Instance type", type), types,
      field("Key pair", keyName),
      field("Subnet", subnet),
      field("Security group", group),
      field("User data", userData),
      field("More tags (KEY=VALUE per line)", tags),
      field("Instance profile", profile),
      el("button", { type: "submit" }, "Launch")));
  return () => {};
}
