#include "images/image_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace stratus::images {
namespace {

// Pretends to run the recipe: records the call and writes (some of) the image files.
class FakeRunner : public compute::ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool) override {
    calls.push_back(argv);
    std::filesystem::create_directories(argv.at(2));
    for (const char* file : {"disk.qcow2", "vmlinuz", "initrd.img", "image.json"}) {
      if (std::string(file) == skip) continue;
      std::ofstream(std::filesystem::path(argv.at(2)) / file) << "x";
    }
    return status;
  }
  std::vector<std::vector<std::string>> calls;
  int status = 0;
  std::string skip;
};

TEST(ImageCache, BuildsOnceAndReusesByRecipeHash) {
  TempDir dir("image-cache-test");
  FakeRunner runner;
  ImageCache cache(dir.path() / "images", runner);
  Recipe recipe{"debian-12", "#!/bin/bash\necho one\n"};
  auto built = cache.ensure(recipe);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(runner.calls.size(), 1u);
  EXPECT_EQ(runner.calls[0][0], "bash");
  EXPECT_TRUE(cache.has(recipe));
  EXPECT_EQ(built.value().filename().string().rfind("debian-12-", 0), 0u);
  ASSERT_TRUE(cache.ensure(recipe).ok());
  EXPECT_EQ(runner.calls.size(), 1u);  // reused

  Recipe changed{"debian-12", "#!/bin/bash\necho two\n"};
  EXPECT_NE(cache.image_dir(changed), cache.image_dir(recipe));
  EXPECT_FALSE(cache.has(changed));
}

TEST(ImageCache, FailedOrIncompleteBuildLeavesNothing) {
  TempDir dir("image-cache-test");
  FakeRunner runner;
  ImageCache cache(dir.path(), runner);
  Recipe recipe{"debian-12", "#!/bin/bash\n"};
  runner.status = 3;
  auto failed = cache.ensure(recipe);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("exit status 3"), std::string::npos);
  runner.status = 0;
  runner.skip = "initrd.img";
  EXPECT_FALSE(cache.ensure(recipe).ok());
  EXPECT_FALSE(cache.has(recipe));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().extension(), ".sh") << entry.path();  // only the recipe script remains
  }
}

}  // namespace
}  // namespace stratus::images
