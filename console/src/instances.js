// The Instances view: every instance of the region with its Name tag, id, state, type, zone and
// addresses; a filter over those; start, stop, reboot and terminate of the selected ones. The
// list refreshes every 2 s while an instance is changing state, else every 10 s.
import {
  RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { act, dataTable, el, notice, poll, tagValue } from "./ui.js";

const SETTLED = new Set(["running", "stopped", "terminated"]);
const ACTIONS = [
  ["Start", StartInstancesCommand, "Starting"],
  ["Stop", StopInstancesCommand, "Stopping"],
  ["Reboot", RebootInstancesCommand, "Rebooting"],
  ["Terminate", TerminateInstancesCommand, "Terminating"],
];

// Every instance the caller may see, newest launch first.
export async function listInstances(ec2) {
  const out = [];
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
    for (const reservation of page.Reservations ?? []) out.push(...(reservation.Instances ?? []));
  }
  return out.sort((a, b) => (b.LaunchTime?.getTime() ?? 0) - (a.LaunchTime?.getTime() ?? 0));
}

// The text a row is filtered by.
function searchable(i) {
  return [tagValue(i.Tags, "Name"), i.InstanceId, i.State?.Name, i.InstanceType, i.Placement?.AvailabilityZone,
    i.PublicIpAddress, i.PrivateIpAddress].join(" ").toLowerCase();
}

// Mounts the view in `container` for the session's clients; returns its unmount function.
export function mountInstances(container, { ec2 }) {
  let instances = [];
  const filter = el("input", { id: "instance-filter", type: "search", placeholder: "Name, id, state, type, zone or IP" });
  const count = el("span", { id: "instance-count" });
  const table = dataTable({
    id: "instances", caption: "Instances of the region", key: (i) => i.InstanceId, columns: [
      { title: "Name", value: (i) => tagValue(i.Tags, "Name") },
      { title: "Instance ID", value: (i) => i.InstanceId },
      { title: "State", value: (i) => i.State?.Name, className: (i) => `state state-${i.State?.Name}` },
      { title: "Type", value: (i) => i.InstanceType },
      { title: "Availability Zone", value: (i) => i.Placement?.AvailabilityZone },
      { title: "Public IPv4", value: (i) => i.PublicIpAddress ?? "–", className: () => "public-ip" },
      { title: "Private IPv4", value: (i) => i.PrivateIpAddress ?? "–" },
      { title: "Connect", value: (i) => (i.State?.Name === "running"
        ? el("a", { href: `#connect/${i.InstanceId}`, "aria-label": `Connect to ${i.InstanceId}` }, "Connect") : "") },
    ],
  });

  function render() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = instances.filter((i) => words.every((w) => searchable(i).includes(w)));
    table.render(shown);
    count.textContent = `${shown.length} of ${instances.length} instances`;
  }

  const polling = poll(async () => {
    instances = await listInstances(ec2);
    performance.mark("instances-listed");  // bench/console.py reads these marks
    render();
    performance.mark("instances-drawn");
  }, () => (instances.some((i) => !SETTLED.has(i.State?.Name)) ? 2000 : 10000));

  async function run(Command, doing) {
    const ids = table.selected();
    if (ids.length === 0) return notice("Select instances first.");
    await act(() => ec2.send(new Command({ InstanceIds: ids })), `${doing} ${ids.join(", ")}.`);
    polling.refresh();
  }

  filter.addEventListener("input", render);
  container.replaceChildren(
    el("h2", {}, "Instances"),
    el("div", { class: "toolbar" },
      el("label", { for: "instance-filter" }, "Filter"), filter, count,
      ...ACTIONS.map(([label, Command, doing]) => el("button", { type: "button", onclick: () => run(Command, doing) }, label)),
      el("button", { type: "button", onclick: () => polling.refresh() }, "Refresh"),
      el("a", { href: "#launch", class: "button" }, "Launch instance")),
    table.element);
  return polling.stop;
}
