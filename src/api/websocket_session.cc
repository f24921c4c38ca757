#include "api/websocket_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace stratus::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// One accepted WebSocket: the stream, the peer fed by its reads, and the outgoing queue. Every
// member is touched only on the connection's event loop (link calls are posted there).
class WebSocketSession : public WebSocketLink, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(asio::ip::tcp::socket socket, std::atomic<size_t>& connections)
      : ws_(beast::tcp_stream(std::move(socket))), connections_(connections) {
    ++connections_;
  }
  ~WebSocketSession() override { --connections_; }

  // Answers the handshake of `request`, then reads messages into `peer`.
  void start(const beast::http::request<beast::http::empty_body>& request, std::shared_ptr<WebSocketPeer> peer) {
    peer_ = std::move(peer);
    // A terminal may sit idle for long: ping it (browsers answer by themselves) instead of closing
    // it after the suggested idle time.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->closed();
      self->open_ = true;
      self->write_next();
      self->read();
    });
  }

  void send_binary(std::string data) override { post({std::move(data), true}); }
  void send_text(std::string text) override { post({std::move(text), false}); }

  void close(uint16_t code, const std::string& reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason] {
      if (self->closing_) return;
      self->closing_ = true;
      self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
      if (self->open_ && !self->writing_) self->write_next();
    });
  }

 private:
  struct Message {
    std::string data;
    bool binary = true;
  };

  // Queues `message` on the event loop and writes it when its turn comes.
  void post(Message message) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
      if (self->closing_ || self->gone_) return;
      self->queue_.push_back(std::move(message));
      if (self->open_ && !self->writing_) self->write_next();
    });
  }

  // Writes the next queued message, or the close frame once the queue is empty and close was asked.
  void write_next() {
    if (gone_ || writing_) return;
    if (queue_.empty()) {
      if (!closing_) return;
      writing_ = true;
      ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->closed(); });
      return;
    }
    writing_ = true;
    ws_.binary(queue_.front().binary);
    ws_.async_write(asio::buffer(queue_.front().data), [self = shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      self->queue_.pop_front();
      if (ec) return self->closed();
      self->write_next();
    });
  }

  // Reads the next message into the peer, until the connection closes.
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || self->gone_) return self->closed();
      self->peer_->on_message(beast::buffers_to_string(self->buffer_.data()), self->ws_.got_binary());
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  // The connection is over: the peer hears it once; the queue is dropped, but for a message
  // being written, whose buffer the write holds until its handler pops it.
  void closed() {
    if (gone_) return;
    gone_ = true;
    queue_.erase(queue_.begin() + (writing_ && !queue_.empty() ? 1 : 0), queue_.end());
    peer_->on_closed();
    peer_.reset();  // the peer holds this link: break the cycle
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::atomic<size_t>& connections_;
  std::shared_ptr<WebSocketPeer> peer_;
  beast::flat_buffer buffer_;
  std::deque<Message> queue_;
  websocket::close_reason close_reason_;
  bool open_ = false;     // the handshake is done
  bool writing_ = false;  // a write (or the close) is under way
  bool closing_ = false;  // close() was asked
  bool gone_ = false;     // the connection is over
};

}  // namespace

void serve_websocket(asio::ip::tcp::socket socket, const beast::http::request<beast::http::empty_body>& request,
                     const HttpRequest& header, const WebSocketRoute& route, std::atomic<size_t>& connections) {
  auto session = std::make_shared<WebSocketSession>(std::move(socket), connections);
  auto peer = route.open(header, session);
  if (peer) session->start(request, std::move(peer));  // else the socket closes unanswered
}

}  // namespace stratus::api
