// Password hashes: the right password matches, others and malformed hashes do not; each hash has
// its own salt.

#include "common/password_hash.h"

#include <gtest/gtest.h>

namespace stratus {
namespace {

TEST(PasswordHash, MatchesOnlyItsPassword) {
  std::string stored = hash_password("Corr3ct-horse");
  EXPECT_EQ(stored.rfind("pbkdf2-sha256$100000$", 0), 0u);
  EXPECT_EQ(stored.find("Corr3ct-horse"), std::string::npos);
  EXPECT_TRUE(password_matches("Corr3ct-horse", stored));
  EXPECT_FALSE(password_matches("Corr3ct-horsE", stored));
  EXPECT_FALSE(password_matches("", stored));
  EXPECT_NE(hash_password("Corr3ct-horse"), stored);  // a new salt each time
}

TEST(PasswordHash, MalformedHashesMatchNothing) {
  for (const char* stored : {"", "plain", "pbkdf2-sha256$x$c2FsdA==$aGFzaA==", "md5$1$c2FsdA==$aGFzaA==",
                             "pbkdf2-sha256$0$c2FsdA==$aGFzaA==", "pbkdf2-sha256$1$c2FsdA=="}) {
    EXPECT_FALSE(password_matches("anything", stored)) << stored;
  }
}

}  // namespace
}  // namespace stratus
