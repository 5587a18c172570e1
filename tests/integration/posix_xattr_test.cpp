// Real mounts: extended attributes in every namespace and POSIX ACLs enforced by the kernel.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr int kUser = 4331;

class PosixXattrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.mkfs(), 0);
    ASSERT_EQ(store_.mount("-o allow_other"), 0);
    path_ = store_.path("x");
    write_file(path_, "x");
  }
  int set(const std::string& name, const std::string& value, int flags = 0) {
    return err_of(::setxattr(path_.c_str(), name.c_str(), value.data(), value.size(), flags));
  }
  std::string get(const std::string& name) {
    const auto n = ::getxattr(path_.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) return "errno " + std::to_string(errno);
    std::string value(static_cast<std::size_t>(n), '\0');
    EXPECT_EQ(::getxattr(path_.c_str(), name.c_str(), value.data(), value.size()), n);
    return value;
  }
  MountedStore store_;
  std::string path_;
};

TEST_F(PosixXattrTest, given_each_namespace_when_set_then_values_round_trip_and_list) {
  ASSERT_EQ(set("user.u", "one"), 0);
  ASSERT_EQ(set("trusted.t", std::string("bin\0ary", 7)), 0);
  ASSERT_EQ(set("security.s", "three"), 0);
  EXPECT_EQ(get("user.u"), "one");
  EXPECT_EQ(get("trusted.t"), std::string("bin\0ary", 7));
  EXPECT_EQ(get("security.s"), "three");
  ASSERT_EQ(set("user.empty", ""), 0);
  EXPECT_EQ(get("user.empty"), "");
  EXPECT_EQ(set("unknown.ns", "v"), EOPNOTSUPP);
  const auto n = ::listxattr(path_.c_str(), nullptr, 0);
  ASSERT_GT(n, 0);
  std::string list(static_cast<std::size_t>(n), '\0');
  ASSERT_EQ(::listxattr(path_.c_str(), list.data(), list.size()), n);
  for (const char* name : {"user.u", "trusted.t", "security.s", "user.empty"})
    EXPECT_NE(list.find(std::string(name) + '\0'), std::string::npos) << name;
  EXPECT_EQ(err_of(::listxattr(path_.c_str(), list.data(), 3)), ERANGE);
  // Values persist across a remount.
  store_.unmount();
  ASSERT_EQ(store_.mount("-o allow_other"), 0);
  EXPECT_EQ(get("trusted.t"), std::string("bin\0ary", 7));
  // A user without privileges sees user.* only (trusted.* needs CAP_SYS_ADMIN).
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  const char* p = path_.c_str();
  EXPECT_EQ(in_child(
                [p] {
                  char buf[16];
                  return err_of(::getxattr(p, "trusted.t", buf, sizeof buf));
                },
                kUser, kUser),
            ENODATA);
  EXPECT_EQ(in_child([p] { return err_of(::setxattr(p, "user.u", "v", 1, 0)); }, kUser, kUser),
            EACCES);
}

TEST_F(PosixXattrTest, given_flags_and_sizes_when_setting_then_errors_match_linux) {
  ASSERT_EQ(set("user.k", "v1", XATTR_CREATE), 0);
  EXPECT_EQ(set("user.k", "v2", XATTR_CREATE), EEXIST);
  EXPECT_EQ(set("user.m", "v", XATTR_REPLACE), ENODATA);
  ASSERT_EQ(set("user.k", "v3", XATTR_REPLACE), 0);
  EXPECT_EQ(get("user.k"), "v3");
  EXPECT_EQ(get("user.none"), "errno " + std::to_string(ENODATA));
  char small[1];
  EXPECT_EQ(err_of(::getxattr(path_.c_str(), "user.k", small, sizeof small)), ERANGE);
  EXPECT_EQ(err_of(::removexattr(path_.c_str(), "user.none")), ENODATA);
  EXPECT_EQ(set("user." + std::string(250, 'n'), "v"), 0) << "255-byte names are allowed";
  EXPECT_EQ(set("user." + std::string(251, 'n'), "v"), ERANGE);
  // The largest value Linux passes (64 KiB) is stored; larger ones are refused.
  const std::string big(65536, 'b');
  ASSERT_EQ(set("user.big", big), 0);
  EXPECT_EQ(get("user.big"), big);
  EXPECT_EQ(set("user.bigger", big + "b"), E2BIG);
  // Like ext4, an inode's attributes have a total budget; past it, ENOSPC.
  int result = 0;
  for (int i = 0; i < 64 && result == 0; ++i) result = set("user.fill" + std::to_string(i), big);
  EXPECT_EQ(result, ENOSPC);
  EXPECT_EQ(get("user.k"), "v3");
  ASSERT_EQ(::removexattr(path_.c_str(), "user.k"), 0);
  EXPECT_EQ(get("user.k"), "errno " + std::to_string(ENODATA));
  // Directories and symlinks carry attributes too.
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  ASSERT_EQ(::setxattr(store_.path("d").c_str(), "user.d", "dir", 3, 0), 0);
  ASSERT_EQ(::symlink("x", store_.path("l").c_str()), 0);
  ASSERT_EQ(::lsetxattr(store_.path("l").c_str(), "trusted.l", "lnk", 3, 0), 0);
  char buf[8] = {};
  EXPECT_EQ(::lgetxattr(store_.path("l").c_str(), "trusted.l", buf, sizeof buf), 3);
  EXPECT_EQ(::getxattr(store_.path("d").c_str(), "user.d", buf, sizeof buf), 3);
}

TEST_F(PosixXattrTest, given_access_acl_when_user_is_named_then_kernel_enforces_it) {
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  const char* p = path_.c_str();
  const auto open_as = [p](int flags) {
    return in_child([p, flags] { return err_of(::open(p, flags)); }, kUser, kUser);
  };
  EXPECT_EQ(open_as(O_RDONLY), EACCES);
  const auto setfacl = "setfacl -m u:" + std::to_string(kUser) + ":r " + path_;
  ASSERT_EQ(run_quiet(setfacl), 0);
  EXPECT_EQ(open_as(O_RDONLY), 0) << "the ACL entry grants read";
  EXPECT_EQ(open_as(O_WRONLY), EACCES);
  // The ACL mask shows as the group bits, and chmod narrows the mask.
  struct stat st {};
  ASSERT_EQ(::stat(p, &st), 0);
  EXPECT_EQ(st.st_mode & 0070, 0040U);
  EXPECT_GT(::getxattr(p, "system.posix_acl_access", nullptr, 0), 0);
  ASSERT_EQ(::chmod(p, 0600), 0);
  EXPECT_EQ(open_as(O_RDONLY), EACCES) << "chmod g-r masks the named entry";
  ASSERT_EQ(::chmod(p, 0640), 0);
  EXPECT_EQ(open_as(O_RDONLY), 0);
  // Removing the ACL returns to plain mode bits.
  ASSERT_EQ(run_quiet("setfacl -b " + path_), 0);
  ASSERT_EQ(::chmod(p, 0600), 0);
  EXPECT_EQ(open_as(O_RDONLY), EACCES);
  EXPECT_EQ(err_of(::getxattr(p, "system.posix_acl_access", nullptr, 0)), ENODATA);
  // The ACL survives a remount.
  ASSERT_EQ(run_quiet(setfacl), 0);
  store_.unmount();
  ASSERT_EQ(store_.mount("-o allow_other"), 0);
  EXPECT_EQ(open_as(O_RDONLY), 0);
  EXPECT_EQ(run_quiet("getfacl " + path_ + " | grep -q '^user:" + std::to_string(kUser) + ":r--'"),
            0);
}

TEST_F(PosixXattrTest, given_default_acl_when_creating_then_children_inherit_it) {
  const auto dir = store_.path("d");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const auto user = std::to_string(kUser);
  ASSERT_EQ(run_quiet("setfacl -d -m u:" + user + ":rwx,g::r-x,o::--- " + dir), 0);
  // Without a default ACL the umask applies; with one, the ACL decides instead.
  const auto plain = store_.path("plain");
  const auto file = dir + "/f";
  const auto sub = dir + "/sub";
  EXPECT_EQ(in_child([&] {
              ::umask(077);
              const int a = ::open(plain.c_str(), O_CREAT | O_WRONLY, 0666);
              const int b = ::open(file.c_str(), O_CREAT | O_WRONLY, 0666);
              if (a < 0 || b < 0) return 1;
              return err_of(::mkdir(sub.c_str(), 0777));
            }),
            0);
  struct stat st {};
  ASSERT_EQ(::stat(plain.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660U) << "owner rw-, mask rw- (from the named entry), other ---";
  EXPECT_EQ(run_quiet("getfacl -c " + file + " | grep -q '^user:" + user + ":rwx.*#effective:rw-'"),
            0);
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0770U);
  EXPECT_GT(::getxattr(sub.c_str(), "system.posix_acl_default", nullptr, 0), 0)
      << "subdirectories inherit the default ACL itself";
  // The inherited entry is enforced.
  const char* f = file.c_str();
  EXPECT_EQ(in_child([f] { return err_of(::open(f, O_RDWR)); }, kUser, kUser), 0);
  EXPECT_EQ(in_child([f] { return err_of(::open(f, O_RDONLY)); }, kUser + 1, kUser + 1), EACCES);
  // A default ACL on a file is refused.
  EXPECT_NE(run_quiet("setfacl -d -m u:" + user + ":r " + plain), 0);
}

}  // namespace
}  // namespace squeezefs::testing
