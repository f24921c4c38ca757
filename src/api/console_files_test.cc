// The console's files as ConsoleFiles serves them from a directory: which paths it claims, the
// index, content types, HEAD, what it refuses (other methods, names outside the directory), and
// what an unbuilt console answers.

#include "api/console_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "api/http_types.h"
#include "common/temp_dir.h"

namespace stratus::api {
namespace {

HttpRequest get(const std::string& target, const std::string& method = "GET") {
  HttpRequest request;
  request.method = method;
  request.target = target;
  return request;
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

class ConsoleFilesTest : public ::testing::Test {
 protected:
  ConsoleFilesTest() : dir_("console-files-test") {
    std::ofstream(dir_.path() / "index.html") << "<!doctype html>";
    std::ofstream(dir_.path() / "app.js") << "export {};";
    std::ofstream(dir_.path().parent_path() / "secret.txt") << "not the console's";
  }
  ~ConsoleFilesTest() override { std::filesystem::remove(dir_.path().parent_path() / "secret.txt"); }
  TempDir dir_;
  ConsoleFiles files_{dir_.path()};
};

TEST_F(ConsoleFilesTest, ClaimsItsPrefixOnly) {
  EXPECT_TRUE(ConsoleFiles::claims(get("/_stratus/console")));
  EXPECT_TRUE(ConsoleFiles::claims(get("/_stratus/console/app.js?v=1")));
  EXPECT_FALSE(ConsoleFiles::claims(get("/_stratus/consoles/app.js")));
  EXPECT_FALSE(ConsoleFiles::claims(get("/console/app.js")));
  EXPECT_FALSE(ConsoleFiles::claims(get("/")));
}

TEST_F(ConsoleFilesTest, ServesFilesWithTheirTypes) {
  HttpResponse index = files_.answer(get("/_stratus/console/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html>");
  HttpResponse app = files_.answer(get("/_stratus/console/app.js"));
  EXPECT_EQ(app.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(app.body, "export {};");
  HttpResponse head = files_.answer(get("/_stratus/console/app.js", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.announced_length, 10u);
  HttpResponse moved = files_.answer(get("/_stratus/console"));
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(header(moved, "Location"), "/_stratus/console/");
}

TEST_F(ConsoleFilesTest, RefusesOtherMethodsAndNamesOutsideItsDirectory) {
  EXPECT_EQ(files_.answer(get("/_stratus/console/app.js", "POST")).status, 405);
  EXPECT_EQ(files_.answer(get("/_stratus/console/missing.js")).status, 404);
  for (const char* target : {"/_stratus/console/../secret.txt", "/_stratus/console/%2e%2e/secret.txt",
                             "/_stratus/console/..", "/_stratus/console/.hidden"}) {
    HttpResponse answer = files_.answer(get(target));
    EXPECT_EQ(answer.status, 404) << target;
    EXPECT_EQ(answer.body.find("not the console's"), std::string::npos) << target;
  }
}

TEST(ConsoleFilesUnbuilt, SaysHowToBuildIt) {
  ConsoleFiles files("/nonexistent/console/dist");
  HttpResponse answer = files.answer(get("/_stratus/console/"));
  EXPECT_EQ(answer.status, 404);
  EXPECT_NE(answer.body.find("npm run build"), std::string::npos);
}

}  // namespace
}  // namespace stratus::api
