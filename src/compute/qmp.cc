#include "compute/qmp.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>

namespace stratus::compute {
namespace {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

constexpr int kTimeoutSeconds = 5;

// Reads one JSON line that is not an asynchronous event.
Result<nlohmann::json> read_reply(Socket& socket, asio::streambuf& buffer) {
  while (true) {
    boost::system::error_code ec;
    asio::read_until(socket, buffer, '\n', ec);
    if (ec) return ApiError{"InternalError", "QMP read failed: " + ec.message()};
    std::istream in(&buffer);
    std::string line;
    std::getline(in, line);
    auto message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) return ApiError{"InternalError", "QMP sent something that is not JSON"};
    if (message.contains("event")) continue;
    return message;
  }
}

Result<nlohmann::json> send(Socket& socket, asio::streambuf& buffer, const nlohmann::json& request) {
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(request.dump() + "\n"), ec);
  if (ec) return ApiError{"InternalError", "QMP write failed: " + ec.message()};
  auto reply = read_reply(socket, buffer);
  if (!reply.ok()) return reply;
  if (reply.value().contains("error")) {
    return ApiError{"InternalError", "QMP error: " + reply.value()["error"].value("desc", "unknown")};
  }
  return reply.value().value("return", nlohmann::json::object());
}

}  // namespace

Result<nlohmann::json> qmp_execute(const std::string& socket_path, const std::string& command,
                                   const nlohmann::json& arguments) {
  asio::io_context io;
  Socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec) return ApiError{"InternalError", "cannot reach QMP at " + socket_path + ": " + ec.message()};
  timeval timeout{kTimeoutSeconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  asio::streambuf buffer;
  auto greeting = read_reply(socket, buffer);
  if (!greeting.ok()) return greeting;
  if (!greeting.value().contains("QMP")) return ApiError{"InternalError", "no QMP greeting on " + socket_path};
  auto negotiated = send(socket, buffer, {{"execute", "qmp_capabilities"}});
  if (!negotiated.ok()) return negotiated;
  nlohmann::json request = {{"execute", command}};
  if (!arguments.empty()) request["arguments"] = arguments;
  return send(socket, buffer, request);
}

}  // namespace stratus::compute
