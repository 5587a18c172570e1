#include "tree_check.h"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "report_append.h"
#include "squeezefs/fs/check/path_names.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs::check {
namespace {

constexpr std::string_view kLostFound = "lost+found";

bool is_dir(const index::InodeRecord& r) {
  return S_ISDIR(r.mode);
}

// The tree as loaded, kept in step with the repairs (or, without --repair, with the repairs
// that would be made) so later steps see the result.
struct Tree {
  std::map<std::uint64_t, index::InodeRecord> inodes;
  std::vector<index::DirEntry> entries;

  [[nodiscard]] std::set<std::uint64_t> reachable_from(const std::set<std::uint64_t>& seeds) const {
    std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> children;
    for (const auto& e : entries) children[e.parent].push_back(e.child);
    std::set<std::uint64_t> seen(seeds.begin(), seeds.end());
    std::deque<std::uint64_t> queue(seeds.begin(), seeds.end());
    while (!queue.empty()) {
      const auto dir = queue.front();
      queue.pop_front();
      const auto rec = inodes.find(dir);
      if (rec == inodes.end() || !is_dir(rec->second)) continue;
      for (const auto child : children[dir]) {
        if (seen.insert(child).second) queue.push_back(child);
      }
    }
    return seen;
  }

  // nlink as the entries imply: links for files, 2 + subdirectories for directories.
  [[nodiscard]] std::map<std::uint64_t, std::uint32_t> expected_links() const {
    std::map<std::uint64_t, std::uint32_t> links;
    for (const auto& [ino, rec] : inodes) links[ino] = is_dir(rec) ? 2 : 0;
    for (const auto& e : entries) {
      const auto child = inodes.find(e.child);
      if (child == inodes.end()) continue;
      if (is_dir(child->second)) {
        ++links[e.parent];
      } else {
        ++links[e.child];
      }
    }
    return links;
  }
};

// One pass over the tree as loaded. It writes its findings to a report of its own and its repairs
// (when given a transaction) to `txn`: a transaction body that the store may run again starts
// from a fresh TreeChecker, so a rerun neither repeats findings nor sees a half-repaired tree.
class TreeChecker {
 public:
  // `inodes` are the inodes as found (the paths in findings name the tree before the repairs).
  TreeChecker(Tree tree, const std::vector<index::InodeRecord>& inodes, index::MetadataTxn* txn)
      : txn_(txn), repair_(txn != nullptr), tree_(std::move(tree)), inodes_(inodes) {}

  CheckReport run() && {
    const auto root = tree_.inodes.find(Namespace::kRootIno);
    if (root == tree_.inodes.end() || !is_dir(root->second)) {
      report_.add("/", "the root directory is missing or not a directory", false);
      return std::move(report_);
    }
    const PathNames names(inodes_, tree_.entries);
    drop_dangling_entries(names);
    check_parents(names);
    rescue_unreachable();
    check_link_counts(names);
    return std::move(report_);
  }

 private:
  void drop_dangling_entries(const PathNames& names) {
    std::vector<index::DirEntry> kept;
    for (auto& e : tree_.entries) {
      const bool parent_ok = tree_.inodes.contains(e.parent);
      const bool child_ok = tree_.inodes.contains(e.child);
      if (parent_ok && child_ok) {
        kept.push_back(std::move(e));
        continue;
      }
      const std::string where =
          parent_ok ? join(names.path(e.parent), e.name) : inode_name(e.parent) + "/" + e.name;
      const std::string what =
          !child_ok ? "entry points to missing inode " + std::to_string(e.child)
                    : "entry lies in missing directory inode " + std::to_string(e.parent);
      if (repair_) txn_->remove_entry(e.parent, e.name);
      report_.add(where, what + (repair_ ? "; entry removed" : ""), repair_);
    }
    tree_.entries = std::move(kept);
  }

  void check_parents(const PathNames& names) {
    std::map<std::uint64_t, std::size_t> dir_parents;
    for (const auto& e : tree_.entries) {
      if (!is_dir(tree_.inodes.at(e.parent))) {
        report_.add(inode_name(e.parent) + "/" + e.name,
                    "entry lies in a non-directory inode " + std::to_string(e.parent), false);
      }
      if (is_dir(tree_.inodes.at(e.child))) ++dir_parents[e.child];
    }
    for (const auto& [ino, count] : dir_parents) {
      if (ino == Namespace::kRootIno) {
        report_.add("/", "the root directory has an entry in another directory", false);
      } else if (count > 1) {
        report_.add(names.path(ino), "directory has " + std::to_string(count) + " parents", false);
      }
    }
  }

  void rescue_unreachable() {
    const auto reached = tree_.reachable_from({Namespace::kRootIno});
    std::set<std::uint64_t> has_parent_entry;
    std::set<std::uint64_t> has_children;
    for (const auto& e : tree_.entries) {
      has_parent_entry.insert(e.child);
      has_children.insert(e.parent);
    }
    // Inodes under an unreachable directory come back with it; the rest need a rescue. Listed
    // first: rescuing may add /lost+found to the tree.
    std::vector<index::InodeRecord> detached;
    for (const auto& [ino, rec] : tree_.inodes) {
      if (!reached.contains(ino) && !has_parent_entry.contains(ino)) detached.push_back(rec);
    }
    std::set<std::uint64_t> seeds{Namespace::kRootIno};
    for (const auto& rec : detached) {
      if (rec.nlink == 0 && !has_children.contains(rec.ino)) {
        reclaim_orphan(rec);
        continue;
      }
      move_to_lost_found(rec.ino);
      seeds.insert(rec.ino);
    }
    // What is still unreachable hangs in a directory cycle: no entry can be chosen to cut.
    const auto after = tree_.reachable_from(seeds);
    for (const auto& [ino, rec] : tree_.inodes) {
      if (!after.contains(ino) && !reclaimed_.contains(ino))
        report_.add(inode_name(ino), "unreachable: part of a directory cycle", false);
    }
  }

  void reclaim_orphan(const index::InodeRecord& rec) {
    reclaimed_.insert(rec.ino);
    if (repair_) {
      for (const auto& block : txn_->remove_inode(rec.ino))
        txn_->account_freed(block.data_file, block.stored_length);
    }
    if (repair_) {
      report_.add(inode_name(rec.ino), "orphaned inode (no links left); reclaimed", true);
    } else {
      report_.add_expected(inode_name(rec.ino),
                           "orphaned inode (unlinked while open when the store was last "
                           "unmounted; the next mount reclaims it)");
    }
  }

  void move_to_lost_found(std::uint64_t ino) {
    const std::string name = "#" + std::to_string(ino);
    const std::uint64_t dir = lost_found();
    if (repair_) txn_->add_entry(dir, name, ino);
    tree_.entries.push_back(index::DirEntry{0, dir, name, ino});
    if (is_dir(tree_.inodes.at(ino))) ++added_links_[dir];  // the moved directory's ".."
    report_.add(
        inode_name(ino),
        "unreachable from the root" + (repair_ ? "; moved to /lost+found/" + name : std::string()),
        repair_);
  }

  // The /lost+found directory, created on first use. Without --repair a placeholder number
  // stands for it, so the rest of the check sees the tree as the repair would leave it.
  std::uint64_t lost_found() {
    if (lost_found_) return *lost_found_;
    for (const auto& e : tree_.entries) {
      if (e.parent == Namespace::kRootIno && e.name == kLostFound &&
          is_dir(tree_.inodes.at(e.child))) {
        return *(lost_found_ = e.child);
      }
    }
    index::InodeRecord rec;
    rec.mode = S_IFDIR | 0700;
    rec.nlink = 2;
    rec.atime_ns = rec.mtime_ns = rec.ctime_ns = now_ns();
    if (repair_) {
      rec.ino = txn_->allocate_inode(rec);
      txn_->add_entry(Namespace::kRootIno, kLostFound, rec.ino);
    } else {
      rec.ino = tree_.inodes.rbegin()->first + 1;
    }
    tree_.inodes.emplace(rec.ino, rec);
    ++added_links_[Namespace::kRootIno];
    tree_.entries.push_back(
        index::DirEntry{0, Namespace::kRootIno, std::string(kLostFound), rec.ino});
    return *(lost_found_ = rec.ino);
  }

  // Compares link counts with the tree as found (less the links the repairs add: /lost+found
  // in the root, moved directories in /lost+found) and writes the counts of the repaired tree.
  void check_link_counts(const PathNames& names) {
    const auto expected = tree_.expected_links();
    for (auto& [ino, rec] : tree_.inodes) {
      if (reclaimed_.contains(ino)) continue;
      const auto want = expected.at(ino);
      const auto added = added_links_.find(ino);
      const auto found_want = want - (added == added_links_.end() ? 0 : added->second);
      if (rec.nlink != found_want) {
        report_.add(names.path(ino),
                    "link count " + std::to_string(rec.nlink) + ", expected " +
                        std::to_string(found_want) + (repair_ ? "; corrected" : ""),
                    repair_);
      }
      if (repair_ && rec.nlink != want) {
        rec.nlink = want;
        txn_->update_inode(rec);
      }
    }
  }

  static std::string join(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
  }

  index::MetadataTxn* txn_;  // null without repair
  bool repair_;
  Tree tree_;
  const std::vector<index::InodeRecord>& inodes_;
  CheckReport report_;
  std::set<std::uint64_t> reclaimed_;
  std::map<std::uint64_t, std::uint32_t> added_links_;  // links the repairs add, by inode
  std::optional<std::uint64_t> lost_found_;
};

}  // namespace

void check_tree(index::MetadataStore& metadata, const CheckOptions& options, CheckReport& report) {
  // Loaded by whole-store scans, outside any transaction: nothing else writes to the store while
  // it is checked (the caller holds its lock).
  const auto inodes = metadata.all_inodes();
  Tree tree;
  for (const auto& r : inodes) tree.inodes.emplace(r.ino, r);
  tree.entries = metadata.all_entries();
  if (!options.repair) {
    // Without repair the check only looks at what the scans loaded.
    append_problems(report, TreeChecker(std::move(tree), inodes, nullptr).run());
    return;
  }
  const auto found = metadata.transact(
      [&](index::MetadataTxn& txn) { return TreeChecker(tree, inodes, &txn).run(); });
  append_problems(report, found);
}

}  // namespace squeezefs::fs::check
