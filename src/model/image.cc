#include "model/image.h"

#include "common/enum_names.h"

namespace stratus::model {
namespace {

using nlohmann::json;

constexpr std::pair<ImageState, std::string_view> kStateNames[] = {
    {ImageState::kPending, "pending"}, {ImageState::kAvailable, "available"}, {ImageState::kFailed, "failed"}};

// The state named `name`; failed when unknown.
ImageState parse_state(const std::string& name) { return value_in(kStateNames, name).value_or(ImageState::kFailed); }

}  // namespace

std::string_view image_state_name(ImageState state) { return name_in(kStateNames, state, "failed"); }

Image image_from_doc(const json& doc) {
  Image image;
  if (!doc.contains("Image")) {  // the flat layout of earlier versions
    image.api = doc;
    image.spec.boot_directory = doc.value("_Directory", "");
    image.spec.base_disk = image.spec.boot_directory.empty() ? "" : image.spec.boot_directory + "/disk.qcow2";
    image.spec.recipe_hash = doc.value("_RecipeHash", "");
    image.spec.is_public = doc.value("Public", false);
    image.status.state = parse_state(doc.value("State", "available"));
    image.tags = doc.value("Tags", json::array());
    for (const char* key : {"_Directory", "_RecipeHash", "State", "Public", "Tags"}) image.api.erase(key);
    return image;
  }
  image.api = doc["Image"];
  image.tags = doc.value("Tags", json::array());
  const json& s = doc.value("Spec", json::object());
  image.spec.boot_directory = s.value("BootDirectory", "");
  image.spec.base_disk = s.value("BaseDisk", "");
  image.spec.recipe_hash = s.value("RecipeHash", "");
  image.spec.is_public = s.value("Public", false);
  for (const json& account : s.value("LaunchPermissions", json::array())) {
    image.spec.launch_permissions.insert(account.get<std::string>());
  }
  const json& st = doc.value("Status", json::object());
  image.status.state = parse_state(st.value("State", "pending"));
  image.status.state_reason = st.value("StateReason", "");
  return image;
}

json image_doc(const Image& image) {
  return {{"Image", image.api},
          {"Tags", image.tags},
          {"Spec",
           {{"BootDirectory", image.spec.boot_directory},
            {"BaseDisk", image.spec.base_disk},
            {"RecipeHash", image.spec.recipe_hash},
            {"Public", image.spec.is_public},
            {"LaunchPermissions", image.spec.launch_permissions}}},
          {"Status", {{"State", std::string(image_state_name(image.status.state))}, {"StateReason", image.status.state_reason}}}};
}

json image_view(const Image& image) {
  json view = image.api;
  view["State"] = std::string(image_state_name(image.status.state));
  view["Public"] = image.spec.is_public;
  view["Tags"] = image.tags;
  if (!image.status.state_reason.empty()) {
    view["StateReason"] = {{"Code", "Client.ImageError"}, {"Message", image.status.state_reason}};
  }
  return view;
}

bool launchable_by(const Image& image, const std::string& account) {
  return image.owner() == account || image.spec.is_public || image.spec.launch_permissions.count(account);
}

}  // namespace stratus::model
