#include "imds/imds_server.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <gtest/gtest.h>

#include "net/netns.h"

namespace stratus::imds {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// A network namespace of the test's own, with 169.254.169.254 on its loopback; deleted after
// the test even when it fails. Needs root (CI runs as root); skipped otherwise.
class ImdsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
    netns_ = "stratus-imdstest-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("ip netns add " + netns_).c_str()), 0);
    created_ = true;
    ASSERT_EQ(std::system(("ip -n " + netns_ + " link set lo up").c_str()), 0);
    ASSERT_EQ(std::system(("ip -n " + netns_ + " addr add 169.254.169.254/32 dev lo").c_str()), 0);
  }
  void TearDown() override {
    if (created_) std::system(("ip netns del " + netns_).c_str());
  }

  // One HTTP exchange with the metadata service, from inside the namespace.
  http::response<http::string_body> exchange(http::verb method, const std::string& target,
                                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    auto entered = net::run_in_netns(netns_, [&] {
      socket.connect({asio::ip::make_address("169.254.169.254"), port_}, ec);
    });
    EXPECT_TRUE(entered.ok());
    EXPECT_FALSE(ec) << ec.message();
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "169.254.169.254");
    for (const auto& [k, v] : headers) req.set(k, v);
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  }

  std::string netns_;
  bool created_ = false;
  uint16_t port_ = 8080;
};

TEST_F(ImdsServerTest, AnswersCallersInsideTheNamespaceByTheirAddress) {
  TokenIssuer tokens(std::string(32, 's'));
  nlohmann::json tree = {{"meta-data", {{"instance-id", "i-0123456789abcdef0"}}}};
  ImdsServer server(
      [&](const std::string& vpc, const std::string& ip) -> std::optional<Caller> {
        if (vpc != "vpc-1" || ip != "169.254.169.254") return std::nullopt;
        MetadataOptions options;
        options.tokens_required = true;
        return Caller{"i-0123456789abcdef0", tree, options};
      },
      tokens);
  auto listening = server.listen_at("vpc-1", netns_, "169.254.169.254", port_);
  ASSERT_TRUE(listening.ok()) << listening.error().message;

  EXPECT_EQ(exchange(http::verb::get, "/latest/meta-data/instance-id").result_int(), 401);
  auto token = exchange(http::verb::put, "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}});
  ASSERT_EQ(token.result_int(), 200);
  auto id = exchange(http::verb::get, "/latest/meta-data/instance-id", {{"X-aws-ec2-metadata-token", token.body()}});
  EXPECT_EQ(id.result_int(), 200);
  EXPECT_EQ(id.body(), "i-0123456789abcdef0");

  server.stop_listening("vpc-1");
}

TEST(NetNs, UnknownNamespaceIsAnError) {
  auto entered = net::run_in_netns("stratus-no-such-netns", [] {});
  ASSERT_FALSE(entered.ok());
  EXPECT_NE(entered.error().message.find("no network namespace"), std::string::npos);
}

}  // namespace
}  // namespace stratus::imds
