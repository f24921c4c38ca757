#include "imds/imds_server.h"

#include <netinet/in.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "common/timestamp.h"
#include "net/netns.h"

namespace stratus::imds {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(30);

// One guest connection.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::string vpc_id, const CallerLookup& lookup, const TokenIssuer& tokens)
      : stream_(std::move(socket)), vpc_id_(std::move(vpc_id)), lookup_(lookup), tokens_(tokens) {}

  void read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    beast::error_code ec;
    std::string source = stream_.socket().remote_endpoint(ec).address().to_string();
    Response response{404, "Not Found"};
    if (std::optional<Caller> caller = lookup_(vpc_id_, source)) {
      Request request{std::string(request_.method_string()), std::string(request_.target()), {}};
      for (const auto& field : request_) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      response = respond(request, caller->tree, caller->instance_id, caller->options, tokens_, unix_now());
    }
    // The hop limit of a token answer is its IP TTL: a container behind the guest gets none.
    int ttl = response.ip_ttl;
    ::setsockopt(stream_.socket().native_handle(), IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status),
                                                                   request_.version());
    res->set(http::field::server, "EC2ws");
    res->set(http::field::content_type, "text/plain");
    res->keep_alive(request_.keep_alive());
    res->body() = std::move(response.body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (!ec && res->keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  std::string vpc_id_;
  const CallerLookup& lookup_;
  const TokenIssuer& tokens_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

}  // namespace

struct ImdsServer::Impl {
  CallerLookup lookup;
  const TokenIssuer& tokens;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);  // run() until stop()
  std::mutex mu;
  std::map<std::string, std::shared_ptr<tcp::acceptor>> acceptors;  // GUARDED_BY(mu), by VPC
  std::thread thread;

  Impl(CallerLookup l, const TokenIssuer& t) : lookup(std::move(l)), tokens(t) {}

  void accept(std::shared_ptr<tcp::acceptor> acceptor, std::string vpc_id) {
    acceptor->async_accept([this, acceptor, vpc_id](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), vpc_id, lookup, tokens)->read();
      accept(acceptor, vpc_id);
    });
  }
};

ImdsServer::ImdsServer(CallerLookup lookup, const TokenIssuer& tokens)
    : impl_(std::make_unique<Impl>(std::move(lookup), tokens)) {
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

ImdsServer::~ImdsServer() {
  impl_->io.stop();  // pending accepts and sessions are destroyed with the io_context
  impl_->thread.join();
}

Result<bool> ImdsServer::listen_at(const std::string& vpc_id, const std::string& netns, const std::string& address,
                                   uint16_t port) {
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->io);
  beast::error_code ec;
  auto entered = net::run_in_netns(netns, [&] {
    tcp::endpoint endpoint(asio::ip::make_address(address, ec), port);
    if (ec) return;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  });
  if (!entered.ok()) return entered.error();
  if (ec) {
    return ApiError{"InternalError", "cannot listen on " + address + ":" + std::to_string(port) + " in " + netns +
                                         ": " + ec.message()};
  }
  asio::post(impl_->io, [this, acceptor, vpc_id] {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      auto& slot = impl_->acceptors[vpc_id];
      if (slot) slot->close();
      slot = acceptor;
    }
    impl_->accept(acceptor, vpc_id);
  });
  return true;
}

void ImdsServer::stop_listening(const std::string& vpc_id) {
  asio::post(impl_->io, [this, vpc_id] {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->acceptors.find(vpc_id);
    if (it == impl_->acceptors.end()) return;
    it->second->close();
    impl_->acceptors.erase(it);
  });
}

}  // namespace stratus::imds
