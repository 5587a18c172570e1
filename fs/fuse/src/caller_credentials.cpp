#include "caller_credentials.h"

#include <linux/capability.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace squeezefs::fs {
namespace {

// The rest of the line after "Name:\t", or empty.
std::string_view field(std::string_view status, std::string_view name) {
  for (std::size_t at = 0; at < status.size();) {
    const auto end = std::min(status.find('\n', at), status.size());
    const auto line = status.substr(at, end - at);
    if (line.starts_with(name) && line.substr(name.size()).starts_with(':'))
      return line.substr(name.size() + 1);
    at = end + 1;
  }
  return {};
}

// The credentials in the text of a /proc/PID/status file; no groups and no CAP_FSETID for lines
// it lacks.
CallerCredentials parse_proc_status(std::string_view status) {
  CallerCredentials creds;
  auto groups = field(status, "Groups");
  while (!groups.empty()) {
    const auto start = groups.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    groups.remove_prefix(start);
    std::uint32_t gid = 0;
    const auto [end, ec] = std::from_chars(groups.data(), groups.data() + groups.size(), gid);
    if (ec != std::errc{}) break;
    creds.groups.push_back(gid);
    groups.remove_prefix(static_cast<std::size_t>(end - groups.data()));
  }
  auto caps = field(status, "CapEff");
  caps.remove_prefix(std::min(caps.find_first_not_of(" \t"), caps.size()));
  std::uint64_t effective = 0;
  if (std::from_chars(caps.data(), caps.data() + caps.size(), effective, 16).ec == std::errc{})
    creds.can_fsetid = (effective & (std::uint64_t{1} << CAP_FSETID)) != 0;
  return creds;
}

}  // namespace

CallerCredentials read_caller_credentials(std::int32_t tid, std::uint32_t uid) {
  if (tid > 0) {
    // The caller waits for the reply, so the thread (and its id) is still there.
    std::ifstream in("/proc/" + std::to_string(tid) + "/status");
    std::ostringstream text;
    if (in && text << in.rdbuf()) return parse_proc_status(text.str());
  }
  return CallerCredentials{{}, uid == 0};
}

}  // namespace squeezefs::fs
