#include "mount_table.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "commands.h"

namespace squeezefs::tools {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string oct = field.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

struct MountEntry {
  std::string device;  // MAJ:MIN
  std::filesystem::path mount_point;
  std::string type;
  std::filesystem::path source;
  std::string super_options;
};

// Every mount of /proc/self/mountinfo, in mount order (the last on a path is the one in effect).
std::vector<MountEntry> read_mountinfo() {
  std::vector<MountEntry> entries;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string f; fields >> f;) parts.push_back(f);
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    std::size_t dash = 6;
    while (dash < parts.size() && parts[dash] != "-") ++dash;
    if (parts.size() < 5 || dash + 2 >= parts.size()) continue;
    entries.push_back(MountEntry{parts[2], unescape(parts[4]), parts[dash + 1],
                                 unescape(parts[dash + 2]),
                                 dash + 3 < parts.size() ? parts[dash + 3] : ""});
  }
  return entries;
}

constexpr std::string_view kType = "fuse.squeezefs";

std::filesystem::path resolved(const std::filesystem::path& path) {
  std::error_code ec;
  auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  return ec ? std::filesystem::absolute(path).lexically_normal() : out;
}

}  // namespace

std::optional<std::filesystem::path> mounted_store(const std::string& mountpoint) {
  // Resolved as far as it can be: the mount point of a dead daemon cannot be (ENOTCONN).
  const auto target = resolved(mountpoint);
  std::optional<std::filesystem::path> found;
  for (const auto& e : read_mountinfo()) {
    if (e.mount_point != target) continue;
    found = e.type == kType ? std::optional(e.source) : std::nullopt;
  }
  return found;
}

std::string mount_super_options(const std::string& mountpoint) {
  std::error_code ec;
  const auto target = std::filesystem::canonical(mountpoint, ec);
  if (ec) return "";
  std::string found;
  for (const auto& e : read_mountinfo()) {
    if (e.mount_point == target) found = e.super_options;
  }
  return found;
}

std::filesystem::path store_of_mount(const std::string& mountpoint) {
  auto store = mounted_store(mountpoint);
  if (!store) throw CommandError(mountpoint + " is not a mounted squeezefs store", kExitFailure);
  return *store;
}

std::optional<SqueezefsMount> mount_of_store(const std::filesystem::path& store) {
  // The mount command records the resolved store path as the source.
  const auto target = resolved(store);
  for (const auto& e : read_mountinfo()) {
    if (e.type == kType && e.source == target) return SqueezefsMount{e.source, e.mount_point};
  }
  return std::nullopt;
}

std::optional<SqueezefsMount> mount_holding(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  const std::string device =
      std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  std::optional<SqueezefsMount> found;
  for (const auto& e : read_mountinfo()) {
    if (e.device == device && e.type == kType) found = SqueezefsMount{e.source, e.mount_point};
  }
  return found;
}

}  // namespace squeezefs::tools
