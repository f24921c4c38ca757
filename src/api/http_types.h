#pragma once
// HTTP requests and responses as the server and the API layer exchange them.

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::api {

// An HTTP request as the server read it.
struct HttpRequest {
  std::string method;
  std::string target;                                        // path and query, still encoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // the client's IP address ("" when unknown)
  std::string listener;        // the listener it arrived on (HttpServer::listen_in_netns's name; "" for the main one)
};

// A byte range of an open file, sent as a response body. Owns the descriptor.
struct FileRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
  FileRange(int fd, uint64_t offset, uint64_t length) : fd(fd), offset(offset), length(length) {}
  FileRange(const FileRange&) = delete;
  FileRange& operator=(const FileRange&) = delete;
  ~FileRange() {
    if (fd >= 0) ::close(fd);
  }
};

// What to send back.
struct HttpResponse {
  int status = 200;
  std::string content_type = "text/xml;charset=UTF-8";  // "" sends no Content-Type
  std::string body;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> headers;  // more headers (a REST response's members)
  // When set, the body is this file range instead of `body` (an object's bytes, read as sent).
  std::shared_ptr<FileRange> file;
  // When set, the Content-Length announced with no body sent (the answer to a HEAD request).
  std::optional<uint64_t> announced_length;
};

// Takes a request's body piece by piece as it arrives (an upload too large to hold), in place
// of the body the handler would get whole. Called on the connection's event loop, one call at a
// time: must not block for long (writing to a file is fine; fsync is not).
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Takes the next `piece` of the body. False stops the upload: the sink has answered through
  // its responder (an error), and the connection closes after the answer.
  virtual bool write(std::string_view piece) = 0;
  // The body is complete: the sink answers through its responder, now or later from any thread.
  virtual void finish() = 0;
  // The body will not complete (the client left, the request timed out, the framing broke):
  // nobody is to be answered; what was written is to be discarded.
  virtual void abort() = 0;
};

// Why the HTTP server answers a connection itself instead of passing a request on.
enum class Refusal {
  kTooLarge,      // the request line and headers, or the body, exceed the server's limits
  kMalformed,     // not HTTP/1.0 or HTTP/1.1 (bad syntax, TLS or HTTP/2 spoken, ...)
  kTimedOut,      // a request was begun but not complete within the request timeout
  kOverCapacity,  // the connection would exceed the server's connection cap
};

}  // namespace stratus::api
