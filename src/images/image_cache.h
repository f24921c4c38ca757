#pragma once
// Base images (AMIs) built from a recipe script and cached by the recipe's hash, so a second
// build, and every test, reuses the image; a changed recipe is a new image.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "compute/process_runner.h"

namespace stratus::images {

// A recipe: a script that, given an output directory, writes disk.qcow2, vmlinuz,
// initrd.img and image.json into it.
struct Recipe {
  std::string name;    // e.g. "debian-12"; names the cached directory
  std::string script;  // the script's text
};

// The first 16 hex digits of the SHA-256 of the recipe's script: its build's identity.
std::string recipe_hash(const Recipe& recipe);

// Where built images live.
class ImageCache {
 public:
  // `root` is the cache directory (created on demand), e.g. ~/.cache/stratus/images.
  ImageCache(std::filesystem::path root, compute::ProcessRunner& runner);

  // The directory the image of `recipe` has (or will have): ROOT/NAME-HASH16.
  std::filesystem::path image_dir(const Recipe& recipe) const;

  // True when the image of `recipe` is complete in the cache.
  bool has(const Recipe& recipe) const;

  // Returns the image directory, building it first when missing: writes the script beside
  // it, runs `bash SCRIPT TMPDIR`, and renames TMPDIR into place only when the script
  // succeeded and wrote every file. A failed build leaves nothing behind.
  Result<std::filesystem::path> ensure(const Recipe& recipe);

 private:
  std::filesystem::path root_;
  compute::ProcessRunner& runner_;
};

// The default cache root: $XDG_CACHE_HOME/stratus/images, else ~/.cache/stratus/images.
std::filesystem::path default_image_cache_root();

}  // namespace stratus::images
