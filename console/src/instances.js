// The Instances view: every instance of the region with its Name tag, id, state, type, zone and
// addresses; a filter over those; start, stop, reboot and terminate of the selected ones. The
// list refreshes every 2 s while an instance is changing state, else every 10 s.
import {
  DescribeInstancesCommand, RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { act, dataTable, el, notice, poll, tagValue } from "./ui.js";

const SETTLED = new Set(["running", "stopped", "terminated"]);
const ACTIONS = [
  ["Start", StartInstancesCommand, "Starting"],
  ["Stop", StopInstancesCommand, "Stopping"],
  ["Reboot", RebootInstancesCommand, "Rebooting"],
  ["Terminate", TerminateInstancesCommand, "Terminating"],
];

// Newest launch first.
const byLaunch = (a, b) => (b.LaunchTime?.getTime() ?? 0) - (a.LaunchTime?.getTime() ?? 0);

// Every instance the caller may see, newest launch first. With `onFirstPage`, the first 100 come
// in a page of their own and are handed to it (sorted) while the rest load, so that a long list
// shows at once.
export async function listInstances(ec2, onFirstPage) {
  const out = [];
  let token;
  let first = true;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({
      MaxResults: first && onFirstPage ? 100 : 1000, NextToken: token,
    }));
    for (const reservation of page.Reservations ?? []) out.push(...(reservation.Instances ?? []));
    token = page.NextToken;
    if (first && onFirstPage && token) onFirstPage([...out].sort(byLaunch));
    first = false;
  } while (token);
  return out.sort(byLaunch);
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

  let loaded = false;  // the whole list has loaded once
  function render() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = instances.filter((i) => words.every((w) => searchable(i).includes(w)));
    table.render(shown);
    count.textContent = `${shown.length} of ${instances.length} instances${loaded ? "" : " (loading more…)"}`;
  }

  // The first load shows the first page at once; bench/console.py reads the performance marks.
  const polling = poll(async () => {
    instances = await listInstances(ec2, loaded ? undefined : (firstPage) => {
      instances = firstPage;
      render();
      performance.mark("instances-first-page-drawn");
    });
    loaded = true;
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
