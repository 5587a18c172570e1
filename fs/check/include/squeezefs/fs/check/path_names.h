#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "squeezefs/index/records.h"

namespace squeezefs::fs::check {

// Paths of the inodes reachable from the root, for reports. A file with several links is named
// by the first one found (breadth first, in entry order); unreachable inodes by their number.
class PathNames {
 public:
  PathNames(const std::vector<index::InodeRecord>& inodes,
            const std::vector<index::DirEntry>& entries);

  [[nodiscard]] std::string path(std::uint64_t ino) const;
  [[nodiscard]] bool reachable(std::uint64_t ino) const { return paths_.contains(ino); }

 private:
  std::unordered_map<std::uint64_t, std::string> paths_;
};

// "<inode N>", the name of an inode that has no path.
[[nodiscard]] std::string inode_name(std::uint64_t ino);

}  // namespace squeezefs::fs::check
