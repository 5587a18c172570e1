// Every namespace operation gives the same results when the metadata store runs each
// transaction body twice (the first run rolled back), as a server backend does after a conflict:
// bodies keep their effects inside the transaction and change Namespace state only afterwards.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "squeezefs/fs/namespace.h"
#include "squeezefs/fs/release_queue.h"
#include "squeezefs/index/memory/memory_metadata_store.h"

namespace squeezefs::fs {
namespace {

constexpr Caller kUser{1000, 100, 022};
constexpr std::uint64_t kRoot = Namespace::kRootIno;

// Runs one fixed sequence of namespace operations and writes down every outcome. Inode numbers
// are written as the order in which they first appear: a rolled-back body may use up numbers.
class Transcript {
 public:
  explicit Transcript(bool retries) {
    format_root(metadata_, Caller{});
    if (retries) metadata_.force_retries(1'000'000);
  }

  std::vector<std::string> run() {
    const auto dir = note("mkdir", ns_.mkdir(kRoot, "d", 0755, kUser));
    note("mkdir again", ns_.mkdir(kRoot, "d", 0755, kUser));
    const auto file = note("mknod", ns_.mknod(kRoot, "f", S_IFREG | 0666, 0, kUser));
    note("mknod bad type", ns_.mknod(kRoot, "x", 0, 0, kUser));
    note("symlink", ns_.symlink(dir, "s", "target", kUser));
    note_value("readlink", ns_.readlink(ns_.lookup(dir, "s")->ino));
    note("link", ns_.link(file, dir, "hard"));
    note("link to dir", ns_.link(dir, kRoot, "dirlink"));
    give_blocks(file);
    AttrChange chmod;
    chmod.mode = 0600;
    chmod.uid = 7;
    note("setattr", ns_.setattr(file, chmod));
    note_void("setxattr", ns_.setxattr(file, "user.a", "1", XattrMode::kAny));
    note_void("setxattr create", ns_.setxattr(file, "user.a", "2", XattrMode::kCreate));
    note_void("setxattr replace", ns_.setxattr(file, "user.b", "2", XattrMode::kReplace));
    note_value("getxattr", ns_.getxattr(file, "user.a"));
    note_void("removexattr", ns_.removexattr(file, "user.a"));
    note_void("removexattr missing", ns_.removexattr(file, "user.a"));
    note_names("listxattr", ns_.listxattr(file));
    note_void("rename", ns_.rename(kRoot, "f", dir, "g", RenameMode::kReplace));
    note_void("rename noreplace", ns_.rename(dir, "g", dir, "hard", RenameMode::kNoReplace));
    note_void("exchange", ns_.rename(dir, "g", dir, "s", RenameMode::kExchange));
    note_void("whiteout", ns_.rename(dir, "g", kRoot, "w", RenameMode::kReplace, kUser));
    const auto other = note("mknod other", ns_.mknod(kRoot, "o", S_IFREG | 0644, 0, kUser));
    give_blocks(other);
    note_void("rename over", ns_.rename(kRoot, "o", kRoot, "w", RenameMode::kReplace));
    ns_.retain(file);
    note_void("unlink", ns_.unlink(dir, "hard"));
    note_void("unlink last", ns_.unlink(dir, "s"));
    note("unlinked in use", ns_.getattr(file));
    ns_.release(file);
    note("released", ns_.getattr(file));
    note_void("rmdir not empty", ns_.rmdir(kRoot, "d"));
    note_void("unlink whiteout", ns_.unlink(dir, "g"));
    note_void("rmdir", ns_.rmdir(kRoot, "d"));
    give_blocks(note("mknod third", ns_.mknod(kRoot, "q", S_IFREG | 0644, 0, kUser)));
    note_void("rename over blocks", ns_.rename(kRoot, "w", kRoot, "q", RenameMode::kReplace));
    note_void("unlink with blocks", ns_.unlink(kRoot, "q"));
    ns_.touch_atime(kRoot);
    ns_.purge_orphans();
    const auto listed = ns_.list(kRoot, 0, ns_.entry_mark(), 100);
    for (const auto& e : listed.value()) note("listed " + e.entry.name, e.inode);
    note("readdir size", std::to_string(ns_.readdir(kRoot, 0, 100)->size()));
    releases_.on_sync(metadata_.sync());
    note("released blocks", released_);
    return lines_;
  }

 private:
  void give_blocks(std::uint64_t ino) {
    metadata_.transact([&](index::MetadataTxn& t) {
      const auto id = t.add_data_file();
      t.account_written(id, 200);
      for (std::uint64_t i = 0; i < 2; ++i) {
        index::BlockRef ref;
        ref.data_file = id;
        ref.offset = i * 100;
        ref.stored_length = 100;
        t.put_block(ino, i, ref);
      }
    });
  }

  std::string id(std::uint64_t ino) {
    return "#" + std::to_string(ids_.try_emplace(ino, ids_.size()).first->second);
  }

  std::uint64_t note(const std::string& what, const Result<index::InodeRecord>& rec) {
    if (!rec) {
      note(what, "error " + rec.error().message());
      return 0;
    }
    note(what, *rec);
    return rec->ino;
  }
  void note(const std::string& what, const index::InodeRecord& r) {
    std::ostringstream out;
    out << id(r.ino) << " mode " << std::oct << r.mode << std::dec << " uid " << r.uid << " gid "
        << r.gid << " nlink " << r.nlink << " size " << r.size << " rdev " << r.rdev;
    note(what, out.str());
  }
  void note_void(const std::string& what, const Result<void>& r) {
    note(what, r ? std::string("ok") : "error " + r.error().message());
  }
  void note_value(const std::string& what, const Result<std::string>& r) {
    note(what, r ? *r : "error " + r.error().message());
  }
  void note_names(const std::string& what, const Result<std::vector<std::string>>& r) {
    std::string all;
    for (const auto& name : *r) all += name + " ";
    note(what, all);
  }
  void note(const std::string& what, const std::vector<std::uint64_t>& offsets) {
    std::string all;
    for (const auto o : offsets) all += std::to_string(o) + " ";
    note(what, all);
  }
  void note(const std::string& what, const std::string& outcome) {
    lines_.push_back(what + ": " + outcome);
  }

  index::MemoryMetadataStore metadata_;
  std::vector<std::uint64_t> released_;
  ReleaseQueue releases_{[this](std::span<const index::BlockRef> blocks) {
    for (const auto& b : blocks) released_.push_back(b.offset);
  }};
  Namespace ns_{metadata_, &releases_};
  std::map<std::uint64_t, std::size_t> ids_;
  std::vector<std::string> lines_;
};

TEST(NamespaceRetryTest, given_every_body_run_twice_when_operating_then_results_are_identical) {
  const auto once = Transcript(false).run();
  const auto twice = Transcript(true).run();
  EXPECT_EQ(once, twice);
  // The sequence reaches what it is meant to: the blocks of the three removed files (by release,
  // rename over and unlink) are released, once each.
  EXPECT_EQ(once.back(), "released blocks: 0 100 0 100 0 100 ");
}

}  // namespace
}  // namespace squeezefs::fs
