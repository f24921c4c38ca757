#include "services/ec2/images.h"

#include <algorithm>
#include <ctime>

#include "common/ids.h"
#include "common/timestamp.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

std::string date_stamp(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

// True when `image` belongs to one of the requested owners ("self", "amazon", or an id).
bool owned_by(const json& image, const json& owners, const std::string& account_id) {
  for (const json& owner : owners) {
    std::string o = owner.get<std::string>();
    if (o == "self" && image.value("OwnerId", "") == account_id) return true;
    if (o == image.value("ImageOwnerAlias", "")) return true;
    if (o == image.value("OwnerId", "")) return true;
  }
  return false;
}

const FilterTable& image_filters() {
  static const FilterTable table = {
      {"architecture", field("Architecture")},
      {"block-device-mapping.device-name", field("BlockDeviceMappings[].DeviceName")},
      {"block-device-mapping.snapshot-id", field("BlockDeviceMappings[].Ebs.SnapshotId")},
      {"block-device-mapping.volume-size", field("BlockDeviceMappings[].Ebs.VolumeSize")},
      {"block-device-mapping.volume-type", field("BlockDeviceMappings[].Ebs.VolumeType")},
      {"block-device-mapping.delete-on-termination", field("BlockDeviceMappings[].Ebs.DeleteOnTermination")},
      {"creation-date", field("CreationDate")},
      {"description", field("Description")},
      {"ena-support", field("EnaSupport")},
      {"hypervisor", field("Hypervisor")},
      {"image-id", field("ImageId")},
      {"image-type", field("ImageType")},
      {"is-public", field("Public")},
      {"manifest-location", field("ImageLocation")},
      {"name", field("Name")},
      {"owner-alias", field("ImageOwnerAlias")},
      {"owner-id", field("OwnerId")},
      {"platform-details", field("PlatformDetails")},
      {"root-device-name", field("RootDeviceName")},
      {"root-device-type", field("RootDeviceType")},
      {"state", field("State")},
      {"virtualization-type", field("VirtualizationType")},
  };
  return table;
}

json describe_images(CallContext& ctx, const json& request) {
  // Without ids, a caller sees public images and its own.
  std::vector<json> visible;
  for (json& image : list(ctx, kinds::kImage)) {
    bool mine = image.value("OwnerId", "") == ctx.account_id;
    if (!mine && !image.value("Public", false)) continue;
    if (request.contains("Owners") && !request["Owners"].empty() &&
        !owned_by(image, request["Owners"], ctx.account_id)) {
      continue;
    }
    visible.push_back(std::move(image));
  }
  if (request.contains("ImageIds") && !request["ImageIds"].empty()) {
    if (request.contains("MaxResults")) {
      fail("InvalidParameterCombination", "The parameter ImageIds cannot be used with the parameter maxResults");
    }
    std::vector<json> chosen;
    std::string missing;
    for (const json& id : request["ImageIds"]) {
      auto it = std::find_if(visible.begin(), visible.end(), [&](const json& image) { return image["ImageId"] == id; });
      if (it == visible.end()) {
        std::string text = id.get<std::string>();
        if (!is_resource_id(text, "ami")) fail("InvalidAMIID.Malformed", "Invalid id: \"" + text + "\" (expecting \"ami-...\")");
        missing += (missing.empty() ? "" : ", ") + text;
      } else {
        chosen.push_back(*it);
      }
    }
    if (!missing.empty()) fail("InvalidAMIID.NotFound", "The image id '[" + missing + "]' does not exist");
    visible = std::move(chosen);
  }
  return describe_values(std::move(visible), request, image_filters(), "Images", false, member_key("ImageId"));
}

}  // namespace

std::string register_base_image(CallContext& ctx, const BaseImage& image) {
  for (const json& existing : list(ctx, kinds::kImage)) {
    if (existing.value("_RecipeHash", "") == image.recipe_hash) return existing["ImageId"].get<std::string>();
  }
  std::string id = new_resource_id("ami");
  std::string name = image.name + "-" + date_stamp(image.built_at) + "-" + image.recipe_hash.substr(0, 8);
  json doc = {
      {"ImageId", id},
      {"ImageLocation", "amazon/" + name},
      {"State", "available"},
      {"OwnerId", kAmazonOwnerId},
      {"ImageOwnerAlias", "amazon"},
      {"Public", true},
      {"Architecture", "x86_64"},
      {"ImageType", "machine"},
      {"Name", name},
      {"Description", "Debian 12 (bookworm) with cloud-init, built by stratus from Debian packages"},
      {"CreationDate", format_iso8601(image.built_at)},
      {"RootDeviceType", "ebs"},
      {"RootDeviceName", "/dev/xvda"},
      {"BlockDeviceMappings",
       json::array({{{"DeviceName", "/dev/xvda"},
                     {"Ebs",
                      {{"DeleteOnTermination", true},
                       {"VolumeSize", image.size_gib},
                       {"VolumeType", "gp3"},
                       {"Encrypted", false}}}}})},
      {"VirtualizationType", "hvm"},
      {"Hypervisor", "xen"},
      {"EnaSupport", true},
      {"PlatformDetails", "Linux/UNIX"},
      {"UsageOperation", "RunInstances"},
      {"BootMode", "legacy-bios"},
      {"ImdsSupport", "v2.0"},
      {"Tags", json::array()},
      {"_RecipeHash", image.recipe_hash},
      {"_Directory", image.directory},
  };
  save(ctx, kinds::kImage, id, doc);
  return id;
}

void add_image_actions(ActionTable& table) { table["DescribeImages"] = {describe_images, false}; }

}  // namespace stratus::ec2
