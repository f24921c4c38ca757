#pragma once
// EBS snapshots through the API: records of their own (kind "snapshot"), regional. Create
// (one volume, or every volume of an instance at once), Describe, Delete, Copy (to the calling
// region from another), and the createVolumePermission attribute. The reconciler takes them:
// pending -> completed (or error), their blocks in the block store.

#include <string>

#include "model/snapshot.h"
#include "model/volume.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// The snapshot `id` if the caller may make volumes from it (its owner, or shared with it);
// throws InvalidSnapshot.NotFound (or InvalidSnapshotID.Malformed) otherwise.
model::Snapshot require_restorable_snapshot(CallContext& ctx, const std::string& id);

// A new pending snapshot of `volume` described as `description`, owned by the caller; not
// saved. Throws IncorrectState unless the volume is available or in use, SnapshotLimitExceeded
// when the account has its quota of snapshots.
model::Snapshot snapshot_of(CallContext& ctx, const model::Volume& volume, const std::string& description);

// A new pending copy of `source` (a completed snapshot of `source_region`) in the call's
// region, owned by the caller; not saved. Throws SnapshotLimitExceeded as snapshot_of does.
model::Snapshot copy_of(CallContext& ctx, const model::Snapshot& source, const std::string& source_region,
                        const std::string& description);

// Stores `snapshot`.
void save_snapshot(CallContext& ctx, const model::Snapshot& snapshot);

// The snapshot `source_id` of region `source_region` if the caller may copy it, else
// InvalidSnapshot.NotFound; IncorrectState unless it is completed.
model::Snapshot require_copyable_snapshot(CallContext& ctx, const std::string& source_region, const std::string& source_id);

// Registers the snapshot actions.
void add_snapshot_actions(ActionTable& table);

}  // namespace stratus::ec2
