// The SMBIOS UUID in a saved guest's RAM: its four forms, found across a sparse file's data
// (one straddling the boundary between two reads, one past a hole) and nowhere else, and
// rewritten as another machine's in place.

#include "compute/smbios_uuid_spots.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/temp_dir.h"

namespace stratus::compute {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSaved = "ec2d7f3a-91b6-4c58-8e0f-a5c3b9d2e461";
constexpr const char* kOwn = "ec211223-3445-4566-8778-899aabbccdde";

TEST(UuidBytes, TextInBothCasesAndBinaryInBothByteOrders) {
  EXPECT_EQ(uuid_bytes("EC2D7F3A-91B6-4C58-8E0F-A5C3B9D2E461", UuidForm::kLowerText), kSaved);
  EXPECT_EQ(uuid_bytes(kSaved, UuidForm::kUpperText), "EC2D7F3A-91B6-4C58-8E0F-A5C3B9D2E461");
  EXPECT_EQ(uuid_bytes(kSaved, UuidForm::kBigEndian),
            std::string("\xec\x2d\x7f\x3a\x91\xb6\x4c\x58\x8e\x0f\xa5\xc3\xb9\xd2\xe4\x61", 16));
  EXPECT_EQ(uuid_bytes(kSaved, UuidForm::kLowerHex), "ec2d7f3a91b64c588e0fa5c3b9d2e461");
  EXPECT_EQ(uuid_bytes(kSaved, UuidForm::kUpperHex), "EC2D7F3A91B64C588E0FA5C3B9D2E461");
  // SMBIOS 2.6: time_low, time_mid and time_hi_and_version little-endian, the rest as written.
  EXPECT_EQ(uuid_bytes(kSaved, UuidForm::kSmbios),
            std::string("\x3a\x7f\x2d\xec\xb6\x91\x58\x4c\x8e\x0f\xa5\xc3\xb9\xd2\xe4\x61", 16));
}

TEST(UuidForms, NamesGoBothWays) {
  for (UuidForm form : {UuidForm::kLowerText, UuidForm::kUpperText, UuidForm::kSmbios, UuidForm::kBigEndian,
                        UuidForm::kLowerHex, UuidForm::kUpperHex}) {
    EXPECT_EQ(parse_uuid_form(uuid_form_name(form)), form);
  }
  EXPECT_EQ(parse_uuid_form("mixed"), std::nullopt);
}

class UuidSpotsTest : public ::testing::Test {
 protected:
  UuidSpotsTest() : dir_("uuid-spots-test"), ram_(dir_.path() / "ram.img") {
    const int fd = ::open(ram_.c_str(), O_CREAT | O_WRONLY, 0600);
    EXPECT_EQ(::ftruncate(fd, int64_t{64} << 20), 0);  // a hole but where written below
    ::close(fd);
  }
  void put(int64_t offset, const std::string& bytes) {
    const int fd = ::open(ram_.c_str(), O_WRONLY);
    EXPECT_EQ(::pwrite(fd, bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  TempDir dir_;
  fs::path ram_;
};

TEST_F(UuidSpotsTest, FindsEveryFormInTheDataAndRewritesThemAsAnotherMachines) {
  put(0, std::string(size_t{17} << 20, 'x'));  // data over the first read's end (16 MiB), then a hole
  const std::vector<UuidSpot> planted = {
      {4096, UuidForm::kLowerText},
      {4096 + 100, UuidForm::kSmbios},
      {(int64_t{16} << 20) - 10, UuidForm::kUpperText},  // across the first read's end
      {int64_t{40} << 20, UuidForm::kBigEndian},          // past a hole
      {(int64_t{40} << 20) + 64, UuidForm::kLowerHex},
      {(int64_t{40} << 20) + 128, UuidForm::kUpperHex},
  };
  for (const UuidSpot& spot : planted) put(spot.offset, uuid_bytes(kSaved, spot.form));
  put(8192, std::string(kSaved).substr(0, 35));  // a part of one is not one
  auto found = find_uuid_spots(ram_, kSaved);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found.value(), planted);

  ASSERT_TRUE(write_uuid_spots(ram_, found.value(), kOwn).ok());
  EXPECT_TRUE(find_uuid_spots(ram_, kSaved).value().empty());
  EXPECT_EQ(find_uuid_spots(ram_, kOwn).value(), planted);
  struct stat st{};
  ASSERT_EQ(::stat(ram_.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, int64_t{64} << 20);  // rewritten in place
}

TEST_F(UuidSpotsTest, AFileThatCannotBeReadIsAnError) {
  EXPECT_FALSE(find_uuid_spots(dir_.path() / "missing", kSaved).ok());
  EXPECT_FALSE(write_uuid_spots(dir_.path() / "missing", {{0, UuidForm::kLowerText}}, kOwn).ok());
}

}  // namespace
}  // namespace stratus::compute
