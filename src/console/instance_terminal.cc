#include "console/instance_terminal.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/query_decoder.h"

namespace stratus::console {
namespace {

using nlohmann::json;

// Query parameter `name` as a terminal dimension: `fallback` when absent or not a number, else
// clamped to 10..1000.
int dimension(const api::HttpRequest& header, const std::string& name, int fallback) {
  std::string text = connect_parameter(header, name);
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) return fallback;
  return std::clamp(std::stoi(text), 10, 1000);
}

// One connection: opening its stream, then pumping it.
class Terminal : public api::WebSocketPeer, public std::enable_shared_from_this<Terminal> {
 public:
  Terminal(TerminalOpener open, api::HttpRequest header, std::shared_ptr<api::WebSocketLink> link)
      : open_(std::move(open)), header_(std::move(header)), link_(std::move(link)) {}

  // Runs the connection on a thread of its own, which holds the terminal until it ends and
  // counts in `group` until then.
  void start(std::shared_ptr<class TerminalGroup> group);

  void on_message(std::string data, bool binary) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stream_) return;  // before the stream is open, keystrokes have nowhere to go
    if (binary) {
      stream_->write(data);
      return;
    }
    json control = json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (control.is_object() && control.contains("resize") && control["resize"].is_array() &&
        control["resize"].size() == 2 && control["resize"][0].is_number_integer() &&
        control["resize"][1].is_number_integer()) {
      stream_->resize(std::clamp(control["resize"][0].get<int>(), 10, 1000),
                      std::clamp(control["resize"][1].get<int>(), 10, 1000));
    }
  }

  void on_closed() override {
    std::lock_guard<std::mutex> lock(mu_);
    left_ = true;
    if (stream_) stream_->hang_up();
  }

 private:
  void run() {
    link_->send_text(json{{"status", "connecting"}}.dump());
    auto opened = open_(header_, dimension(header_, "cols", 80), dimension(header_, "rows", 24));
    if (!opened.ok()) {
      link_->send_text(json{{"error", opened.error().code + ": " + opened.error().message}}.dump());
      link_->close(1008, "No session.");
      return;
    }
    TerminalStream* stream = opened.value().get();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream_ = std::move(opened.value());
      if (left_) stream_->hang_up();
    }
    link_->send_text(json{{"status", "connected"}}.dump());
    for (std::string out = stream->read(); !out.empty(); out = stream->read()) link_->send_binary(std::move(out));
    link_->send_text(json{{"status", "closed"}, {"exit", stream->finish()}}.dump());
    link_->close(1000, "The session ended.");
  }

  const TerminalOpener open_;
  const api::HttpRequest header_;
  const std::shared_ptr<api::WebSocketLink> link_;
  std::mutex mu_;
  std::unique_ptr<TerminalStream> stream_;  // set once, under mu_; the run thread reads through it
  bool left_ = false;                       // the browser left; GUARDED_BY(mu_)
};

// The terminals of one route: ended, and their threads waited for, when the route goes (with
// its server, before the server's event loops: the threads send through them).
class TerminalGroup {
 public:
  // Counts `terminal`, whose thread is about to start, in until leave().
  void join(const std::shared_ptr<Terminal>& terminal) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.push_back(terminal);
    ++joined_;
  }
  // `terminal`'s thread has let go of everything it held.
  void leave(const Terminal* terminal) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(live_, [terminal](const std::weak_ptr<Terminal>& t) {
      auto held = t.lock();
      return !held || held.get() == terminal;
    });
    ++left_;
    changed_.notify_all();
  }
  // Hangs up every live terminal as if its browser had left, and waits for their threads.
  void end_all() {
    std::unique_lock<std::mutex> lock(mu_);
    for (const auto& t : live_) {
      if (auto held = t.lock()) held->on_closed();
    }
    changed_.wait(lock, [this] { return joined_ == left_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::weak_ptr<Terminal>> live_;  // GUARDED_BY(mu_)
  size_t joined_ = 0;                          // threads started; GUARDED_BY(mu_)
  size_t left_ = 0;                            // threads ended; GUARDED_BY(mu_)
};

void Terminal::start(std::shared_ptr<TerminalGroup> group) {
  group->join(shared_from_this());
  std::thread([self = shared_from_this(), group]() mutable {
    self->run();
    const Terminal* ended = self.get();
    self.reset();  // the link, and through it the session, let go before the group hears
    group->leave(ended);
  }).detach();
}

// Ends its group's terminals when the last copy of the route holding it goes.
struct GroupEnder {
  std::shared_ptr<TerminalGroup> group = std::make_shared<TerminalGroup>();
  ~GroupEnder() { group->end_all(); }
};

}  // namespace

std::string connect_parameter(const api::HttpRequest& header, const std::string& name) {
  size_t question = header.target.find('?');
  if (question == std::string::npos) return "";
  auto params = api::parse_form(header.target.substr(question + 1));
  if (!params.ok()) return "";
  for (const auto& [key, value] : params.value()) {
    if (key == name) return value;
  }
  return "";
}

api::WebSocketRoute terminal_route(const std::string& path, TerminalOpener open) {
  api::WebSocketRoute route;
  route.claims = [path](const api::HttpRequest& header) { return header.target.substr(0, header.target.find('?')) == path; };
  route.open = [open = std::move(open), ender = std::make_shared<GroupEnder>()](
                   const api::HttpRequest& header, std::shared_ptr<api::WebSocketLink> link) {
    auto terminal = std::make_shared<Terminal>(open, header, std::move(link));
    terminal->start(ender->group);
    return std::shared_ptr<api::WebSocketPeer>(terminal);
  };
  return route;
}

}  // namespace stratus::console
