#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <optional>
#include <thread>
#include <vector>

namespace stratus::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(120);

// One client connection: reads requests in turn and answers each.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit || ec == http::error::header_limit) reply_too_large();
      else close();
      return;
    }
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(req.body());
    handler_(std::move(request), [self = shared_from_this(), version = req.version(),
                                  keep_alive = req.keep_alive()](HttpResponse answer) {
      auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status), version);
      res->set(http::field::server, "stratus");
      res->set(http::field::content_type, answer.content_type);
      if (!answer.request_id.empty()) res->set("x-amzn-RequestId", answer.request_id);
      res->keep_alive(keep_alive);
      res->body() = std::move(answer.body);
      res->prepare_payload();
      // The answer may come from another thread: write it from the connection's own loop.
      asio::dispatch(self->stream_.get_executor(), [self, res] { self->write(res); });
    });
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    bool keep = res->keep_alive();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
      if (ec || !keep) return self->close();
      self->read();
    });
  }

  void reply_too_large() {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::payload_too_large, 11);
    res->keep_alive(false);
    res->body() = "request too large";
    res->prepare_payload();
    write(res);
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServer::Handler& handler_;
};

}  // namespace

// One event loop per thread, each with its own listening socket on the shared port
// (SO_REUSEPORT: the kernel spreads connections), so a request never changes threads.
struct Loop {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
};

struct HttpServer::Impl {
  std::vector<std::unique_ptr<Loop>> loops;
  tcp::endpoint endpoint;
  Handler handler;

  // Opens one more loop's acceptor on `endpoint`.
  void add_loop() {
    auto loop = std::make_unique<Loop>();
    beast::error_code ec;
    loop->acceptor.open(endpoint.protocol());
    loop->acceptor.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(loop->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    loop->acceptor.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + ec.message());
    }
    loop->acceptor.listen(asio::socket_base::max_listen_connections);
    endpoint = loop->acceptor.local_endpoint();  // a port-0 request now names the chosen port
    loops.push_back(std::move(loop));
  }

  void accept(Loop& loop) {
    loop.acceptor.async_accept([this, &loop](beast::error_code ec, tcp::socket socket) {
      if (!ec) {
        socket.set_option(tcp::no_delay(true));
        std::make_shared<Session>(std::move(socket), handler)->start();
      }
      if (loop.acceptor.is_open()) accept(loop);
    });
  }
};

HttpServer::HttpServer(const std::string& host, uint16_t port, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  beast::error_code ec;
  impl_->endpoint = tcp::endpoint(asio::ip::make_address(host, ec), port);
  if (ec) throw std::runtime_error("invalid listen address " + host + ": " + ec.message());
  impl_->add_loop();
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->endpoint.port(); }

void HttpServer::run(int threads) {
  while (static_cast<int>(impl_->loops.size()) < threads) impl_->add_loop();
  asio::signal_set signals(impl_->loops[0]->io, SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code, int) { stop(); });
  std::vector<std::thread> pool;
  for (auto& loop : impl_->loops) impl_->accept(*loop);
  for (size_t i = 1; i < impl_->loops.size(); ++i) {
    pool.emplace_back([this, i] { impl_->loops[i]->io.run(); });
  }
  impl_->loops[0]->io.run();
  for (auto& t : pool) t.join();
}

void HttpServer::stop() {
  for (auto& loop : impl_->loops) loop->io.stop();
}

}  // namespace stratus::api
