// The S_ISGID rules that depend on the caller: ownership of new inodes in setgid directories and
// the access ACL's effect on S_ISGID, as ext4 applies them.
#include "squeezefs/fs/caller.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

constexpr std::uint64_t kRoot = Namespace::kRootIno;
constexpr std::uint32_t kStaff = 50;
constexpr std::uint32_t kSetgidDir = S_IFDIR | 02777;

// Credentials as the adapter would read them: uid 1001 is in kStaff as a supplementary group,
// uid 1003 holds CAP_FSETID, the others have neither.
CallerCredentials fake_credentials(std::int32_t /*tid*/, std::uint32_t uid) {
  if (uid == 1001) return {{7, kStaff}, false};
  if (uid == 1003) return {{}, true};
  return {};
}

constexpr Caller kRootCaller{0, 0, 0, 0, fake_credentials};
constexpr Caller kPrimaryMember{1000, kStaff, 0, 0, fake_credentials};
constexpr Caller kSupplementaryMember{1001, 1001, 0, 0, fake_credentials};
constexpr Caller kNonMember{1002, 1002, 0, 0, fake_credentials};
constexpr Caller kCapable{1003, 1003, 0, 0, fake_credentials};

TEST(CallerTest, given_group_or_capability_when_asking_then_may_keep_setgid) {
  EXPECT_TRUE(may_keep_setgid(kPrimaryMember, kStaff));
  EXPECT_TRUE(may_keep_setgid(kSupplementaryMember, kStaff));
  EXPECT_TRUE(may_keep_setgid(kCapable, kStaff));
  EXPECT_FALSE(may_keep_setgid(kNonMember, kStaff));
  EXPECT_FALSE(may_keep_setgid(kRootCaller, kStaff)) << "root without CAP_FSETID";
  // Without a credentials reader only the fsgid counts, and uid 0 is taken to hold CAP_FSETID.
  EXPECT_TRUE(may_keep_setgid(Caller{0, 0}, kStaff));
  EXPECT_FALSE(may_keep_setgid(Caller{1001, 1001}, kStaff));
}

TEST(CallerTest, given_setgid_directory_when_creating_then_group_inherited_and_dirs_setgid) {
  for (const auto& caller : {kRootCaller, kPrimaryMember, kSupplementaryMember, kNonMember}) {
    const auto dir = new_inode_owner(caller, kSetgidDir, kStaff, S_IFDIR | 0755);
    EXPECT_EQ(dir.gid, kStaff) << caller.uid;
    EXPECT_EQ(dir.mode, S_IFDIR | 02755U) << caller.uid;
    const auto file = new_inode_owner(caller, kSetgidDir, kStaff, S_IFREG | 0644);
    EXPECT_EQ(file.gid, kStaff) << caller.uid;
    EXPECT_EQ(file.mode, S_IFREG | 0644U) << caller.uid;
    const auto link = new_inode_owner(caller, kSetgidDir, kStaff, S_IFLNK | 0777);
    EXPECT_EQ(link.gid, kStaff) << caller.uid;
    EXPECT_EQ(link.mode, S_IFLNK | 0777U) << caller.uid;
  }
  // Elsewhere new inodes take the caller's group and the mode asked for.
  const auto file = new_inode_owner(kNonMember, S_IFDIR | 0777, kStaff, S_IFREG | 02755);
  EXPECT_EQ(file.gid, 1002U);
  EXPECT_EQ(file.mode, S_IFREG | 02755U);
  const auto dir = new_inode_owner(kNonMember, S_IFDIR | 0777, kStaff, S_IFDIR | 0755);
  EXPECT_EQ(dir.gid, 1002U);
  EXPECT_EQ(dir.mode, S_IFDIR | 0755U);
}

TEST(CallerTest, given_setgid_directory_when_non_member_creates_setgid_file_then_cleared) {
  EXPECT_EQ(new_inode_owner(kNonMember, kSetgidDir, kStaff, S_IFREG | 02755).mode, S_IFREG | 0755U);
  EXPECT_EQ(new_inode_owner(kNonMember, kSetgidDir, kStaff, S_IFIFO | 02770).mode, S_IFIFO | 0770U);
  // Without group execute S_ISGID does not make a setgid program: it stays (as on ext4).
  EXPECT_EQ(new_inode_owner(kNonMember, kSetgidDir, kStaff, S_IFREG | 02745).mode,
            S_IFREG | 02745U);
  for (const auto& caller : {kPrimaryMember, kSupplementaryMember, kCapable}) {
    EXPECT_EQ(new_inode_owner(caller, kSetgidDir, kStaff, S_IFREG | 02755).mode, S_IFREG | 02755U)
        << caller.uid;
  }
  EXPECT_EQ(new_inode_owner(kRootCaller, kSetgidDir, kStaff, S_IFREG | 02755).mode, S_IFREG | 0755U)
      << "root without CAP_FSETID";
}

class SetgidNamespaceTest : public NamespaceFixture {
 protected:
  SetgidNamespaceTest() {
    dir_ = ns_.mkdir(kRoot, "staff", 0777, Caller{})->ino;
    AttrChange change;
    change.gid = kStaff;
    change.mode = 02777;
    EXPECT_TRUE(ns_.setattr(dir_, change));
  }
  std::uint64_t dir_ = 0;
};

TEST_P(SetgidNamespaceTest, given_setgid_directory_when_creating_each_type_then_group_inherited) {
  const Caller caller{1002, 1002, 022, 0, fake_credentials};
  const auto file = ns_.mknod(dir_, "f", S_IFREG | 02777, 0, caller);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->gid, kStaff);
  EXPECT_EQ(file->mode, S_IFREG | 0755U) << "a non-member's S_ISGID cleared, then the umask";
  const auto sub = ns_.mkdir(dir_, "d", 0777, caller);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->gid, kStaff);
  EXPECT_EQ(sub->mode, S_IFDIR | 02755U);
  const auto nested = ns_.mknod(sub->ino, "n", S_IFIFO | 0666, 0, caller);
  EXPECT_EQ(nested->gid, kStaff) << "the subdirectory passes the group on";
  const auto link = ns_.symlink(dir_, "l", "target", caller);
  EXPECT_EQ(link->gid, kStaff);
  EXPECT_EQ(link->mode, S_IFLNK | 0777U);
  // mkdir(2) takes no S_ISGID from its mode: outside a setgid directory none is set.
  EXPECT_EQ(ns_.mkdir(kRoot, "plain", 02755, caller)->mode, S_IFDIR | 0755U);
  // A hard link keeps the inode's group.
  const auto own = ns_.mknod(kRoot, "own", S_IFREG | 0644, 0, caller);
  EXPECT_EQ(ns_.link(own->ino, dir_, "hard")->gid, 1002U);
}

TEST_P(SetgidNamespaceTest, given_setgid_file_when_access_acl_set_then_setgid_follows_group) {
  // u::rwx u:1234:r g::rwx m::rwx o::r-x, in the xattr form.
  std::string acl("\x02\0\0\0", 4);
  for (const auto& [tag, perm, id] :
       {std::tuple{1, 7, ~0U}, {2, 4, 1234U}, {4, 7, ~0U}, {0x10, 7, ~0U}, {0x20, 5, ~0U}}) {
    for (int i = 0; i < 2; ++i) acl.push_back(static_cast<char>((tag >> (8 * i)) & 0xff));
    for (int i = 0; i < 2; ++i) acl.push_back(static_cast<char>((perm >> (8 * i)) & 0xff));
    for (int i = 0; i < 4; ++i) acl.push_back(static_cast<char>((id >> (8 * i)) & 0xff));
  }
  for (const auto& [caller, kept] : {std::pair{kNonMember, false},
                                     {kRootCaller, false},
                                     {kPrimaryMember, true},
                                     {kSupplementaryMember, true},
                                     {kCapable, true},
                                     {Caller{}, true}}) {
    const auto name = "f" + std::to_string(caller.uid) + std::to_string(kept);
    const auto file = ns_.mknod(dir_, name, S_IFREG | 02775, 0, kPrimaryMember);
    ASSERT_EQ(file->mode, S_IFREG | 02775U);
    ASSERT_TRUE(ns_.setxattr(file->ino, "system.posix_acl_access", acl, XattrMode::kAny, caller));
    EXPECT_EQ(ns_.getattr(file->ino)->mode, S_IFREG | (kept ? 02775U : 0775U)) << caller.uid;
  }
}

SQUEEZEFS_ON_EVERY_METADATA_STORE(SetgidNamespaceTest);

}  // namespace
}  // namespace squeezefs::fs
