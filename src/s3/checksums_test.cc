#include "s3/checksums.h"

#include <gtest/gtest.h>

namespace stratus::s3 {
namespace {

std::string of(const std::string& algorithm, const std::string& data) {
  auto checksum = make_checksum(algorithm);
  checksum->update(data.substr(0, 3));
  checksum->update(data.substr(3));
  return checksum->value();
}

// The check values of each CRC over "123456789" (the CRC catalogue's), in S3's base64 form, and
// the digests' well-known values.
TEST(Checksums, MatchTheAlgorithmsCheckValues) {
  EXPECT_EQ(of("CRC32", "123456789"), "y/Q5Jg==");        // 0xCBF43926
  EXPECT_EQ(of("CRC32C", "123456789"), "4waSgw==");       // 0xE3069283
  EXPECT_EQ(of("CRC64NVME", "123456789"), "rosUhgp5mIg=");  // 0xAE8B14860A799888
  EXPECT_EQ(of("SHA1", "abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  EXPECT_EQ(of("SHA256", "abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(make_checksum("MD4"), nullptr);
  EXPECT_EQ(composite_checksum("CRC32", {"y/Q5Jg==", "y/Q5Jg=="}).value().substr(8), "-2");
  EXPECT_FALSE(composite_checksum("CRC32", {"not base64!"}));
}

}  // namespace
}  // namespace stratus::s3
