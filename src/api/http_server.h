#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, concurrent connections, a fixed pool of
// threads. Knows nothing of AWS: each request goes to one handler function.

#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"

namespace stratus::api {

// Serves HTTP on one listening socket.
class HttpServer {
 public:
  // Delivers the answer to a request; callable once, from any thread.
  using Responder = std::function<void(HttpResponse)>;
  // Handles one request: must eventually call the responder exactly once (inline or later,
  // from another thread), so that slow work need not block the event loop.
  using Handler = std::function<void(HttpRequest, Responder)>;

  // Binds host:port (port 0 picks a free port). Throws std::runtime_error when it cannot bind.
  HttpServer(const std::string& host, uint16_t port, Handler handler);
  ~HttpServer();

  // The port actually bound.
  uint16_t port() const;
  // Serves on `threads` threads until stop() or SIGINT/SIGTERM; returns then.
  void run(int threads);
  // Asks run() to return. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::api
