// The Elastic IPs view: the region's addresses and what each is associated with; an address
// allocated, associated with an instance, disassociated or released.
import {
  AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DisassociateAddressCommand,
  ReleaseAddressCommand,
} from "@aws-sdk/client-ec2";
import { listInstances } from "./instances.js";
import { act, dataTable, el, field, notice, options, poll, tagValue } from "./ui.js";

// Mounts the view in `container`; returns its unmount function.
export function mountAddresses(container, { ec2 }) {
  let addresses = [];
  const table = dataTable({
    id: "addresses", caption: "Elastic IP addresses", key: (a) => a.AllocationId, columns: [
      { title: "Public IPv4", value: (a) => a.PublicIp },
      { title: "Allocation ID", value: (a) => a.AllocationId },
      { title: "Instance", value: (a) => a.InstanceId ?? "–" },
      { title: "Private IPv4", value: (a) => a.PrivateIpAddress ?? "–" },
      { title: "Network interface", value: (a) => a.NetworkInterfaceId ?? "–" },
    ],
  });
  const instance = el("select", { id: "address-instance" });

  const polling = poll(async () => {
    const [found, instances] = await Promise.all([ec2.send(new DescribeAddressesCommand({})), listInstances(ec2)]);
    addresses = found.Addresses ?? [];
    table.render(addresses);
    const keep = instance.value;
    instance.replaceChildren(...options(instances.filter((i) => ["running", "stopped"].includes(i.State?.Name)),
      (i) => i.InstanceId, (i) => `${tagValue(i.Tags, "Name") || i.InstanceId} (${i.InstanceId})`));
    instance.value = keep || instance.value;
  }, () => 10000);

  // Runs `command(address)` for each selected address, reporting `doing`.
  async function each(command, doing) {
    const chosen = addresses.filter((a) => table.selected().includes(a.AllocationId));
    if (chosen.length === 0) return notice("Select addresses first.");
    await act(async () => { for (const a of chosen) await ec2.send(command(a)); },
      `${doing} ${chosen.map((a) => a.PublicIp).join(", ")}.`);
    polling.refresh();
  }

  async function allocate() {
    await act(() => ec2.send(new AllocateAddressCommand({ Domain: "vpc" })), (answer) => `Allocated ${answer.PublicIp}.`);
    polling.refresh();
  }

  container.replaceChildren(
    el("h2", {}, "Elastic IPs"),
    el("div", { class: "toolbar" },
      el("button", { type: "button", onclick: allocate }, "Allocate address"),
      field("Instance", instance),
      el("button", { type: "button", onclick: () => each((a) => new AssociateAddressCommand({
        AllocationId: a.AllocationId, InstanceId: instance.value }), "Associated") }, "Associate"),
      el("button", { type: "button", onclick: () => each((a) => new DisassociateAddressCommand({
        AssociationId: a.AssociationId }), "Disassociated") }, "Disassociate"),
      el("button", { type: "button", onclick: () => each((a) => new ReleaseAddressCommand({
        AllocationId: a.AllocationId }), "Released") }, "Release")),
    table.element);
  return polling.stop;
}
