#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, concurrent connections, a fixed pool of
// threads. Knows nothing of AWS: each request goes to one handler function, and what the
// server refuses on its own (see Refusal) is answered by an injected renderer.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"
#include "api/websocket.h"
#include "common/result.h"

namespace stratus::api {

// What one server lets its clients use.
struct HttpLimits {
  // Connections served at once; one more is answered Refusal::kOverCapacity and closed.
  size_t max_connections = 4096;
  // Bytes of the request line and headers together; beyond: Refusal::kTooLarge.
  size_t max_header_bytes = 16 * 1024;
  // Bytes of a request body; beyond: Refusal::kTooLarge. The largest EC2 Query requests (a
  // ModifySecurityGroupRules of 1,000 rules, CreateTags over 1,000 resources) are well under
  // 1 MiB, and a body is held whole while it arrives: 2 MiB bounds what the connection cap's
  // worth of slow uploads can hold (8 GiB at 4096, against 64 GiB at the former 16 MiB).
  size_t max_body_bytes = 2 * 1024 * 1024;
  // Bytes of a body streamed to a BodySink (see HttpServer::Intake): S3's largest single upload
  // (5 GiB) plus the aws-chunked framing of 8 KiB chunks around it.
  uint64_t max_stream_bytes = (uint64_t{5} << 30) + (uint64_t{16} << 20);
  // Time to receive a whole request, counted from when the server starts waiting for it, and
  // to write its answer. A connection idle that long closes silently; a request begun but not
  // complete by then is answered Refusal::kTimedOut. A streamed body (see HttpServer::Intake)
  // may take longer: the time counts again from each piece that arrives.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};
};

// The connection cap that leaves room for the rest of the process: 4096, or the open-file
// limit (RLIMIT_NOFILE) minus a quarter of it (at least 256) for VM drivers, dnsmasq, SQLite
// and the metadata service, whichever is lower; at least 1.
size_t default_max_connections();

// Serves HTTP on one listening socket.
class HttpServer {
 public:
  // Delivers the answer to a request; callable once, from any thread.
  using Responder = std::function<void(HttpResponse)>;
  // Handles one request: must eventually call the responder exactly once (inline or later,
  // from another thread), so that slow work need not block the event loop.
  using Handler = std::function<void(HttpRequest, Responder)>;
  // Renders the server's own answer to what it refuses; `detail` is one sentence saying what
  // was refused; `header` is the refused request's header when it was read (so that the answer
  // can take the form its client expects), else null. Called on the event-loop threads; must not
  // block.
  using RefusalRenderer =
      std::function<HttpResponse(Refusal refusal, const std::string& detail, const HttpRequest* header)>;
  // Sees each request's header before its body is read (`header.body` is empty) and either
  // returns null (the body is read whole, within max_body_bytes, and the request goes to the
  // Handler), or returns a sink that takes the body as it arrives (within max_stream_bytes) and
  // answers through `respond`, or answers through `respond` before returning (the body is then
  // not read, and the connection closes after the answer). A request that expects
  // `100-continue` gets it once the body is to be read. Called on the event-loop threads.
  using Intake = std::function<std::shared_ptr<BodySink>(const HttpRequest& header, const Responder& respond)>;

  // Binds host:port (port 0 picks a free port) with one listening socket, so that a second
  // server cannot share the port. Throws std::runtime_error ("cannot listen on HOST:PORT:
  // REASON") when it cannot bind.
  HttpServer(const std::string& host, uint16_t port, HttpLimits limits, Handler handler,
             RefusalRenderer render_refusal);
  ~HttpServer();

  // Lets `intake` see each request's header first and take bodies as streams. REQUIRES: before
  // run().
  void set_intake(Intake intake);
  // Accepts the WebSocket upgrade requests `route` claims (others are served as HTTP; the first
  // route added that claims a request takes it). REQUIRES: before run().
  void add_websocket_route(WebSocketRoute route);
  // The port actually bound.
  uint16_t port() const;
  // Also serves on `address`:`port` inside network namespace `netns` (where the address must
  // already be), as listener `name`, replacing an earlier one of that name. Thread-safe, before
  // or during run(). Errors: the namespace cannot be entered or the socket bound.
  Result<bool> listen_in_netns(const std::string& name, const std::string& netns, const std::string& address,
                               uint16_t port);
  // Closes listener `name` (connections it accepted are served to the end). Thread-safe.
  void stop_listening(const std::string& name);
  // Serves on `threads` threads until stop() or SIGINT/SIGTERM; returns then. The first thread
  // accepts and hands each connection to the threads in turn; a connection stays on its thread.
  void run(int threads);
  // Asks run() to return. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::api
