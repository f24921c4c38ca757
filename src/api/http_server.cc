#include "api/http_server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <variant>
#include <vector>

#include "api/websocket_session.h"
#include "net/netns.h"

namespace stratus::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

// How long the acceptor rests when the process is out of file descriptors or socket memory:
// trying again at once would find the same pending connection and spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// Connections over the cap answered 503 at once (each holds a descriptor until its answer is
// read, up to kLingerTimeout); beyond them a connection is closed unanswered, so a flood cannot
// take the descriptors the cap leaves to the rest of the process.
constexpr size_t kMaxRefusing = 64;
// How long a connection that is closed after an answer is still read (its input dropped), so
// that closing with unread input does not reset the connection before the client has read the
// answer.
constexpr auto kLingerTimeout = std::chrono::seconds(2);

// What the acceptor and every connection share. Outlives them all.
struct Shared {
  HttpLimits limits;
  HttpServer::Handler handler;                 // every request read whole
  HttpServer::RefusalRenderer render_refusal;  // every refusal
  HttpServer::Intake intake;                   // sees headers first; may take bodies as streams
  std::vector<WebSocketRoute> websockets;      // take the upgrade requests they claim
  std::atomic<size_t> connections{0};          // connections within the cap now open
  std::atomic<size_t> refusing{0};             // connections over the cap being answered 503
};

// True for the errors that say the request could not be parsed as HTTP/1.x (Beast's parse
// errors, a truncated message among them), as opposed to the socket's own.
bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// True for the accept errors that a pause can cure: out of file descriptors or socket memory.
bool out_of_resources(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// A response body read from a FileRange as it is sent, a piece at a time (Beast's Body concept).
struct FileRangeBody {
  using value_type = std::shared_ptr<FileRange>;
  static std::uint64_t size(const value_type& range) { return range->length; }

  // Reads the range with pread into a buffer of its own, which each piece reuses.
  class writer {
   public:
    using const_buffers_type = asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& range)
        : range_(range), next_(range->offset), remaining_(range->length) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      buffer_.resize(kPiece);
      size_t want = static_cast<size_t>(std::min<uint64_t>(kPiece, remaining_));
      ssize_t got = ::pread(range_->fd, buffer_.data(), want, static_cast<off_t>(next_));
      if (got <= 0) {
        ec = got == 0 ? beast::error_code(asio::error::eof) : beast::error_code(errno, beast::system_category());
        return boost::none;
      }
      next_ += static_cast<uint64_t>(got);
      remaining_ -= static_cast<uint64_t>(got);
      return std::make_pair(asio::const_buffer(buffer_.data(), static_cast<size_t>(got)), remaining_ > 0);
    }

   private:
    static constexpr size_t kPiece = 256 * 1024;
    value_type range_;
    uint64_t next_;
    uint64_t remaining_;
    std::vector<char> buffer_;
  };
};

using FileResponse = http::response<FileRangeBody>;

// Sets the header of `res` from `answer` (status and version are the constructor's).
template <class Body>
void set_header(http::response<Body>& res, const HttpResponse& answer, bool keep_alive) {
  res.set(http::field::server, "stratus");
  if (!answer.content_type.empty()) res.set(http::field::content_type, answer.content_type);
  if (!answer.request_id.empty()) res.set("x-amzn-RequestId", answer.request_id);
  for (const auto& [name, value] : answer.headers) res.set(name, value);
  res.keep_alive(keep_alive);
}

// The wire form of `answer` to a request of HTTP `version` (10 or 11): a string body, or, when
// `answer.file` is set, the file range.
std::variant<std::shared_ptr<Response>, std::shared_ptr<FileResponse>> to_wire(HttpResponse answer, unsigned version,
                                                                              bool keep_alive) {
  auto status = static_cast<http::status>(answer.status);
  if (answer.file) {
    auto res = std::make_shared<FileResponse>(status, version);
    set_header(*res, answer, keep_alive);
    res->body() = std::move(answer.file);
    res->prepare_payload();
    return res;
  }
  auto res = std::make_shared<Response>(status, version);
  set_header(*res, answer, keep_alive);
  res->body() = std::move(answer.body);
  if (answer.announced_length) {
    res->content_length(*answer.announced_length);
  } else {
    res->prepare_payload();
  }
  return res;
}

// One client connection: reads requests in turn and answers each, or answers a refusal and
// closes. Lives on one event loop.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // The connection holds one of `counter` (shared.connections or shared.refusing) while open;
  // `listener` names the listener that accepted it.
  Session(tcp::socket socket, Shared& shared, std::atomic<size_t>& counter, std::string listener = "")
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        listener_(std::move(listener)),
        shared_(shared),
        counter_(counter) {
    ++counter_;
  }
  ~Session() {
    if (sink_) sink_->abort();
    --counter_;
  }

  // Serves requests until the client leaves or a refusal closes the connection.
  void serve() { read(); }

  // Answers `refusal` (rendered by the server's renderer) with Connection: close and closes.
  void refuse(Refusal refusal, const std::string& detail) {
    write(to_wire(shared_.render_refusal(refusal, detail, header_read_ ? &request_ : nullptr), 11, /*keep_alive=*/false));
  }

 private:
  // Reads the next request's header within the request timeout; on_header() takes it from there.
  void read() {
    header_read_ = false;
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(shared_.limits.max_header_bytes));
    // Checked in on_header(), once the body's destination is known (not boost::none: Boost 1.74
    // compares a Content-Length with it as with an empty optional, which refuses every body).
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    arm(shared_.limits.request_timeout);
    http::async_read_header(socket_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Refuses or closes as a failed read's `ec` and the timer say; `got_some` tells whether any
  // of the request had arrived. True when `ec` was an error (handled), false when it was none.
  bool read_failed(beast::error_code ec, bool got_some, uint64_t body_limit) {
    if (ec == http::error::need_buffer) ec = {};  // a streamed body's buffer is full: not an error
    // The timer may fire just after a read completed: only a read it cut short timed out.
    if (timed_out_ && ec == asio::error::operation_aborted) {
      if (!got_some) close();  // an idle keep-alive connection: closing it is normal HTTP
      else refuse(Refusal::kTimedOut, "The request was not received completely within " +
                                          std::to_string(shared_.limits.request_timeout.count()) + " ms.");
      return true;
    }
    if (!ec) return false;
    if (ec == http::error::end_of_stream) {
      close();  // the client left between requests
    } else if (ec == http::error::header_limit) {
      refuse(Refusal::kTooLarge, "The request line and headers exceed the limit of " +
                                     std::to_string(shared_.limits.max_header_bytes) + " bytes.");
    } else if (ec == http::error::body_limit) {
      refuse(Refusal::kTooLarge, "The request body exceeds the limit of " + std::to_string(body_limit) + " bytes.");
    } else if (is_parse_error(ec)) {
      refuse(Refusal::kMalformed, "Malformed HTTP request: " + ec.message() + ".");
    } else {
      close();  // the connection failed: nobody to answer
    }
    return true;
  }

  // Offers the request's header to the intake, then reads its body whole or as a stream.
  void on_header(beast::error_code ec) {
    timer_.cancel();
    if (read_failed(ec, header_parser_->got_some(), 0)) return;
    auto& req = header_parser_->get();
    if (req.version() != 10 && req.version() != 11) {
      return refuse(Refusal::kMalformed, "Malformed HTTP request: only HTTP/1.0 and HTTP/1.1 are served.");
    }
    request_ = HttpRequest{};
    request_.method = std::string(req.method_string());
    request_.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request_.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    beast::error_code ignored;
    request_.remote_address = socket_.remote_endpoint(ignored).address().to_string();
    request_.listener = listener_;
    header_read_ = true;
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    body_pending_ = !header_parser_->is_done();
    answered_ = false;
    if (beast::websocket::is_upgrade(req)) {
      for (const WebSocketRoute& route : shared_.websockets) {
        if (!route.claims(request_)) continue;
        timer_.cancel();
        return serve_websocket(std::move(socket_), req, request_, route, counter_);
      }
    }
    bool expects_continue = beast::iequals(req[http::field::expect], "100-continue");
    std::shared_ptr<BodySink> sink;
    if (shared_.intake) sink = shared_.intake(request_, responder());
    if (answered_) return;  // answered from the header alone: the body is never read
    uint64_t limit = sink ? shared_.limits.max_stream_bytes : shared_.limits.max_body_bytes;
    if (header_parser_->content_length().value_or(0) > limit) {
      if (sink) sink->abort();
      return refuse(Refusal::kTooLarge, "The request body exceeds the limit of " + std::to_string(limit) + " bytes.");
    }
    if (sink && !body_pending_) return sink->finish();  // an empty body: nothing to stream
    if (sink) {
      sink_ = std::move(sink);
      stream_parser_.emplace(std::move(*header_parser_));
      stream_parser_->body_limit(limit);  // a chunked body's chunks count against it as they come
      return continue_then(expects_continue, [self = shared_from_this()] { self->read_piece(); });
    }
    whole_parser_.emplace(std::move(*header_parser_));
    whole_parser_->body_limit(limit);
    if (!body_pending_) return on_body({});
    continue_then(expects_continue, [self = shared_from_this()] {
      self->arm(self->shared_.limits.request_timeout);
      http::async_read(self->socket_, self->buffer_, *self->whole_parser_,
                       [self](beast::error_code ec, size_t) { self->on_body(ec); });
    });
  }

  // Writes `100 Continue` first when the client waits for it and the body is still to come,
  // then runs `next`.
  void continue_then(bool expects_continue, std::function<void()> next) {
    if (!expects_continue || !body_pending_) return next();
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
    arm(shared_.limits.request_timeout);
    http::async_write(socket_, *res, [self = shared_from_this(), res, next](beast::error_code ec, size_t) {
      self->timer_.cancel();
      if (ec) return self->close();
      next();
    });
  }

  // Hands a request read whole to the handler.
  void on_body(beast::error_code ec) {
    timer_.cancel();
    if (read_failed(ec, true, shared_.limits.max_body_bytes)) return;
    body_pending_ = false;
    request_.body = std::move(whole_parser_->get().body());
    shared_.handler(std::move(request_), responder());
  }

  // Reads the next piece of a streamed body into piece_; on_piece() passes it on.
  void read_piece() {
    piece_.resize(kPieceBytes);
    auto& body = stream_parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    arm(shared_.limits.request_timeout);
    // read_some, not read: a sink takes what arrived without waiting for a full buffer.
    http::async_read_some(socket_, buffer_, *stream_parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_piece(ec); });
  }

  // Gives the sink what arrived; finishes it at the body's end, aborts it when the read failed.
  void on_piece(beast::error_code ec) {
    timer_.cancel();
    size_t got = piece_.size() - stream_parser_->get().body().size;
    bool failed = ec && ec != http::error::need_buffer;
    if (failed) {
      std::exchange(sink_, nullptr)->abort();
      read_failed(ec, true, shared_.limits.max_stream_bytes);
      return;
    }
    if (got > 0 && !sink_->write(std::string_view(piece_.data(), got))) {
      sink_.reset();  // it has answered; the answer closes the connection
      return;
    }
    if (!stream_parser_->is_done()) return read_piece();
    body_pending_ = false;
    std::exchange(sink_, nullptr)->finish();
  }

  // The responder for the request being served: writes the answer from the connection's loop.
  HttpServer::Responder responder() {
    return [self = shared_from_this(), version = version_, keep_alive = keep_alive_](HttpResponse answer) {
      self->answered_ = true;
      auto res = to_wire(std::move(answer), version, keep_alive);
      // The answer may come from another thread: write it from the connection's own loop.
      asio::dispatch(self->socket_.get_executor(), [self, res] { self->write(res); });
    };
  }

  // Writes `res` within the request timeout, then reads the next request or lingers and closes.
  // An answer given before its request's body was read closes the connection.
  void write(std::variant<std::shared_ptr<Response>, std::shared_ptr<FileResponse>> wire) {
    std::visit([this](auto res) {
      if (body_pending_) res->keep_alive(false);
      arm(shared_.limits.request_timeout);
      bool keep = res->keep_alive();
      http::async_write(socket_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
        self->timer_.cancel();
        if (ec) return self->close();
        if (!keep) return self->linger();
        self->read();
      });
    }, std::move(wire));
  }

  // Cancels the socket's pending operation and sets timed_out_ once `timeout` passes, unless
  // the timer is re-armed or cancelled first.
  void arm(std::chrono::steady_clock::duration timeout) {
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      // A wait that completed just as the timer was re-armed is stale: the expiry is ahead.
      if (ec || !self || self->timer_.expiry() > std::chrono::steady_clock::now()) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  // Stops sending and drops what the client still sends until it closes or kLingerTimeout
  // passes; the socket closes with the Session.
  void linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm(kLingerTimeout);
    drain();
  }

  // Reads and drops input until the connection fails, ends or times out.
  void drain() {
    socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  // Closes the socket; pending operations end with errors that close nothing more.
  void close() {
    beast::error_code ignored;
    socket_.close(ignored);
  }

  // Bytes of a streamed body read at once.
  static constexpr size_t kPieceBytes = 256 * 1024;

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string listener_;  // the listener that accepted the connection ("" for the main socket)
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  // The request being read: its header, then its body whole or in pieces.
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> whole_parser_;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  HttpRequest request_;              // the request as the handler gets it
  bool header_read_ = false;         // request_ holds the header of the request being read
  unsigned version_ = 11;            // its HTTP version
  bool keep_alive_ = true;           // whether the client keeps the connection
  bool body_pending_ = false;        // its body is not yet read to the end
  std::atomic<bool> answered_{false};  // its responder was called
  std::shared_ptr<BodySink> sink_;   // where its streamed body goes, until finished or aborted
  std::vector<char> piece_;          // the streamed body's read buffer
  Shared& shared_;
  std::atomic<size_t>& counter_;
};

}  // namespace

size_t default_max_connections() {
  constexpr size_t kCap = 4096;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return kCap;
  size_t limit = files.rlim_cur;
  size_t reserve = std::max<size_t>(256, limit / 4);
  return limit > reserve ? std::min(kCap, limit - reserve) : 1;
}

// One listening socket and the pause it takes after an out-of-resources accept (on loops[0]).
struct Listener {
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
  std::string name;  // listen_in_netns()'s name; "" for the server's own socket
  Listener(asio::io_context& loop, std::string name = "") : acceptor(loop), backoff(loop), name(std::move(name)) {}
};

struct HttpServer::Impl {
  // Declared first, destroyed last: the sessions the loops hold refer to it.
  Shared shared;
  // One event loop per thread; loops[0] also accepts. Sessions stay on the loop they start on.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::shared_ptr<Listener> main;  // the socket the server was made with
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Listener>> named;  // listen_in_netns()'s, by name; GUARDED_BY(mu)
  uint16_t port = 0;           // the port bound
  size_t next_loop = 0;        // the loop the next connection goes to (loops[0] only)

  Impl(HttpLimits limits, Handler handler, RefusalRenderer render_refusal)
      : shared{limits, std::move(handler), std::move(render_refusal), nullptr, {}},
        loops(first_loop()),
        main(std::make_shared<Listener>(*loops[0])) {}
  // The routes go before the loops: a route's own threads (console terminals) may still be
  // sending through its sessions' loops until it has ended them.
  ~Impl() { shared.websockets.clear(); }

  // The loops before run() adds more: the one the acceptor lives on.
  static std::vector<std::unique_ptr<asio::io_context>> first_loop() {
    std::vector<std::unique_ptr<asio::io_context>> loops;
    loops.push_back(std::make_unique<asio::io_context>(1));
    return loops;
  }

  // Binds `listener` to `where` and listens, without SO_REUSEPORT, so that the port is this
  // server's alone. Returns the error message, or "".
  static std::string listen(Listener& listener, const tcp::endpoint& where) {
    beast::error_code ec;
    tcp::acceptor& acceptor = listener.acceptor;
    acceptor.open(where.protocol(), ec);
    // SO_REUSEADDR only lets a restart bind despite the last run's TIME_WAIT connections; on
    // Linux it never lets two sockets listen on one port.
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(where, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) return "";
    return "cannot listen on " + where.address().to_string() + ":" + std::to_string(where.port()) + ": " + ec.message();
  }

  // Accepts the next connection of `listener` onto the next loop in turn, until it is closed.
  void accept(std::shared_ptr<Listener> listener) {
    asio::io_context& loop = *loops[next_loop];
    next_loop = (next_loop + 1) % loops.size();
    listener->acceptor.async_accept(loop, [this, &loop, listener](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) return;
      if (out_of_resources(ec)) {
        listener->backoff.expires_after(kAcceptBackoff);
        listener->backoff.async_wait([this, listener](beast::error_code ec) {
          if (!ec) accept(listener);
        });
        return;
      }
      if (!ec) start(loop, std::move(socket), listener->name);
      accept(listener);
    });
  }

  // Serves `socket` (accepted by listener `listener`) on `loop`; over the cap, answers it 503 (up to
  // kMaxRefusing at once) or closes it.
  void start(asio::io_context& loop, tcp::socket socket, const std::string& listener) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (shared.connections.load() < shared.limits.max_connections) {
      auto session = std::make_shared<Session>(std::move(socket), shared, shared.connections, listener);
      asio::post(loop, [session] { session->serve(); });
    } else if (shared.refusing.load() < kMaxRefusing) {
      auto session = std::make_shared<Session>(std::move(socket), shared, shared.refusing);
      std::string detail = "The server has its maximum of " + std::to_string(shared.limits.max_connections) +
                           " connections open; retry later.";
      asio::post(loop, [session, detail] { session->refuse(Refusal::kOverCapacity, detail); });
    }  // else: `socket` closes here, unanswered
  }
};

HttpServer::HttpServer(const std::string& host, uint16_t port, HttpLimits limits, Handler handler,
                       RefusalRenderer render_refusal)
    : impl_(std::make_unique<Impl>(limits, std::move(handler), std::move(render_refusal))) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("invalid listen address " + host + ": " + ec.message());
  std::string failed = Impl::listen(*impl_->main, tcp::endpoint(address, port));
  if (!failed.empty()) throw std::runtime_error(failed);
  impl_->port = impl_->main->acceptor.local_endpoint().port();
}

Result<bool> HttpServer::listen_in_netns(const std::string& name, const std::string& netns, const std::string& address,
                                         uint16_t port) {
  auto listener = std::make_shared<Listener>(*impl_->loops[0], name);
  beast::error_code ec;
  auto where = tcp::endpoint(asio::ip::make_address(address, ec), port);
  if (ec) return ApiError{"InternalError", "invalid listen address " + address + ": " + ec.message()};
  std::string failed;
  auto entered = net::run_in_netns(netns, [&] { failed = Impl::listen(*listener, where); });
  if (!entered.ok()) return entered.error();
  if (!failed.empty()) return ApiError{"InternalError", failed + " in " + netns};
  asio::post(*impl_->loops[0], [this, name, listener] {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      auto& slot = impl_->named[name];
      if (slot) slot->acceptor.close();
      slot = listener;
    }
    impl_->accept(listener);
  });
  return true;
}

void HttpServer::stop_listening(const std::string& name) {
  asio::post(*impl_->loops[0], [this, name] {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->named.find(name);
    if (it == impl_->named.end()) return;
    it->second->acceptor.close();
    impl_->named.erase(it);
  });
}

HttpServer::~HttpServer() = default;

void HttpServer::set_intake(Intake intake) { impl_->shared.intake = std::move(intake); }

void HttpServer::add_websocket_route(WebSocketRoute route) { impl_->shared.websockets.push_back(std::move(route)); }

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::run(int threads) {
  auto& loops = impl_->loops;
  while (static_cast<int>(loops.size()) < threads) loops.push_back(std::make_unique<asio::io_context>(1));
  asio::signal_set signals(*loops[0], SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code, int) { stop(); });
  // A loop has no work of its own until the acceptor hands it a connection: keep it running.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  for (auto& loop : loops) keep_running.push_back(asio::make_work_guard(*loop));
  impl_->accept(impl_->main);
  std::vector<std::thread> pool;
  for (size_t i = 1; i < loops.size(); ++i) {
    pool.emplace_back([this, i] { impl_->loops[i]->run(); });
  }
  loops[0]->run();  // until stop(): then the others follow
  for (size_t i = 1; i < loops.size(); ++i) loops[i]->stop();
  for (auto& t : pool) t.join();
}

// Only the first loop, which exists from construction: run() may be adding the others.
void HttpServer::stop() { impl_->loops[0]->stop(); }

}  // namespace stratus::api
