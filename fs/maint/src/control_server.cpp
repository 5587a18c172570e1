#include "squeezefs/fs/maint/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs::maint {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024;
constexpr int kRequestTimeoutMs = 10000;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads up to the first newline; std::nullopt on timeout, a closed socket or an oversized line.
std::optional<std::string> read_line(int fd) {
  std::string line;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kRequestTimeoutMs) <= 0) return std::nullopt;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    line.append(buf, static_cast<std::size_t>(n));
    if (const auto end = line.find('\n'); end != std::string::npos) return line.substr(0, end);
    if (line.size() > kMaxRequest) return std::nullopt;
  }
}

}  // namespace

ControlServer::ControlServer(std::filesystem::path path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = path_.string();
  if (name.size() >= sizeof addr.sun_path) {
    throw std::system_error(std::make_error_code(std::errc::filename_too_long),
                            "control socket " + name);
  }
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_.valid()) fail_errno("socket");
  // The store lock is held, so a socket already there is a leftover of a crashed daemon.
  ::unlink(name.c_str());
  const mode_t old_mask = ::umask(077);
  const int rc = ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) {
    errno = bind_errno;
    fail_errno("bind " + name);
  }
  if (::chmod(name.c_str(), 0600) != 0 || ::listen(listener_.get(), 8) != 0) {
    const int saved = errno;
    ::unlink(name.c_str());
    errno = saved;
    fail_errno("listen " + name);
  }
  acceptor_ = std::jthread([this](const std::stop_token& stop) { accept_loop(stop); });
}

ControlServer::~ControlServer() {
  acceptor_.request_stop();
  if (acceptor_.joinable()) acceptor_.join();
  std::list<Client> clients;
  {
    const MutexLock lock(mutex_);
    clients.swap(clients_);
  }
  clients.clear();  // each jthread requests stop and joins
  ::unlink(path_.c_str());
}

void ControlServer::accept_loop(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;
    const MutexLock lock(mutex_);
    // Join the threads of finished connections.
    std::erase_if(clients_, [](const Client& c) { return c.done->load(); });
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto fd = std::make_shared<UniqueFd>(std::move(client));
    clients_.push_back(Client{done, std::jthread([this, done, fd](const std::stop_token& s) {
                                serve(std::move(*fd), s);
                                done->store(true);
                              })});
  }
}

void ControlServer::serve(UniqueFd client, const std::stop_token& stop) {
  const int fd = client.get();
  const Reply reply = [fd](const nlohmann::json& message) {
    return send_all(fd, message.dump() + "\n");
  };
  // Only the daemon's own user may drive it (the socket's mode says so too).
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != 0 && cred.uid != ::geteuid())) {
    reply(nlohmann::json{{"error", "permission denied"}});
    return;
  }
  const auto line = read_line(fd);
  if (!line) return;
  const auto request = nlohmann::json::parse(*line, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    reply(nlohmann::json{{"error", "the request is not a JSON object"}});
    return;
  }
  try {
    handler_(request, reply, stop);
  } catch (const std::exception& e) {
    log().error("control request {}: {}", request.dump(), log_text(e));
    reply(nlohmann::json{{"error", e.what()}});
  }
}

}  // namespace squeezefs::fs::maint
