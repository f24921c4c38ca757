// The Security groups view: the region's groups; the rules of the group chosen, inbound and
// outbound, each removable; a rule added to it; a group created in a VPC or deleted.
import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, DescribeVpcsCommand,
  RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { act, dataTable, el, field, notice, options, reporting } from "./ui.js";

// "22", "80-443", "All" or "–" for a rule's ports.
function ports(rule) {
  if (rule.IpProtocol === "-1") return "All";
  if (rule.FromPort === -1 || rule.FromPort === undefined) return "–";
  return rule.FromPort === rule.ToPort ? String(rule.FromPort) : `${rule.FromPort}-${rule.ToPort}`;
}

// Where a rule's traffic comes from or goes to.
function peer(rule) {
  return rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId ?? "";
}

// Mounts the view in `container`; returns its unmount function.
export function mountSecurityGroups(container, { ec2 }) {
  let groups = [];
  const chosen = el("select", { id: "group-choice" });
  const groupTable = dataTable({
    id: "security-groups", caption: "Security groups", key: (g) => g.GroupId, selectable: false, columns: [
      { title: "Name", value: (g) => g.GroupName },
      { title: "Group ID", value: (g) => g.GroupId },
      { title: "VPC", value: (g) => g.VpcId },
      { title: "Description", value: (g) => g.Description },
    ],
  });
  const ruleTable = dataTable({
    id: "group-rules", caption: "Rules of the chosen group", key: (r) => r.SecurityGroupRuleId, columns: [
      { title: "Rule ID", value: (r) => r.SecurityGroupRuleId },
      { title: "Direction", value: (r) => (r.IsEgress ? "outbound" : "inbound") },
      { title: "Protocol", value: (r) => (r.IpProtocol === "-1" ? "all" : r.IpProtocol) },
      { title: "Ports", value: ports },
      { title: "Source or destination", value: peer },
      { title: "Description", value: (r) => r.Description ?? "" },
    ],
  });
  let rules = [];

  async function loadRules() {
    if (!chosen.value) return ruleTable.render([]);
    const answer = await ec2.send(new DescribeSecurityGroupRulesCommand({
      Filters: [{ Name: "group-id", Values: [chosen.value] }],
    }));
    rules = answer.SecurityGroupRules ?? [];
    ruleTable.render(rules);
  }

  async function load() {
    const keep = chosen.value;
    groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    groupTable.render(groups);
    chosen.replaceChildren(...options(groups, (g) => g.GroupId, (g) => `${g.GroupName} (${g.GroupId})`));
    if (groups.some((g) => g.GroupId === keep)) chosen.value = keep;
    await loadRules();
  }
  chosen.addEventListener("change", () => reporting(loadRules));

  async function removeRules() {
    const ids = ruleTable.selected();
    if (ids.length === 0) return notice("Select rules first.");
    const chosenRules = rules.filter((r) => ids.includes(r.SecurityGroupRuleId));
    const inbound = chosenRules.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId);
    const outbound = chosenRules.filter((r) => r.IsEgress).map((r) => r.SecurityGroupRuleId);
    await act(async () => {
      if (inbound.length) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: chosen.value, SecurityGroupRuleIds: inbound }));
      if (outbound.length) await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: chosen.value, SecurityGroupRuleIds: outbound }));
    }, `Removed ${ids.join(", ")}.`);
    reporting(loadRules);
  }

  const direction = el("select", { id: "rule-direction" }, el("option", { value: "inbound" }, "inbound"),
    el("option", { value: "outbound" }, "outbound"));
  const protocol = el("select", { id: "rule-protocol" }, ...["tcp", "udp", "icmp", "all"].map((p) => el("option", { value: p }, p)));
  const fromPort = el("input", { id: "rule-from", type: "number", value: "22" });
  const toPort = el("input", { id: "rule-to", type: "number", value: "22" });
  const cidr = el("input", { id: "rule-cidr", value: "0.0.0.0/0", required: true });
  const description = el("input", { id: "rule-description" });

  async function addRule(event) {
    event.preventDefault();
    const all = protocol.value === "all";
    const permission = { IpProtocol: all ? "-1" : protocol.value, IpRanges: [{ CidrIp: cidr.value.trim() }] };
    if (description.value.trim()) permission.IpRanges[0].Description = description.value.trim();
    if (!all) {
      permission.FromPort = Number(fromPort.value);
      permission.ToPort = Number(toPort.value);
    }
    const Command = direction.value === "inbound" ? AuthorizeSecurityGroupIngressCommand : AuthorizeSecurityGroupEgressCommand;
    await act(() => ec2.send(new Command({ GroupId: chosen.value, IpPermissions: [permission] })),
      `Added a ${direction.value} rule to ${chosen.value}.`);
    reporting(loadRules);
  }

  const newName = el("input", { id: "group-name", required: true });
  const newDescription = el("input", { id: "group-description", required: true });
  const newVpc = el("select", { id: "group-vpc" });
  reporting(async () => {
    const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    newVpc.replaceChildren(...options(vpcs, (v) => v.VpcId, (v) => `${v.VpcId} (${v.CidrBlock}${v.IsDefault ? ", default" : ""})`));
  });

  async function createGroup(event) {
    event.preventDefault();
    const ok = await act(() => ec2.send(new CreateSecurityGroupCommand({
      GroupName: newName.value.trim(), Description: newDescription.value.trim(), VpcId: newVpc.value,
    })), (answer) => `Created ${answer.GroupId}.`);
    if (ok) event.target.reset();
    reporting(load);
  }

  async function deleteGroup() {
    await act(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: chosen.value })), `Deleted ${chosen.value}.`);
    reporting(load);
  }

  container.replaceChildren(
    el("h2", {}, "Security groups"),
    groupTable.element,
    el("h3", {}, "Rules"),
    el("div", { class: "toolbar" }, field("Group", chosen),
      el("button", { type: "button", onclick: removeRules }, "Remove selected rules"),
      el("button", { type: "button", onclick: deleteGroup }, "Delete group")),
    ruleTable.element,
    el("form", { id: "add-rule", class: "toolbar", onsubmit: addRule, "aria-label": "Add a rule" },
      field("Direction", direction), field("Protocol", protocol), field("From port", fromPort),
      field("To port", toPort), field("CIDR", cidr), field("Rule description", description),
      el("button", { type: "submit" }, "Add rule")),
    el("h3", {}, "New security group"),
    el("form", { id: "create-group", class: "toolbar", onsubmit: createGroup, "aria-label": "New security group" },
      field("Group name", newName), field("Group description", newDescription), field("VPC", newVpc),
      el("button", { type: "submit" }, "Create group")));
  reporting(load);
  return () => {};
}
