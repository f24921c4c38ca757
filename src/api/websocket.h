#pragma once
// WebSockets the HTTP server accepts (RFC 6455, by Boost.Beast) for routes that claim them, and
// the two sides of one: the server's link, which sends, and the route's peer, which receives.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"

namespace stratus::api {

// The server's side of an accepted WebSocket. Thread-safe; messages go out in call order.
class WebSocketLink {
 public:
  virtual ~WebSocketLink() = default;
  // Sends `data` as one binary message.
  virtual void send_binary(std::string data) = 0;
  // Sends `text` (UTF-8) as one text message.
  virtual void send_text(std::string text) = 0;
  // Sends what is queued, then a close frame with `code` (1000 normal, 1008 policy, 1011
  // failure) and `reason`, then closes. Later sends are dropped.
  virtual void close(uint16_t code, const std::string& reason) = 0;
};

// What a route does with an accepted WebSocket's messages. Called on the connection's event loop:
// must not block.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  // One message from the client: `binary` or text.
  virtual void on_message(std::string data, bool binary) = 0;
  // The connection closed (either side, or it failed); no message follows.
  virtual void on_closed() = 0;
};

// A path the server accepts WebSocket upgrades on.
struct WebSocketRoute {
  // True when an upgrade request with this header is the route's; others are served as HTTP.
  std::function<bool(const HttpRequest& header)> claims;
  // The peer of a claimed request, given the link to send through (usable at once: what it sends
  // before the handshake completes waits for it). On an event-loop thread: must not block.
  std::function<std::shared_ptr<WebSocketPeer>(const HttpRequest& header, std::shared_ptr<WebSocketLink> link)> open;
};

}  // namespace stratus::api
