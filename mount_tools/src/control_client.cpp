#include "control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "commands.h"
#include "squeezefs/common/unique_fd.h"
#include "squeezefs/fs/maint/maint_service.h"
#include "store_access.h"

namespace squeezefs::tools {
namespace {

std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}

}  // namespace

nlohmann::json call_daemon(const std::filesystem::path& store, const nlohmann::json& request,
                           const std::function<void(const nlohmann::json&)>& on_progress) {
  const auto path = fs::maint::MaintService::socket_path(fs::StoreLayout(store)).string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    throw CommandError("the control socket path " + path + " is too long", kExitFailure);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    // A store mounted -o ro from read-only media has no room for the socket.
    if (error == ENOENT && unwritable_part(store)) {
      throw CommandError("the daemon serving " + store.string() +
                             " has no control socket: the store is on read-only media (mounted "
                             "-o ro), where scrub and compact are not available",
                         kExitFailure);
    }
    throw CommandError("cannot reach the daemon serving " + store.string() + " (" + path + ": " +
                           std::error_code(error, std::generic_category()).message() + ")",
                       kExitFailure);
  }
  const std::string text = request.dump() + "\n";
  if (::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size()))
    throw CommandError("cannot send the request to the daemon: " + errno_text(), kExitFailure);
  std::string pending;
  char buf[4096];
  for (;;) {
    std::size_t end = 0;
    while ((end = pending.find('\n')) != std::string::npos) {
      auto message = nlohmann::json::parse(pending.substr(0, end), nullptr, false);
      pending.erase(0, end + 1);
      if (message.is_discarded() || !message.is_object())
        throw CommandError("the daemon sent an unreadable answer", kExitFailure);
      if (message.contains("error"))
        throw CommandError(message["error"].get<std::string>(), kExitFailure);
      if (message.contains("result")) return message["result"];
      if (on_progress) on_progress(message);
    }
    const auto n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw CommandError("the daemon closed the connection early", kExitFailure);
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace squeezefs::tools
