#include "common/sealed_box.h"

#include <gtest/gtest.h>

namespace stratus {
namespace {

const std::string kKey(kSealKeyBytes, 'k');

TEST(SealedBox, OpensWhatItSealed) {
  std::string sealed = seal(kKey, "who may do what");
  EXPECT_EQ(open_sealed(kKey, sealed), "who may do what");
  EXPECT_EQ(open_sealed(kKey, seal(kKey, "")), "");
  EXPECT_EQ(sealed.find("who may"), std::string::npos);  // not readable as it travels
  EXPECT_NE(seal(kKey, "same"), seal(kKey, "same"));     // a fresh nonce each time
}

TEST(SealedBox, RefusesAlteredOrForeignMessages) {
  std::string sealed = seal(kKey, "allowed: false");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] = static_cast<char>(altered[i] ^ 1);
    EXPECT_FALSE(open_sealed(kKey, altered)) << "byte " << i;
  }
  EXPECT_FALSE(open_sealed(std::string(kSealKeyBytes, 'x'), sealed));
  EXPECT_FALSE(open_sealed(kKey, sealed.substr(0, 20)));
  EXPECT_FALSE(open_sealed("short", sealed));
  EXPECT_THROW(seal("short", "x"), std::runtime_error);
}

}  // namespace
}  // namespace stratus
