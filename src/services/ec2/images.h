#pragma once
// AMIs: the base image every region offers (owner alias "amazon"), and the account's own:
// made from an instance's volumes (CreateImage) or registered from snapshots, copied between
// regions, shared by launch permission.

#include <cstdint>
#include <string>

#include "model/image.h"
#include "model/snapshot.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// A base image built by `stratus image build`, as the region registers it.
struct BaseImage {
  std::string name;         // "debian-12-amd64"
  std::string recipe_hash;  // identifies the build; one AMI per hash per region
  std::string directory;    // absolute path of the cached image (disk.qcow2, vmlinuz, initrd.img)
  int64_t built_at = 0;     // Unix seconds
  int64_t size_gib = 0;     // root volume size
};

// The owner id AWS shows for Amazon-published images and snapshots.
inline constexpr const char* kAmazonOwnerId = model::kAmazonOwnerId;

// Registers `image` as a public AMI of the call's region, once per recipe hash; the AMI of an
// earlier build stays (instances may use it). Returns the AMI id.
std::string register_base_image(CallContext& ctx, const BaseImage& image);

// The image `id` if the caller may launch it; InvalidAMIID.Malformed/NotFound otherwise, and
// InvalidAMIID.Unavailable while it is not available.
model::Image require_launchable_image(CallContext& ctx, const std::string& id);

// Registers the image actions: Describe, Create (from an instance), Register (from snapshots),
// Deregister, Copy (into the calling region) and the image attributes.
void add_image_actions(ActionTable& table);

}  // namespace stratus::ec2
