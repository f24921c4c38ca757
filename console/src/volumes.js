// The Volumes and snapshots view: the region's volumes (size, type, state, zone, attachment) and
// the account's snapshots; a volume created (empty or from a snapshot), attached to an instance,
// detached, snapshotted or deleted; a snapshot deleted. Refreshes every 2 s while one is changing.
import {
  AttachVolumeCommand, CreateSnapshotCommand, CreateVolumeCommand, DeleteSnapshotCommand, DeleteVolumeCommand,
  DescribeAvailabilityZonesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, DetachVolumeCommand,
} from "@aws-sdk/client-ec2";
import { listInstances } from "./instances.js";
import { act, dataTable, el, field, notice, options, poll, reporting, tagValue } from "./ui.js";

const SETTLED_VOLUMES = new Set(["available", "in-use", "deleted", "error"]);

// "i-... (/dev/sdf)" for an attached volume, else "–".
function attachment(volume) {
  const a = volume.Attachments?.[0];
  return a ? `${a.InstanceId} (${a.Device}, ${a.State})` : "–";
}

// Mounts the view in `container`; returns its unmount function.
export function mountVolumes(container, { ec2 }) {
  let volumes = [];
  let snapshots = [];
  const volumeTable = dataTable({
    id: "volumes", caption: "Volumes", key: (v) => v.VolumeId, columns: [
      { title: "Volume ID", value: (v) => v.VolumeId },
      { title: "Name", value: (v) => tagValue(v.Tags, "Name") },
      { title: "Size (GiB)", value: (v) => String(v.Size) },
      { title: "Type", value: (v) => v.VolumeType },
      { title: "State", value: (v) => v.State, className: (v) => `state state-${v.State}` },
      { title: "Availability Zone", value: (v) => v.AvailabilityZone },
      { title: "Attached to", value: attachment },
      { title: "From snapshot", value: (v) => v.SnapshotId || "–" },
    ],
  });
  const snapshotTable = dataTable({
    id: "snapshots", caption: "Snapshots", key: (s) => s.SnapshotId, columns: [
      { title: "Snapshot ID", value: (s) => s.SnapshotId },
      { title: "Volume", value: (s) => s.VolumeId },
      { title: "Size (GiB)", value: (s) => String(s.VolumeSize) },
      { title: "State", value: (s) => `${s.State} ${s.Progress ?? ""}`, className: (s) => `state state-${s.State}` },
      { title: "Description", value: (s) => s.Description ?? "" },
      { title: "Started", value: (s) => s.StartTime?.toISOString() ?? "" },
    ],
  });

  const size = el("input", { id: "volume-size", type: "number", min: "1", value: "8" });
  const type = el("select", { id: "volume-type" }, ...["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"]
    .map((t) => el("option", { value: t }, t)));
  const zone = el("select", { id: "volume-zone" });
  const fromSnapshot = el("select", { id: "volume-snapshot" });
  const instance = el("select", { id: "attach-instance" });
  const device = el("input", { id: "attach-device", value: "/dev/sdf" });
  const snapshotDescription = el("input", { id: "snapshot-description" });

  const polling = poll(async () => {
    const [v, s, running] = await Promise.all([
      ec2.send(new DescribeVolumesCommand({})),
      ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] })),
      listInstances(ec2),
    ]);
    volumes = v.Volumes ?? [];
    snapshots = s.Snapshots ?? [];
    volumeTable.render(volumes);
    snapshotTable.render(snapshots);
    const keepSnapshot = fromSnapshot.value;
    fromSnapshot.replaceChildren(...options(snapshots.filter((x) => x.State === "completed"), (x) => x.SnapshotId,
      (x) => `${x.SnapshotId} (${x.VolumeSize} GiB)`, "None: an empty volume"));
    fromSnapshot.value = keepSnapshot;
    const keepInstance = instance.value;
    instance.replaceChildren(...options(running.filter((i) => i.State?.Name !== "terminated"), (i) => i.InstanceId,
      (i) => `${tagValue(i.Tags, "Name") || i.InstanceId} (${i.InstanceId}, ${i.Placement?.AvailabilityZone})`));
    instance.value = keepInstance || instance.value;
  }, () => (volumes.some((v) => !SETTLED_VOLUMES.has(v.State)) || snapshots.some((s) => s.State === "pending")
    || volumes.some((v) => v.Attachments?.some((a) => a.State !== "attached")) ? 2000 : 10000));

  reporting(async () => {
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
    zone.replaceChildren(...options(zones, (z) => z.ZoneName, (z) => z.ZoneName));
  });

  // Runs `command(id)` for each selected volume, reporting `doing`.
  async function eachVolume(command, doing) {
    const ids = volumeTable.selected();
    if (ids.length === 0) return notice("Select volumes first.");
    await act(async () => { for (const id of ids) await ec2.send(command(id)); }, `${doing} ${ids.join(", ")}.`);
    polling.refresh();
  }

  async function createVolume(event) {
    event.preventDefault();
    const request = { AvailabilityZone: zone.value, VolumeType: type.value };
    if (fromSnapshot.value) request.SnapshotId = fromSnapshot.value;
    if (size.value) request.Size = Number(size.value);
    await act(() => ec2.send(new CreateVolumeCommand(request)), (answer) => `Creating ${answer.VolumeId}.`);
    polling.refresh();
  }

  async function deleteSnapshots() {
    const ids = snapshotTable.selected();
    if (ids.length === 0) return notice("Select snapshots first.");
    await act(async () => { for (const id of ids) await ec2.send(new DeleteSnapshotCommand({ SnapshotId: id })); },
      `Deleted ${ids.join(", ")}.`);
    polling.refresh();
  }

  container.replaceChildren(
    el("h2", {}, "Volumes"),
    el("div", { class: "toolbar" },
      field("Instance", instance), field("Device", device),
      el("button", { type: "button", onclick: () => eachVolume((id) => new AttachVolumeCommand({
        VolumeId: id, InstanceId: instance.value, Device: device.value.trim() }), "Attaching") }, "Attach"),
      el("button", { type: "button", onclick: () => eachVolume((id) => new DetachVolumeCommand({ VolumeId: id }), "Detaching") }, "Detach"),
      field("Snapshot description", snapshotDescription),
      el("button", { type: "button", onclick: () => eachVolume((id) => new CreateSnapshotCommand({
        VolumeId: id, Description: snapshotDescription.value.trim() || undefined }), "Snapshotting") }, "Create snapshot"),
      el("button", { type: "button", onclick: () => eachVolume((id) => new DeleteVolumeCommand({ VolumeId: id }), "Deleting") }, "Delete volume")),
    volumeTable.element,
    el("form", { id: "create-volume", class: "toolbar", onsubmit: createVolume, "aria-label": "New volume" },
      field("Size (GiB)", size), field("Volume type", type), field("Availability Zone", zone),
      field("From snapshot", fromSnapshot), el("button", { type: "submit" }, "Create volume")),
    el("h2", {}, "Snapshots"),
    el("div", { class: "toolbar" }, el("button", { type: "button", onclick: deleteSnapshots }, "Delete snapshot")),
    snapshotTable.element);
  return polling.stop;
}
