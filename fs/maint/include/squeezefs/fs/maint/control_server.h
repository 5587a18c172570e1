#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>

#include "squeezefs/common/mutex.h"
#include "squeezefs/common/unique_fd.h"

namespace squeezefs::fs::maint {

// The daemon's control channel: a Unix stream socket (mode 0600, so only its owner, root for a
// normal mount, can connect) taking one request per connection as a JSON object on one line and
// answering with JSON lines (progress, then a result), until the handler returns.
//
// Each connection runs on its own thread. The destructor stops them (their stop tokens are
// signalled; handlers must return soon), joins them and removes the socket.
class ControlServer {
 public:
  // Sends one line; false once the client has gone away.
  using Reply = std::function<bool(const nlohmann::json&)>;
  using Handler =
      std::function<void(const nlohmann::json& request, const Reply& reply, std::stop_token)>;

  // Binds `path` (replacing a stale socket left by a crash); throws std::system_error.
  ControlServer(std::filesystem::path path, Handler handler);
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

 private:
  void accept_loop(const std::stop_token& stop) EXCLUDES(mutex_);
  void serve(UniqueFd client, const std::stop_token& stop);

  std::filesystem::path path_;
  Handler handler_;
  UniqueFd listener_;
  Mutex mutex_;  // a leaf
  struct Client {
    std::shared_ptr<std::atomic<bool>> done;
    std::jthread thread;
  };
  std::list<Client> clients_ GUARDED_BY(mutex_);
  std::jthread acceptor_;
};

}  // namespace squeezefs::fs::maint
