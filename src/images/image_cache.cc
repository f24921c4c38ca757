#include "images/image_cache.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/digest.h"

namespace stratus::images {
namespace {

namespace fs = std::filesystem;

const char* const kImageFiles[] = {"disk.qcow2", "vmlinuz", "initrd.img", "image.json"};

bool complete(const fs::path& dir) {
  for (const char* file : kImageFiles) {
    if (!fs::is_regular_file(dir / file)) return false;
  }
  return true;
}

}  // namespace

ImageCache::ImageCache(fs::path root, compute::ProcessRunner& runner) : root_(std::move(root)), runner_(runner) {}

std::string recipe_hash(const Recipe& recipe) { return to_hex(sha256(recipe.script)).substr(0, 16); }

fs::path ImageCache::image_dir(const Recipe& recipe) const { return root_ / (recipe.name + "-" + recipe_hash(recipe)); }

bool ImageCache::has(const Recipe& recipe) const { return complete(image_dir(recipe)); }

Result<fs::path> ImageCache::ensure(const Recipe& recipe) {
  fs::path dir = image_dir(recipe);
  if (complete(dir)) return dir;
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return ApiError{"InternalError", "cannot create " + root_.string() + ": " + ec.message()};
  fs::path script = dir;
  script += ".recipe.sh";
  {
    std::ofstream out(script, std::ios::trunc);
    out << recipe.script;
    if (!out) return ApiError{"InternalError", "cannot write " + script.string()};
  }
  fs::path staging = dir;
  staging += ".building-" + std::to_string(::getpid());
  fs::remove_all(staging, ec);
  int status = runner_.run({"bash", script.string(), staging.string()});
  if (status != 0 || !complete(staging)) {
    fs::remove_all(staging, ec);
    return ApiError{"InternalError", "the " + recipe.name + " image recipe failed (exit status " +
                                         std::to_string(status) + "); its output is above"};
  }
  fs::remove_all(dir, ec);
  fs::rename(staging, dir, ec);
  if (ec) return ApiError{"InternalError", "cannot move the built image into " + dir.string() + ": " + ec.message()};
  return dir;
}

fs::path default_image_cache_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "stratus" / "images";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : ".") / ".cache" / "stratus" / "images";
}

}  // namespace stratus::images
