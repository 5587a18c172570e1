// Real mounts: setgid directories, and S_ISGID under ACL changes, for root and for users in and
// out of the group. The expected modes are those ext4 gives on the same kernel.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr gid_t kStaff = 4400;

// Who creates or changes a file: root (uid -1: the test's own credentials) or a user.
struct Creator {
  const char* name;
  int uid;
  int gid;
  std::vector<gid_t> groups;  // supplementary
  bool in_staff;              // a member of kStaff, or holds CAP_FSETID
};

const std::vector<Creator> kCreators{
    {"root", -1, -1, {}, true},
    {"member", 4401, 4401, {kStaff}, true},  // by a supplementary group
    {"primary", 4402, static_cast<int>(kStaff), {}, true},
    {"outsider", 4403, 4403, {}, false},
};

std::string who_and_umask(const Creator& who, mode_t mask) {
  char text[64];
  std::snprintf(text, sizeof text, "%s, umask %03o", who.name, mask);
  return text;
}

// Runs `f` in a child as `who` with umask `mask`; returns its errno (0 for success).
int run_as(const Creator& who, mode_t mask, const std::function<int()>& f) {
  const auto body = [&] {
    ::umask(mask);
    return f();
  };
  if (who.uid < 0) return in_child(body);
  return in_child(body, who.uid, who.gid, who.groups);
}

// Sets the effective and permitted capabilities of the calling thread to `caps` alone.
int set_capabilities(std::uint32_t caps) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{{caps, caps, 0}, {0, 0, 0}};
  return err_of(::syscall(SYS_capset, &header, data));
}

// An access or default ACL in the xattr form: u::rwx u:1234:<named> g::rwx m::rwx o::r-x, or
// with `extended` false the three entries u::rwx g::r-x o::r-x (what a mode says).
std::string acl_value(bool extended, std::uint16_t named = 4) {
  struct Entry {
    std::uint16_t tag, perm;
    std::uint32_t id;
  };
  constexpr std::uint32_t kNoId = 0xffffffff;
  const std::vector<Entry> entries =
      extended ? std::vector<Entry>{{0x01, 7, kNoId},
                                    {0x02, named, 1234},
                                    {0x04, 7, kNoId},
                                    {0x10, 7, kNoId},
                                    {0x20, 5, kNoId}}
               : std::vector<Entry>{{0x01, 7, kNoId}, {0x04, 5, kNoId}, {0x20, 5, kNoId}};
  std::string out("\x02\0\0\0", 4);
  for (const auto& e : entries) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((e.tag >> (8 * i)) & 0xff));
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((e.perm >> (8 * i)) & 0xff));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((e.id >> (8 * i)) & 0xff));
  }
  return out;
}

int set_access_acl(const char* path, const std::string& value) {
  return err_of(::setxattr(path, "system.posix_acl_access", value.data(), value.size(), 0));
}

class PosixSetgidTest : public MountedStoreTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.mkfs(), 0);
    ASSERT_EQ(store_.mount("-o allow_other"), 0);
    ASSERT_EQ(::chmod(store_.mnt().c_str(), 0777), 0);
    ASSERT_EQ(::mkdir(store_.path("staff").c_str(), 0777), 0);
    ASSERT_EQ(::chown(store_.path("staff").c_str(), 0, kStaff), 0);
    ASSERT_EQ(::chmod(store_.path("staff").c_str(), 02777), 0);
  }

  // A name in the setgid directory for `what` made by `who` under `mask`.
  static std::string entry(const std::string& what, const Creator& who, mode_t mask) {
    return "staff/" + what + "_" + who.name + "_" + std::to_string(mask);
  }

  // Mode (permission and special bits) and group of `name`, as "2755:4400" for messages.
  std::string owner_of(const std::string& name) {
    const auto st = stat_of(name);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", st.st_mode & 07777);
    return std::string(mode) + ":" + std::to_string(st.st_gid);
  }

  static std::string expect(mode_t mode, gid_t gid = kStaff) {
    char text[8];
    std::snprintf(text, sizeof text, "%o", mode);
    return std::string(text) + ":" + std::to_string(gid);
  }

  // Creates `name` in the mount as `who` under `mask` with `make(path)`; fails the test on error.
  void make_as(const Creator& who, mode_t mask, const std::string& name,
               const std::function<long(const char*)>& make) {
    const auto path = store_.path(name);
    const char* p = path.c_str();
    ASSERT_EQ(run_as(who, mask, [&] { return err_of(make(p)); }), 0) << name;
  }
};

long create_file(const char* path, mode_t mode) {
  const int fd = ::open(path, O_CREAT | O_EXCL | O_WRONLY, mode);
  if (fd >= 0) ::close(fd);
  return fd;
}

TEST_F(PosixSetgidTest,
       given_setgid_directory_when_each_user_creates_each_type_then_group_inherited) {
  // A file made elsewhere by root keeps its group when linked in.
  ASSERT_GE(create_file(store_.path("elsewhere").c_str(), 02755), 0);
  ASSERT_EQ(::chown(store_.path("elsewhere").c_str(), 0, 777), 0);
  ASSERT_EQ(::chmod(store_.path("elsewhere").c_str(), 02755), 0);
  ASSERT_EQ(::link(store_.path("elsewhere").c_str(), store_.path("staff/linked").c_str()), 0);
  EXPECT_EQ(owner_of("staff/linked"), expect(02755, 777));
  for (const auto& who : kCreators) {
    for (const mode_t mask : {mode_t{022}, mode_t{077}}) {
      SCOPED_TRACE(who_and_umask(who, mask));
      const auto file = entry("file", who, mask);
      const auto dir = entry("dir", who, mask);
      const auto fifo = entry("fifo", who, mask);
      const auto node = entry("node", who, mask);
      const auto link = entry("link", who, mask);
      make_as(who, mask, file, [](const char* p) { return create_file(p, 0666); });
      make_as(who, mask, dir, [](const char* p) { return ::mkdir(p, 0777); });
      make_as(who, mask, fifo, [](const char* p) { return ::mknod(p, S_IFIFO | 0666, 0); });
      make_as(who, mask, node, [](const char* p) { return ::mknod(p, S_IFREG | 0644, 0); });
      make_as(who, mask, link, [](const char* p) { return ::symlink("target", p); });
      make_as(who, mask, dir + "/inner", [](const char* p) { return create_file(p, 0666); });
      EXPECT_EQ(owner_of(file), expect(0666 & ~mask));
      EXPECT_EQ(owner_of(dir), expect(02000 | (0777 & ~mask))) << "subdirectories stay setgid";
      EXPECT_EQ(owner_of(fifo), expect(0666 & ~mask));
      EXPECT_EQ(owner_of(node), expect(0644 & ~mask));
      EXPECT_EQ(owner_of(link), expect(0777));
      EXPECT_EQ(owner_of(dir + "/inner"), expect(0666 & ~mask));
    }
  }
}

TEST_F(PosixSetgidTest,
       given_setgid_directory_when_setgid_files_created_then_only_members_keep_it) {
  for (const auto& who : kCreators) {
    for (const mode_t mask : {mode_t{022}, mode_t{077}}) {
      SCOPED_TRACE(who_and_umask(who, mask));
      const auto program = entry("program", who, mask);
      const auto locking = entry("locking", who, mask);
      const auto fifo = entry("fifo", who, mask);
      const auto node = entry("node", who, mask);
      const auto dir = entry("dir", who, mask);
      make_as(who, mask, program, [](const char* p) { return create_file(p, 02777); });
      make_as(who, mask, locking, [](const char* p) { return create_file(p, 02745); });
      make_as(who, mask, fifo, [](const char* p) { return ::mknod(p, S_IFIFO | 02777, 0); });
      make_as(who, mask, node, [](const char* p) { return ::mknod(p, S_IFREG | 02775, 0); });
      make_as(who, mask, dir, [](const char* p) { return ::mkdir(p, 02755); });
      // S_ISGID with group execute survives only for members of the directory's group.
      const mode_t setgid = who.in_staff ? 02000 : 0;
      EXPECT_EQ(owner_of(program), expect(setgid | (0777 & ~mask)));
      EXPECT_EQ(owner_of(fifo), expect(setgid | (0777 & ~mask)));
      EXPECT_EQ(owner_of(node), expect(setgid | (0775 & ~mask)));
      // Without group execute it is no setgid program, and stays for everyone.
      EXPECT_EQ(owner_of(locking), expect(02000 | (0745 & ~mask)));
      EXPECT_EQ(owner_of(dir), expect(02000 | (0755 & ~mask)));
    }
  }
}

TEST_F(PosixSetgidTest,
       given_default_acl_on_setgid_directory_when_creating_then_acl_and_group_apply) {
  const auto deflt = acl_value(true, 7);
  ASSERT_EQ(::setxattr(store_.path("staff").c_str(), "system.posix_acl_default", deflt.data(),
                       deflt.size(), 0),
            0);
  for (const auto& who : kCreators) {
    for (const mode_t mask : {mode_t{022}, mode_t{077}}) {
      SCOPED_TRACE(who_and_umask(who, mask));
      const auto file = entry("file", who, mask);
      const auto program = entry("program", who, mask);
      const auto locking = entry("locking", who, mask);
      const auto dir = entry("dir", who, mask);
      const auto fifo = entry("fifo", who, mask);
      const auto link = entry("link", who, mask);
      make_as(who, mask, file, [](const char* p) { return create_file(p, 0666); });
      make_as(who, mask, program, [](const char* p) { return create_file(p, 02777); });
      make_as(who, mask, locking, [](const char* p) { return create_file(p, 02745); });
      make_as(who, mask, dir, [](const char* p) { return ::mkdir(p, 0777); });
      make_as(who, mask, fifo, [](const char* p) { return ::mknod(p, S_IFIFO | 02777, 0); });
      make_as(who, mask, link, [](const char* p) { return ::symlink("target", p); });
      // The default ACL replaces the umask: the requested mode narrowed by its entries.
      const mode_t setgid = who.in_staff ? 02000 : 0;
      EXPECT_EQ(owner_of(file), expect(0664));
      EXPECT_EQ(owner_of(program), expect(setgid | 0775));
      EXPECT_EQ(owner_of(locking), expect(02745));
      EXPECT_EQ(owner_of(dir), expect(02775));
      EXPECT_EQ(owner_of(fifo), expect(setgid | 0775));
      EXPECT_EQ(owner_of(link), expect(0777));
    }
  }
}

TEST_F(PosixSetgidTest, given_setgid_file_when_owner_sets_access_acl_then_only_members_keep_it) {
  for (const auto& who : kCreators) {
    SCOPED_TRACE(who.name);
    const mode_t setgid = who.in_staff ? 02000 : 0;
    const auto uid = static_cast<uid_t>(who.uid < 0 ? 0 : who.uid);
    // The same for an ACL with a named user, one the mode says all of, and chmod.
    const std::string extended = std::string("extended_") + who.name;
    const std::string minimal = std::string("minimal_") + who.name;
    const std::string chmodded = std::string("chmod_") + who.name;
    for (const auto& name : {extended, minimal, chmodded}) {
      ASSERT_GE(create_file(store_.path(name).c_str(), 0), 0);
      ASSERT_EQ(::chown(store_.path(name).c_str(), uid, kStaff), 0);
      ASSERT_EQ(::chmod(store_.path(name).c_str(), 02775), 0);
    }
    const auto ext_path = store_.path(extended);
    const auto min_path = store_.path(minimal);
    const auto chmod_path = store_.path(chmodded);
    const auto ext_acl = acl_value(true);
    const auto min_acl = acl_value(false);
    EXPECT_EQ(run_as(who, 022, [&] { return set_access_acl(ext_path.c_str(), ext_acl); }), 0);
    EXPECT_EQ(run_as(who, 022, [&] { return set_access_acl(min_path.c_str(), min_acl); }), 0);
    EXPECT_EQ(run_as(who, 022, [&] { return err_of(::chmod(chmod_path.c_str(), 02755)); }), 0);
    EXPECT_EQ(owner_of(extended), expect(setgid | 0775));
    EXPECT_EQ(owner_of(minimal), expect(setgid | 0755));
    EXPECT_EQ(owner_of(chmodded), expect(setgid | 0755));
    // Removing the ACL changes no mode bits.
    EXPECT_EQ(
        run_as(who, 022,
               [&] { return err_of(::removexattr(ext_path.c_str(), "system.posix_acl_access")); }),
        0);
    EXPECT_EQ(owner_of(extended), expect(setgid | 0775));
  }
}

TEST_F(PosixSetgidTest, given_cap_fsetid_when_creating_or_setting_acl_then_it_decides) {
  constexpr std::uint32_t kFsetid = 1U << CAP_FSETID;
  const auto acl = acl_value(true);
  // Root without CAP_FSETID, outside kStaff, loses S_ISGID like any other user.
  ASSERT_GE(create_file(store_.path("root_file").c_str(), 02775), 0);
  ASSERT_EQ(::chown(store_.path("root_file").c_str(), 0, kStaff), 0);
  ASSERT_EQ(::chmod(store_.path("root_file").c_str(), 02775), 0);
  const auto root_file = store_.path("root_file");
  const auto root_new = store_.path("staff/root_new");
  EXPECT_EQ(in_child([&] {
              ::umask(022);
              if (set_capabilities(0) != 0) return 125;
              if (const int e = set_access_acl(root_file.c_str(), acl); e != 0) return e;
              return err_of(create_file(root_new.c_str(), 02777));
            }),
            0);
  EXPECT_EQ(owner_of("root_file"), expect(0775));
  EXPECT_EQ(owner_of("staff/root_new"), expect(0755));
  // A user outside kStaff with CAP_FSETID keeps it.
  constexpr int kUser = 4403;
  ASSERT_GE(create_file(store_.path("user_file").c_str(), 02775), 0);
  ASSERT_EQ(::chown(store_.path("user_file").c_str(), kUser, kStaff), 0);
  ASSERT_EQ(::chmod(store_.path("user_file").c_str(), 02775), 0);
  const auto user_file = store_.path("user_file");
  const auto user_new = store_.path("staff/user_new");
  EXPECT_EQ(in_child([&] {
              ::umask(022);
              if (::prctl(PR_SET_KEEPCAPS, 1) != 0 || ::setgroups(0, nullptr) != 0 ||
                  ::setresgid(kUser, kUser, kUser) != 0 || ::setresuid(kUser, kUser, kUser) != 0 ||
                  set_capabilities(kFsetid) != 0)
                return 125;
              if (const int e = set_access_acl(user_file.c_str(), acl); e != 0) return e;
              return err_of(create_file(user_new.c_str(), 02777));
            }),
            0);
  EXPECT_EQ(owner_of("user_file"), expect(02775));
  EXPECT_EQ(owner_of("staff/user_new"), expect(02755));
}

}  // namespace
}  // namespace squeezefs::testing
