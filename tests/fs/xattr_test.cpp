#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "core_fixtures.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

constexpr std::uint64_t kRoot = Namespace::kRootIno;

class XattrTest : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  XattrTest() { ino_ = ns_.mknod(kRoot, "f", S_IFREG | 0644, 0, Caller{})->ino; }

  Namespace ns_{*metadata_};
  std::uint64_t ino_ = 0;
};

TEST_F(XattrTest, given_xattr_when_set_read_listed_removed_then_round_trips) {
  const std::string binary("\0\x01\xff", 3);
  ASSERT_TRUE(ns_.setxattr(ino_, "user.b", binary, XattrMode::kAny));
  ASSERT_TRUE(ns_.setxattr(ino_, "user.a", "", XattrMode::kAny));
  EXPECT_EQ(*ns_.getxattr(ino_, "user.b"), binary);
  EXPECT_EQ(*ns_.getxattr(ino_, "user.a"), "");
  EXPECT_EQ(*ns_.listxattr(ino_), (std::vector<std::string>{"user.a", "user.b"}));
  ASSERT_TRUE(ns_.removexattr(ino_, "user.a"));
  EXPECT_EQ(ns_.getxattr(ino_, "user.a").error(), std::errc::no_message_available);
  EXPECT_EQ(ns_.removexattr(ino_, "user.a").error(), std::errc::no_message_available);
}

TEST_F(XattrTest, given_create_and_replace_flags_when_set_then_posix_errors) {
  EXPECT_EQ(ns_.setxattr(ino_, "user.x", "1", XattrMode::kReplace).error(),
            std::errc::no_message_available);
  ASSERT_TRUE(ns_.setxattr(ino_, "user.x", "1", XattrMode::kCreate));
  EXPECT_EQ(ns_.setxattr(ino_, "user.x", "2", XattrMode::kCreate).error(), std::errc::file_exists);
  ASSERT_TRUE(ns_.setxattr(ino_, "user.x", "3", XattrMode::kReplace));
  EXPECT_EQ(*ns_.getxattr(ino_, "user.x"), "3");
}

TEST_F(XattrTest, given_limits_when_exceeded_then_erange_and_e2big) {
  EXPECT_EQ(ns_.setxattr(ino_, std::string(256, 'n'), "v", XattrMode::kAny).error(),
            std::errc::result_out_of_range);
  EXPECT_EQ(ns_.setxattr(ino_, "", "v", XattrMode::kAny).error(), std::errc::result_out_of_range);
  EXPECT_EQ(
      ns_.setxattr(ino_, "user.big", std::string(kMaxXattrValue + 1, 'v'), XattrMode::kAny).error(),
      std::errc::argument_list_too_long);
  EXPECT_TRUE(ns_.setxattr(ino_, "user.big", std::string(kMaxXattrValue, 'v'), XattrMode::kAny));
  EXPECT_EQ(ns_.getxattr(ino_, "user.big")->size(), kMaxXattrValue);
  EXPECT_EQ(ns_.setxattr(999, "user.x", "1", XattrMode::kAny).error(),
            std::errc::no_such_file_or_directory);
}

TEST_F(XattrTest, given_file_with_xattrs_when_unlinked_then_xattrs_go_with_it) {
  ASSERT_TRUE(ns_.setxattr(ino_, "user.x", "1", XattrMode::kAny));
  ASSERT_TRUE(ns_.unlink(kRoot, "f"));
  EXPECT_TRUE(index_.xattr_names(ino_).empty());
}

}  // namespace
}  // namespace squeezefs::fs
