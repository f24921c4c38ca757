#pragma once
// The web console's files (console/dist, which `npm run build` in console/ makes), served at
// /_stratus/console/ on the API's own listener, so that the page's signed API calls go to the
// origin that served it. The console reaches the region only through the public API.

#include <filesystem>
#include <string_view>

#include "api/http_types.h"

namespace stratus::api {

class ConsoleFiles {
 public:
  // The path the console is served under.
  static constexpr std::string_view kPrefix = "/_stratus/console";

  // Serves the files in `root` (which may not exist yet: every request is then answered 404
  // with how to build the console).
  explicit ConsoleFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // True when `request`'s path is kPrefix or under it.
  static bool claims(const HttpRequest& request);
  // GET or HEAD of a file under the root ("/" is index.html), with its content type; 404 for a
  // missing file or a path that is not a plain file name under the root; 405 for other methods;
  // kPrefix itself redirects to kPrefix + "/".
  HttpResponse answer(const HttpRequest& request) const;

 private:
  std::filesystem::path root_;
};

}  // namespace stratus::api
