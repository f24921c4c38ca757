#pragma once
// An AMI as the store keeps it (kind "image"), shared by the EC2 service and the reconcilers:
// its API description (name, block device mappings naming snapshots, ...), what the API decided
// about it that AWS does not show (spec: the kernel it boots with, who may launch it, where it
// came from) and what the reconcilers observed (status: pending until its snapshots are
// completed, then available, or failed). Record layout: {Image, Tags, Spec, Status}.

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace stratus::model {

// AWS's image states stratus uses.
enum class ImageState { kPending, kAvailable, kFailed };

// AWS's name of `state`.
std::string_view image_state_name(ImageState state);

// What the API decided about an image.
struct ImageSpec {
  // Where the kernel (vmlinuz) and initrd (initrd.img) its instances boot with are: the base
  // image's build directory, which every image made from it inherits.
  std::string boot_directory;
  // A base image: the disk its root volumes start as (copy-on-write) and the build it is
  // ("" for images whose root is a snapshot to restore).
  std::string base_disk;
  std::string recipe_hash;
  bool is_public = false;
  std::set<std::string> launch_permissions;  // accounts it is shared with
};

// What the reconcilers observed.
struct ImageStatus {
  ImageState state = ImageState::kPending;
  std::string state_reason;  // why it failed
};

// One image record.
struct Image {
  nlohmann::json api = nlohmann::json::object();  // AWS's Image shape without State, Public and Tags
  nlohmann::json tags = nlohmann::json::array();
  ImageSpec spec;
  ImageStatus status;
  // The image id.
  std::string id() const { return api.value("ImageId", ""); }
  // The owner's account id.
  std::string owner() const { return api.value("OwnerId", ""); }
};

// The typed image of a store record's document (records written before images were typed,
// with private "_" keys, are read too).
Image image_from_doc(const nlohmann::json& doc);

// The store record document of `image`.
nlohmann::json image_doc(const Image& image);

// `image` as DescribeImages shows it.
nlohmann::json image_view(const Image& image);

// True when `account` may launch `image` (and so see it): its owner, public, or shared with it.
bool launchable_by(const Image& image, const std::string& account);

}  // namespace stratus::model
