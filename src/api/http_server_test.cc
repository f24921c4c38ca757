#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>

#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "common/temp_dir.h"

namespace stratus::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The answer the test renderer gives to each refusal: its status, and its name as the body.
HttpResponse render_for_test(Refusal refusal, const std::string& detail, const HttpRequest* /*header*/) {
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
  void start(HttpLimits limits, HttpServer::Intake intake = nullptr,
             HttpServer::Handler handler = [](HttpRequest, HttpServer::Responder respond) {
               HttpResponse ok;
               ok.content_type = "text/plain";
               ok.body = "ok";
               respond(std::move(ok));
             }) {
    server_ = std::make_unique<HttpServer>("127.0.0.1", 0, limits, std::move(handler), render_for_test);
    if (intake) server_->set_intake(std::move(intake));
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

// Collects a streamed body and answers with its size once it is complete, or "refused" when
// a piece holds the byte 'X'. Records what happened to it.
class RecordingSink : public BodySink {
 public:
  struct Log {
    std::mutex mu;
    std::string received;
    size_t pieces = 0;
    bool finished = false;
    bool aborted = false;
  };
  RecordingSink(std::shared_ptr<Log> log, HttpServer::Responder respond)
      : log_(std::move(log)), respond_(std::move(respond)) {}
  bool write(std::string_view piece) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->received.append(piece);
    ++log_->pieces;
    if (piece.find('X') == std::string_view::npos) return true;
    respond_(text(400, "refused"));
    return false;
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->finished = true;
    respond_(text(200, "streamed " + std::to_string(log_->received.size())));
  }
  void abort() override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->aborted = true;
  }
  static HttpResponse text(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.content_type = "text/plain";
    response.body = std::move(body);
    return response;
  }

 private:
  std::shared_ptr<Log> log_;
  HttpServer::Responder respond_;
};

// Streams PUT bodies into a RecordingSink that logs into `log`, answers PUT /early at once,
// and leaves every other request to the handler.
HttpServer::Intake recording_intake(std::shared_ptr<RecordingSink::Log> log) {
  return [log](const HttpRequest& header, const HttpServer::Responder& respond) -> std::shared_ptr<BodySink> {
    EXPECT_TRUE(header.body.empty());
    if (header.method != "PUT") return nullptr;
    if (header.target == "/early") {
      respond(RecordingSink::text(403, "no"));
      return nullptr;
    }
    return std::make_shared<RecordingSink>(log, respond);
  };
}

TEST_F(HttpServerTest, StreamsBodiesLargerThanTheWholeBodyLimitToTheSink) {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  auto log = std::make_shared<RecordingSink::Log>();
  start(limits, recording_intake(log));
  std::string body(3 * 1024 * 1024 + 17, 'b');
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\n\r\n" + body));
  auto res = read_response(socket);
  EXPECT_EQ(res.body(), "streamed " + std::to_string(body.size()));
  EXPECT_TRUE(res.keep_alive());
  {
    std::lock_guard<std::mutex> lock(log->mu);
    EXPECT_EQ(log->received, body);
    EXPECT_GT(log->pieces, 1u);  // in pieces, not whole
    EXPECT_TRUE(log->finished);
  }
  // The connection goes on; HTTP/1.1 chunked framing is undone before the sink sees the body.
  asio::write(socket, asio::buffer(std::string("PUT /o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")));
  EXPECT_EQ(read_response(socket).body(), "streamed " + std::to_string(body.size() + 5));
  // Requests the intake leaves alone keep the whole-body path and its limit.
  asio::write(socket, asio::buffer(std::string(kGet)));
  EXPECT_EQ(read_response(socket).body(), "ok");
  auto too_large = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
  EXPECT_EQ(too_large.result_int(), 413);
}

TEST_F(HttpServerTest, AnswersExpectContinueBeforeReadingTheBody) {
  auto log = std::make_shared<RecordingSink::Log>();
  start({}, recording_intake(log));
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                               "Expect: 100-continue\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> interim;
  http::read_header(socket, buffer, interim);
  EXPECT_EQ(interim.get().result_int(), 100);
  asio::write(socket, asio::buffer(std::string("data")));
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  EXPECT_EQ(res.body(), "streamed 4");
}

TEST_F(HttpServerTest, AnAnswerFromTheHeaderAloneSkipsTheBodyAndCloses) {
  auto log = std::make_shared<RecordingSink::Log>();
  start({}, recording_intake(log));
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("PUT /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                                               "Expect: 100-continue\r\n\r\n")));
  auto res = read_response(socket);  // not a 100 Continue: the final answer
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_FALSE(res.keep_alive());
  // A sink that refuses a piece answers at once; the rest of the body is never taken.
  tcp::socket second = connect();
  asio::write(second, asio::buffer("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nXXXX"));
  res = read_response(second);
  EXPECT_EQ(res.body(), "refused");
  EXPECT_FALSE(res.keep_alive());
  std::lock_guard<std::mutex> lock(log->mu);
  EXPECT_FALSE(log->finished);
}

TEST_F(HttpServerTest, AClientThatLeavesMidBodyAbortsTheSink) {
  auto log = std::make_shared<RecordingSink::Log>();
  start({}, recording_intake(log));
  {
    tcp::socket socket = connect();
    asio::write(socket, asio::buffer(std::string("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")));
  }
  bool aborted = false;
  for (int attempt = 0; attempt < 200 && !aborted; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(log->mu);
    aborted = log->aborted;
  }
  EXPECT_TRUE(aborted);
  std::lock_guard<std::mutex> lock(log->mu);
  EXPECT_FALSE(log->finished);
}

TEST_F(HttpServerTest, SendsFileRangesAndAnnouncedLengths) {
  TempDir dir("http-file");
  std::string path = (dir.path() / "data").string();
  std::string content;
  for (int i = 0; i < 700000; ++i) content += static_cast<char>('a' + i % 26);
  {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  start({}, nullptr, [path](HttpRequest request, HttpServer::Responder respond) {
    HttpResponse response;
    response.content_type = "application/octet-stream";
    if (request.method == "HEAD") {
      response.announced_length = 700000;
    } else {
      response.file = std::make_shared<FileRange>(::open(path.c_str(), O_RDONLY), 5, 600000);
    }
    respond(std::move(response));
  });
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string(kGet)));
  auto res = read_response(socket);
  EXPECT_EQ(res.body(), content.substr(5, 600000));
  asio::write(socket, asio::buffer(std::string("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> head;
  head.skip(true);  // a HEAD answer has no body, whatever its Content-Length says
  http::read(socket, buffer, head);
  EXPECT_EQ(head.get()[http::field::content_length], "700000");
  asio::write(socket, asio::buffer(std::string(kGet)));  // the connection is still in step
  EXPECT_EQ(read_response(socket).body().size(), 600000u);
}

}  // namespace
}  // namespace stratus::api
