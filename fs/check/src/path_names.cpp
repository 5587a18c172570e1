#include "squeezefs/fs/check/path_names.h"

#include <sys/stat.h>

#include <deque>

#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs::check {

std::string inode_name(std::uint64_t ino) {
  return "<inode " + std::to_string(ino) + ">";
}

PathNames::PathNames(const std::vector<index::InodeRecord>& inodes,
                     const std::vector<index::DirEntry>& entries) {
  std::unordered_map<std::uint64_t, bool> is_dir;
  for (const auto& r : inodes) is_dir[r.ino] = S_ISDIR(r.mode);
  std::unordered_map<std::uint64_t, std::vector<const index::DirEntry*>> children;
  for (const auto& e : entries) children[e.parent].push_back(&e);
  if (!is_dir.contains(Namespace::kRootIno)) return;

  paths_[Namespace::kRootIno] = "/";
  std::deque<std::uint64_t> queue{Namespace::kRootIno};
  while (!queue.empty()) {
    const std::uint64_t dir = queue.front();
    queue.pop_front();
    const auto it = children.find(dir);
    if (it == children.end()) continue;
    const std::string prefix = dir == Namespace::kRootIno ? "/" : paths_[dir] + "/";
    for (const auto* e : it->second) {
      const auto child_dir = is_dir.find(e->child);
      if (child_dir == is_dir.end() || paths_.contains(e->child)) continue;
      paths_[e->child] = prefix + e->name;
      if (child_dir->second) queue.push_back(e->child);
    }
  }
}

std::string PathNames::path(std::uint64_t ino) const {
  const auto it = paths_.find(ino);
  return it == paths_.end() ? inode_name(ino) : it->second;
}

}  // namespace squeezefs::fs::check
