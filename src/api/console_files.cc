#include "api/console_files.h"

#include <fstream>
#include <iterator>
#include <map>

namespace stratus::api {
namespace {

// The content type of a file named with `extension` (".js").
std::string content_type(const std::string& extension) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},
      {".map", "application/json"},          {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(extension);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

HttpResponse plain(int status, const std::string& text) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = text + "\n";
  return response;
}

}  // namespace

bool ConsoleFiles::claims(const HttpRequest& request) {
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  return path == kPrefix || (path.size() > kPrefix.size() && path.substr(0, kPrefix.size()) == kPrefix &&
                             path[kPrefix.size()] == '/');
}

HttpResponse ConsoleFiles::answer(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse refused = plain(405, "The console's files are read with GET.");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == kPrefix) {
    HttpResponse moved = plain(301, "The console is at " + std::string(kPrefix) + "/");
    moved.headers.emplace_back("Location", std::string(kPrefix) + "/");
    return moved;
  }
  std::string name = path.substr(kPrefix.size() + 1);
  if (name.empty()) name = "index.html";
  // Only plain names made by the build: no directories, no dot files, nothing to decode.
  bool plain_name = name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                        std::string::npos &&
                    name.front() != '.';
  std::ifstream in;
  if (plain_name && std::filesystem::is_regular_file(root_ / name)) in.open(root_ / name, std::ios::binary);
  if (!in.is_open()) {
    if (!std::filesystem::exists(root_ / "index.html")) {
      return plain(404, "The console is not built: run `npm ci --prefix console && npm run build --prefix console` "
                        "(scripts/build does), or give `stratus serve --console-dir`.");
    }
    return plain(404, "No such file in the console: " + name);
  }
  HttpResponse response;
  response.content_type = content_type(std::filesystem::path(name).extension().string());
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  response.headers.emplace_back("Cache-Control", "no-cache");
  if (request.method == "HEAD") {
    response.announced_length = response.body.size();
    response.body.clear();
  }
  return response;
}

}  // namespace stratus::api
