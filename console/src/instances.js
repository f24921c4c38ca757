// The Instances view: every instance of the region with its Name tag, id, state, type, zone and
// addresses; a filter over those; start, stop, reboot and terminate of the selected ones. The
// list refreshes every 2 s while an instance is changing state, else every 10 s.
import {
  RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand,
  TerminateInstancesCommand, paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { el, errorText, notice, reporting } from "./ui.js";

const SETTLED = new Set(["running", "stopped", "terminated"]);
const ACTIONS = [
  ["Start", StartInstancesCommand, "Starting"],
  ["Stop", StopInstancesCommand, "Stopping"],
  ["Reboot", RebootInstancesCommand, "Rebooting"],
  ["Terminate", TerminateInstancesCommand, "Terminating"],
];

// Every instance the caller may see, newest launch first.
async function listInstances(ec2) {
  const out = [];
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
    for (const reservation of page.Reservations ?? []) out.push(...(reservation.Instances ?? []));
  }
  return out.sort((a, b) => (b.LaunchTime?.getTime() ?? 0) - (a.LaunchTime?.getTime() ?? 0));
}

// The value of tag `key` of `instance`, or "".
function tag(instance, key) {
  return instance.Tags?.find((t) => t.Key === key)?.Value ?? "";
}

// The text a row is filtered by.
function searchable(instance) {
  return [tag(instance, "Name"), instance.InstanceId, instance.State?.Name, instance.InstanceType,
    instance.Placement?.AvailabilityZone, instance.PublicIpAddress, instance.PrivateIpAddress].join(" ").toLowerCase();
}

// The table row of `instance`; its checkbox carries the instance id.
function row(instance) {
  const id = instance.InstanceId;
  const name = tag(instance, "Name");
  const state = instance.State?.Name ?? "";
  return el("tr", { "data-instance-id": id },
    el("td", {}, el("input", { type: "checkbox", value: id, "aria-label": `Select ${name || id}` })),
    el("td", {}, name),
    el("td", {}, id),
    el("td", { class: `state state-${state}` }, state),
    el("td", {}, instance.InstanceType ?? ""),
    el("td", {}, instance.Placement?.AvailabilityZone ?? ""),
    el("td", { class: "public-ip" }, instance.PublicIpAddress ?? "–"),
    el("td", {}, instance.PrivateIpAddress ?? "–"));
}

// Mounts the view in `container` for `session`'s EC2 client `ec2`; returns its unmount function.
export function mountInstances(container, ec2) {
  let instances = [];
  let timer = null;
  let stopped = false;
  const filter = el("input", { id: "instance-filter", type: "search", placeholder: "Name, id, state, type, zone or IP" });
  const count = el("span", { id: "instance-count" });
  const body = el("tbody");
  const selected = () => [...body.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);

  function render() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const keep = new Set(selected());
    const shown = instances.filter((i) => words.every((w) => searchable(i).includes(w)));
    const rows = document.createDocumentFragment();
    for (const instance of shown) {
      const tr = row(instance);
      if (keep.has(instance.InstanceId)) tr.querySelector("input").checked = true;
      rows.append(tr);
    }
    body.replaceChildren(rows);
    count.textContent = `${shown.length} of ${instances.length} instances`;
  }

  async function refresh() {
    clearTimeout(timer);
    const fresh = await reporting(() => listInstances(ec2));
    if (stopped) return;
    if (fresh) {
      instances = fresh;
      render();
    }
    const changing = instances.some((i) => !SETTLED.has(i.State?.Name));
    timer = setTimeout(refresh, changing ? 2000 : 10000);
  }

  async function act(label, Command, doing) {
    const ids = selected();
    if (ids.length === 0) return notice("Select instances first.");
    try {
      await ec2.send(new Command({ InstanceIds: ids }));
      notice(`${doing} ${ids.join(", ")}.`, true);
    } catch (error) {
      notice(errorText(error));
    }
    refresh();
  }

  filter.addEventListener("input", render);
  container.replaceChildren(
    el("h2", {}, "Instances"),
    el("div", { class: "toolbar" },
      el("label", { for: "instance-filter" }, "Filter"), filter, count,
      ...ACTIONS.map(([label, Command, doing]) =>
        el("button", { type: "button", onclick: () => act(label, Command, doing) }, label)),
      el("button", { type: "button", onclick: refresh }, "Refresh")),
    el("table", { id: "instances" },
      el("caption", { class: "visually-hidden" }, "Instances of the region"),
      el("thead", {}, el("tr", {}, ...["Select", "Name", "Instance ID", "State", "Type", "Availability Zone",
        "Public IPv4", "Private IPv4"].map((h) => el("th", { scope: "col" }, h)))),
      body));
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

