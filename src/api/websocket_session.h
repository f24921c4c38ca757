#pragma once
// An accepted WebSocket connection (inside the HTTP server): the handshake, the read loop that
// feeds the route's peer, and the queue the link's messages go out by.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>

#include "api/websocket.h"

namespace stratus::api {

// Takes over `socket`, whose upgrade request `request` (read as `header`) `route` claims: answers
// the handshake and serves the WebSocket until either side closes. The connection holds one of
// `connections` while open.
void serve_websocket(boost::asio::ip::tcp::socket socket,
                     const boost::beast::http::request<boost::beast::http::empty_body>& request,
                     const HttpRequest& header, const WebSocketRoute& route, std::atomic<size_t>& connections);

}  // namespace stratus::api
