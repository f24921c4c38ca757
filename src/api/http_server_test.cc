#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace stratus::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The answer the test renderer gives to each refusal: its status, and its name as the body.
HttpResponse render_for_test(Refusal refusal, const std::string& detail) {
  static const std::pair<int, const char*> kAnswers[] = {
      {413, "too-large"}, {400, "malformed"}, {408, "timed-out"}, {503, "over-capacity"}};
  auto [status, name] = kAnswers[static_cast<int>(refusal)];
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::string(name) + ": " + detail;
  response.request_id = "test-request-id";
  return response;
}

// A server on a free loopback port, answering every request 200 "ok", run on two threads for
// the test's duration.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpLimits limits) {
    server_ = std::make_unique<HttpServer>(
        "127.0.0.1", 0, limits,
        [](HttpRequest, HttpServer::Responder respond) {
          HttpResponse ok;
          ok.content_type = "text/plain";
          ok.body = "ok";
          respond(std::move(ok));
        },
        render_for_test);
    runner_ = std::thread([this] { server_->run(2); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (runner_.joinable()) runner_.join();
  }

  // A connection to the server.
  tcp::socket connect() {
    tcp::socket socket(io_);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return socket;
  }

  // Sends `bytes` on a new connection and reads one response.
  http::response<http::string_body> exchange(const std::string& bytes) {
    tcp::socket socket = connect();
    asio::write(socket, asio::buffer(bytes));
    return read_response(socket);
  }

  static http::response<http::string_body> read_response(tcp::socket& socket) {
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  }

  // True when the server closes `socket` without sending anything more.
  static bool closes_silently(tcp::socket& socket) {
    char byte;
    beast::error_code ec;
    size_t n = socket.read_some(asio::buffer(&byte, 1), ec);
    return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

constexpr const char* kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(HttpServerTest, ServesKeepAliveRequests) {
  start({});
  tcp::socket socket = connect();
  for (int i = 0; i < 3; ++i) {
    asio::write(socket, asio::buffer(std::string(kGet)));
    auto res = read_response(socket);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "ok");
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(HttpServerTest, SecondServerOnTheSamePortFailsToBind) {
  start({});
  try {
    HttpServer second("127.0.0.1", server_->port(), {}, [](HttpRequest, HttpServer::Responder) {}, render_for_test);
    FAIL() << "a second server bound port " << server_->port();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot listen on 127.0.0.1:" + std::to_string(server_->port()) + ": Address already in use");
  }
}

TEST_F(HttpServerTest, OversizedHeadersAndBodiesAreRefusedAsTooLarge) {
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 100;
  start(limits);
  auto res = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), "too-large: The request line and headers exceed the limit of 1024 bytes.");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(res["x-amzn-RequestId"], "test-request-id");
  res = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n");
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), "too-large: The request body exceeds the limit of 100 bytes.");
}

TEST_F(HttpServerTest, MalformedRequestsAreRefusedAndClosed) {
  start({});
  const std::vector<std::string> malformed = {
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",                       // bad chunk size
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  // TE + CL
      "GET /\r\n\r\n",                                                                                  // HTTP/0.9
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",                                                               // HTTP/2 preface
      std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11),                                 // TLS ClientHello
      std::string("GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n", 36),                             // NUL in a header
  };
  for (const std::string& bytes : malformed) {
    tcp::socket socket = connect();
    asio::write(socket, asio::buffer(bytes));
    auto res = read_response(socket);
    EXPECT_EQ(res.result_int(), 400) << bytes;
    EXPECT_EQ(res.body().rfind("malformed: Malformed HTTP request", 0), 0u) << res.body();
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(closes_silently(socket));
  }
}

TEST_F(HttpServerTest, StalledRequestTimesOutAndIdleConnectionClosesSilently) {
  HttpLimits limits;
  limits.request_timeout = std::chrono::milliseconds(300);
  start(limits);
  tcp::socket stalled = connect();
  asio::write(stalled, asio::buffer(std::string("GET / HTTP/1.1\r\nHost")));
  auto res = read_response(stalled);
  EXPECT_EQ(res.result_int(), 408);
  EXPECT_EQ(res.body(), "timed-out: The request was not received completely within 300 ms.");
  tcp::socket idle = connect();
  EXPECT_TRUE(closes_silently(idle));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapAreRefusedUntilOthersClose) {
  HttpLimits limits;
  limits.max_connections = 2;
  start(limits);
  std::vector<tcp::socket> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connect());
    asio::write(held.back(), asio::buffer(std::string(kGet)));
    EXPECT_EQ(read_response(held.back()).result_int(), 200);  // accepted and served: counted
  }
  auto refused = exchange(kGet);
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_FALSE(refused.keep_alive());
  held.clear();
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = exchange(kGet).result_int();
  }
  EXPECT_EQ(status, 200);
}

// A flood past the cap is answered 503 only while few such answers are pending (each holds a
// descriptor until its client reads it); the rest are closed at once, unanswered.
TEST_F(HttpServerTest, AFloodPastTheCapIsClosedUnanswered) {
  HttpLimits limits;
  limits.max_connections = 1;
  start(limits);
  tcp::socket held = connect();
  asio::write(held, asio::buffer(std::string(kGet)));
  ASSERT_EQ(read_response(held).result_int(), 200);
  std::vector<tcp::socket> refused;
  int answered = 0;
  for (int i = 0; i < 80; ++i) {  // none of them closes: their refusals stay pending
    refused.push_back(connect());
    char byte;
    beast::error_code ec;
    if (refused.back().read_some(asio::buffer(&byte, 1), ec) == 1) ++answered;  // "H" of a 503
  }
  EXPECT_GE(answered, 1);
  EXPECT_LT(answered, 80);
  tcp::socket late = connect();
  EXPECT_TRUE(closes_silently(late));
}

}  // namespace
}  // namespace stratus::api
