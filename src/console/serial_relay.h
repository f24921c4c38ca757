#pragma once
// The serial relay: how an API server opens the serial port of an instance that runs on another
// host. Each host agent with an underlay address listens on kSerialRelayPort there; a connection
// starts with one line, a token the API server made after authorizing the session, and the
// relay answers "ok" and joins the connection to the instance's serial socket, or answers an
// error line and closes. A token names one instance, expires a minute after it is made, and is
// signed with a secret the region's store keeps (HMAC-SHA256), so only a region server can make one.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/result.h"

namespace stratus::console {

// The TCP port of every host's serial relay, on its underlay address.
inline constexpr int kSerialRelayPort = 4791;

// A token that opens `instance_id`'s serial port at a relay until `now` + 60 s (unix seconds):
// "INSTANCE EXPIRY SIGNATURE", signed with `secret`.
std::string serial_relay_token(const std::string& secret, const std::string& instance_id, int64_t now);
// The instance `token` opens, when `secret` signed it and it has not expired at `now`.
std::optional<std::string> check_serial_relay_token(const std::string& secret, const std::string& token, int64_t now);

// A stream socket connected to the serial socket at `path` (a VM of this machine), or
// SerialConsoleSessionUnavailableException.
Result<int> connect_serial_socket(const std::string& path);

// Connects to the relay at `address`:`port` and opens the port `token` names: the connected
// socket, carrying the port's bytes from then on, or SerialConsoleSessionUnavailableException.
Result<int> connect_serial_relay(const std::string& address, int port, const std::string& token);

// A host's relay: a thread accepting connections, and one per open session.
class SerialRelay {
 public:
  // Checks tokens with `secret`; `socket_of` gives the serial socket of an instance of this host.
  SerialRelay(std::string secret, std::function<std::filesystem::path(const std::string& instance_id)> socket_of);
  // Stops, ending every session.
  ~SerialRelay();
  SerialRelay(const SerialRelay&) = delete;
  SerialRelay& operator=(const SerialRelay&) = delete;

  // Listens on `address`:`port` (0: any free port) and starts accepting: the port it listens
  // on, or InternalError. REQUIRES: not started yet.
  Result<int> start(const std::string& address, int port);

 private:
  // One connection: checks its token line, then joins it to the serial socket until either ends.
  void serve(int client);

  std::string secret_;
  std::function<std::filesystem::path(const std::string&)> socket_of_;
  int listener_ = -1;
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable ended_;  // a session ended
  bool stopping_ = false;          // GUARDED_BY(mu_)
  std::set<int> clients_;          // GUARDED_BY(mu_): the connections of the sessions running
};

}  // namespace stratus::console
