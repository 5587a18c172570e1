// The generic mount flags: parsing as mount(8) does, and what goes to libfuse, the kernel and
// the daemon.
#include "mount_flags.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

namespace squeezefs::tools {
namespace {

MountFlags parse(std::initializer_list<std::string_view> options) {
  MountFlags flags;
  for (const auto o : options) EXPECT_TRUE(apply_flag_option(o, flags)) << o;
  return flags;
}

TEST(MountFlagsParseTest, given_no_options_then_fuse_defaults_nosuid_nodev_relatime) {
  const MountFlags flags;
  EXPECT_EQ(flags.bits, static_cast<unsigned long>(MS_NOSUID | MS_NODEV));
  EXPECT_TRUE(libfuse_flag_options(flags).empty());
  EXPECT_EQ(mount_remount_bits(flags), 0UL);
  EXPECT_EQ(atime_policy(flags), fs::AtimePolicy::kRelatime);
}

TEST(MountFlagsParseTest, given_pairs_then_the_last_one_wins) {
  EXPECT_FALSE(parse({"ro", "rw"}).has(MS_RDONLY));
  EXPECT_TRUE(parse({"rw", "ro"}).has(MS_RDONLY));
  EXPECT_FALSE(parse({"nodev", "dev"}).has(MS_NODEV));
  EXPECT_FALSE(parse({"sync", "async"}).has(MS_SYNCHRONOUS));
  EXPECT_FALSE(parse({"lazytime", "nolazytime"}).has(MS_LAZYTIME));
  EXPECT_FALSE(parse({"nodiratime", "diratime"}).has(MS_NODIRATIME));
  EXPECT_EQ(atime_policy(parse({"noatime", "strictatime"})), fs::AtimePolicy::kStrict);
  EXPECT_EQ(atime_policy(parse({"strictatime", "noatime"})), fs::AtimePolicy::kNever);
  EXPECT_EQ(atime_policy(parse({"noatime", "relatime"})), fs::AtimePolicy::kRelatime);
  EXPECT_EQ(atime_policy(parse({"noatime", "atime"})), fs::AtimePolicy::kRelatime);
}

TEST(MountFlagsParseTest, given_read_only_then_no_atime_updates) {
  EXPECT_EQ(atime_policy(parse({"strictatime", "ro"})), fs::AtimePolicy::kNever);
}

TEST(MountFlagsParseTest, given_other_options_then_not_flags) {
  MountFlags flags;
  for (const auto* o : {"codec=zstd", "allow_other", "remount", "nodirsync", "noauto", ""})
    EXPECT_FALSE(apply_flag_option(o, flags)) << o;
}

TEST(MountFlagsParseTest, given_flags_libfuse_lacks_then_set_by_a_remount_with_all_bits) {
  const auto flags = parse({"dev", "suid", "noexec", "sync", "dirsync", "noatime", "ro"});
  EXPECT_EQ(libfuse_flag_options(flags), (std::vector<std::string>{"ro", "suid", "dev", "noexec",
                                                                   "sync", "noatime", "dirsync"}));
  EXPECT_EQ(mount_remount_bits(flags), 0UL) << "libfuse sets all of these";
  for (const auto o : {"nodiratime", "lazytime", "strictatime"}) {
    const auto more = parse({"noexec", o});
    EXPECT_EQ(mount_remount_bits(more), more.bits) << o;
  }
}

}  // namespace
}  // namespace squeezefs::tools
