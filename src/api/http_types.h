#pragma once
// HTTP requests and responses as the server and the API layer exchange them.

#include <string>
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
};

// What to send back.
struct HttpResponse {
  int status = 200;
  std::string content_type = "text/xml;charset=UTF-8";
  std::string body;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> headers;  // more headers (a REST response's members)
};

// Why the HTTP server answers a connection itself instead of passing a request on.
enum class Refusal {
  kTooLarge,      // the request line and headers, or the body, exceed the server's limits
  kMalformed,     // not HTTP/1.0 or HTTP/1.1 (bad syntax, TLS or HTTP/2 spoken, ...)
  kTimedOut,      // a request was begun but not complete within the request timeout
  kOverCapacity,  // the connection would exceed the server's connection cap
};

}  // namespace stratus::api
