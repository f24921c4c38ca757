#pragma once
// EBS snapshots through the API: records of their own (kind "snapshot"), regional. Create
// (one volume, or every volume of an instance at once), Describe, Delete, Copy (to the calling
// region from another), and the createVolumePermission attribute. The reconciler takes them:
// pending -> completed (or error), their blocks in the block store.

#include <string>

#include "model/snapshot.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// The snapshot `id` if the caller may make volumes from it (its owner, or shared with it);
// throws InvalidSnapshot.NotFound (or InvalidSnapshotID.Malformed) otherwise.
model::Snapshot require_restorable_snapshot(CallContext& ctx, const std::string& id);

// Registers the snapshot actions.
void add_snapshot_actions(ActionTable& table);

}  // namespace stratus::ec2
