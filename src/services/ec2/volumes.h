#pragma once
// EBS volumes through the API: records of their own (kind "volume"), an instance's root volume
// among them from its launch. Create/Attach/Detach/Delete/DescribeVolumes, DescribeVolumeStatus,
// Describe/ModifyVolumeAttribute; an instance's BlockDeviceMappings are rendered from the
// volumes attached to it. The reconciler makes and deletes disks and hot-plugs them.

#include <string>
#include <vector>

#include "model/image.h"
#include "model/volume.h"
#include "services/ec2/call.h"
#include "store/store.h"

namespace stratus::ec2 {

// The volume `id`; throws InvalidVolume.NotFound (or InvalidVolumeID.Malformed).
model::Volume require_volume(CallContext& ctx, const std::string& id);

// Stores `volume`.
void save_volume(CallContext& ctx, const model::Volume& volume);

// Throws VolumeLimitExceeded unless `adding_gib` more GiB of volumes of `type` fit the account's
// storage quota for the type in the call's region.
void require_storage_room(CallContext& ctx, const std::string& type, int64_t adding_gib);

// The volumes attached to instance `instance_id` (in-use), in device name order.
std::vector<model::Volume> attached_volumes(CallContext& ctx, const std::string& instance_id);

// The volumes a launch from `image` in `zone` asks for (RunInstances BlockDeviceMappings over
// the image's): the root volume (the base image's disk copy-on-write, or its snapshot restored),
// one per further mapping of the image (from its snapshot) and one per mapping of the request
// (empty, or from a snapshot), each attached at its device with its DeleteOnTermination; a
// NoDevice mapping leaves out one of the image's. Ids, times, the instance and state are the
// caller's to set; not saved. Throws AWS's errors for a bad mapping or snapshot.
std::vector<model::Volume> launch_volumes(CallContext& ctx, const json& request, const model::Image& image,
                                          const std::string& zone);

// The BlockDeviceMappings of instance `instance_id`, from the volumes attached to it.
json block_device_mappings(CallContext& ctx, const std::string& instance_id);

// Registers the volume actions.
void add_volume_actions(ActionTable& table);

// Gives every instance record written before volumes were records of their own (its root
// volume only inside its BlockDeviceMappings) a volume record, in one transaction. Run once
// at start-up, before the reconciler.
void upgrade_root_volumes(store::Store& store);

}  // namespace stratus::ec2
