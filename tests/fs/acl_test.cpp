// Namespace-side POSIX ACL handling: mode sync, chmod, inheritance, umask and xattr limits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core_fixtures.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

constexpr std::uint64_t kRoot = Namespace::kRootIno;

// One ACL entry in the xattr form: u16 tag, u16 permissions, u32 id, little-endian.
struct Entry {
  std::uint16_t tag;
  std::uint16_t perm;
  std::uint32_t id;
};
constexpr std::uint16_t kUserObj = 0x01, kUser = 0x02, kGroupObj = 0x04, kMask = 0x10,
                        kOther = 0x20;

std::string acl(const std::vector<Entry>& entries) {
  std::string out("\x02\0\0\0", 4);
  for (const auto& e : entries) {
    out.push_back(static_cast<char>(e.tag));
    out.push_back(static_cast<char>(e.tag >> 8));
    out.push_back(static_cast<char>(e.perm));
    out.push_back('\0');
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(e.id >> (8 * i)));
  }
  return out;
}

// The permission of the entry with `tag` in `value`, or -1.
int perm_of(const std::string& value, std::uint16_t tag) {
  for (std::size_t at = 4; at + 8 <= value.size(); at += 8) {
    if (static_cast<unsigned char>(value[at]) == tag) return value[at + 2];
  }
  return -1;
}

class AclTest : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  AclTest() { ino_ = ns_.mknod(kRoot, "f", S_IFREG | 0600, 0, Caller{})->ino; }
  std::uint32_t mode_of(std::uint64_t ino) { return ns_.getattr(ino)->mode & 07777; }

  Namespace ns_{*metadata_};
  std::uint64_t ino_ = 0;
};

const std::string kExtended =
    acl({{kUserObj, 6, 0}, {kUser, 4, 1000}, {kGroupObj, 0, 0}, {kMask, 4, 0}, {kOther, 0, 0}});

TEST_F(AclTest, given_access_acl_when_set_then_mode_shows_owner_mask_and_other) {
  ASSERT_TRUE(ns_.setxattr(ino_, "system.posix_acl_access", kExtended, XattrMode::kAny));
  EXPECT_EQ(mode_of(ino_), 0640U);
  EXPECT_EQ(*ns_.getxattr(ino_, "system.posix_acl_access"), kExtended);
  // An ACL the mode expresses fully sets the mode and is not stored.
  const auto minimal = acl({{kUserObj, 7, 0}, {kGroupObj, 5, 0}, {kOther, 1, 0}});
  ASSERT_TRUE(ns_.setxattr(ino_, "system.posix_acl_access", minimal, XattrMode::kAny));
  EXPECT_EQ(mode_of(ino_), 0751U);
  EXPECT_EQ(ns_.getxattr(ino_, "system.posix_acl_access").error(), std::errc::no_message_available);
  EXPECT_EQ(ns_.setxattr(ino_, "system.posix_acl_access", "junk", XattrMode::kAny).error(),
            std::errc::invalid_argument);
  EXPECT_EQ(ns_.setxattr(ino_, "system.posix_acl_default", kExtended, XattrMode::kAny).error(),
            std::errc::permission_denied)
      << "default ACLs belong to directories";
}

TEST_F(AclTest, given_acl_when_chmod_then_owner_mask_and_other_entries_follow) {
  ASSERT_TRUE(ns_.setxattr(ino_, "system.posix_acl_access", kExtended, XattrMode::kAny));
  AttrChange change;
  change.mode = 0705;
  ASSERT_TRUE(ns_.setattr(ino_, change));
  const auto value = *ns_.getxattr(ino_, "system.posix_acl_access");
  EXPECT_EQ(perm_of(value, kUserObj), 7);
  EXPECT_EQ(perm_of(value, kMask), 0);
  EXPECT_EQ(perm_of(value, kOther), 5);
  EXPECT_EQ(perm_of(value, kUser), 4) << "named entries stay; the mask limits them";
}

TEST_F(AclTest, given_default_acl_when_creating_then_it_is_inherited_instead_of_umask) {
  const auto dir = ns_.mkdir(kRoot, "d", 0755, Caller{})->ino;
  const auto deflt =
      acl({{kUserObj, 7, 0}, {kUser, 7, 1000}, {kGroupObj, 5, 0}, {kMask, 7, 0}, {kOther, 0, 0}});
  ASSERT_TRUE(ns_.setxattr(dir, "system.posix_acl_default", deflt, XattrMode::kAny));
  const Caller strict{0, 0, 077};
  const auto file = ns_.mknod(dir, "f", S_IFREG | 0640, 0, strict)->ino;
  EXPECT_EQ(mode_of(file), 0640U) << "requested mode narrowed by the ACL, umask ignored";
  const auto access = *ns_.getxattr(file, "system.posix_acl_access");
  EXPECT_EQ(perm_of(access, kMask), 4);
  EXPECT_EQ(perm_of(access, kUser), 7);
  const auto sub = ns_.mkdir(dir, "s", 0777, strict)->ino;
  EXPECT_EQ(mode_of(sub), 0770U);
  EXPECT_EQ(*ns_.getxattr(sub, "system.posix_acl_default"), deflt);
  // Elsewhere the umask applies.
  EXPECT_EQ(mode_of(ns_.mknod(kRoot, "g", S_IFREG | 0666, 0, Caller{0, 0, 027})->ino), 0640U);
  EXPECT_EQ(mode_of(ns_.mkdir(kRoot, "e", 0777, Caller{0, 0, 022})->ino), 0755U);
}

TEST_F(AclTest, given_xattr_limits_when_setting_then_namespace_and_space_are_checked) {
  EXPECT_EQ(ns_.setxattr(ino_, "other.x", "v", XattrMode::kAny).error(),
            std::errc::operation_not_supported);
  EXPECT_EQ(ns_.getxattr(ino_, "system.other").error(), std::errc::operation_not_supported);
  const std::string big(kMaxXattrValue, 'b');
  std::size_t stored = 0;
  for (int i = 0; i < 8; ++i) {
    const auto r = ns_.setxattr(ino_, "user.v" + std::to_string(i), big, XattrMode::kAny);
    if (!r) {
      EXPECT_EQ(r.error(), std::errc::no_space_on_device);
      break;
    }
    ++stored;
  }
  EXPECT_EQ(stored, kMaxXattrSpace / (kMaxXattrValue + 7));
  // Replacing a value counts the new size only.
  EXPECT_TRUE(ns_.setxattr(ino_, "user.v0", big, XattrMode::kReplace));
}

TEST_F(AclTest, given_open_directory_when_removed_then_it_lives_until_released) {
  const auto dir = ns_.mkdir(kRoot, "d", 0755, Caller{})->ino;
  ns_.retain(dir);
  ASSERT_TRUE(ns_.rmdir(kRoot, "d"));
  ASSERT_TRUE(ns_.getattr(dir));
  EXPECT_EQ(ns_.getattr(dir)->nlink, 0U);
  EXPECT_EQ(ns_.mkdir(dir, "x", 0755, Caller{}).error(), std::errc::no_such_file_or_directory);
  ns_.release(dir);
  EXPECT_EQ(ns_.getattr(dir).error(), std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace squeezefs::fs
