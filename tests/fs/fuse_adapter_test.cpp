// The FUSE adapter alone: a mocked core behind a real mount in a temporary directory. Each test
// sets what the core answers, mounts, makes its system calls and checks what the caller sees
// and which core operations the requests became.
#include "squeezefs/fs/fuse_adapter.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "squeezefs/fs/core_api.h"

namespace squeezefs::fs {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::AtLeast;
using ::testing::NiceMock;
using ::testing::Optional;
using ::testing::Return;

class MockCore : public CoreApi {
 public:
  MOCK_METHOD(Result<Attr>, lookup, (std::uint64_t, std::string_view), (override));
  MOCK_METHOD(void, forget, (std::uint64_t, std::uint64_t), (override));
  MOCK_METHOD(Result<Attr>, getattr, (std::uint64_t), (override));
  MOCK_METHOD(Result<Attr>, setattr, (std::uint64_t, const AttrUpdate&), (override));
  MOCK_METHOD(Result<std::string>, readlink, (std::uint64_t), (override));
  MOCK_METHOD(Result<Attr>, mknod,
              (std::uint64_t, std::string_view, std::uint32_t, std::uint64_t, const Caller&),
              (override));
  MOCK_METHOD(Result<Attr>, mkdir, (std::uint64_t, std::string_view, std::uint32_t, const Caller&),
              (override));
  MOCK_METHOD(Result<Attr>, symlink,
              (std::uint64_t, std::string_view, std::string_view, const Caller&), (override));
  MOCK_METHOD(Result<Attr>, link, (std::uint64_t, std::uint64_t, std::string_view), (override));
  MOCK_METHOD(Result<void>, unlink, (std::uint64_t, std::string_view), (override));
  MOCK_METHOD(Result<void>, rmdir, (std::uint64_t, std::string_view), (override));
  MOCK_METHOD(Result<void>, rename,
              (std::uint64_t, std::string_view, std::uint64_t, std::string_view, RenameMode,
               std::optional<Caller>),
              (override));
  MOCK_METHOD(Result<void>, open, (std::uint64_t, OpenFlags), (override));
  MOCK_METHOD(void, abandon_open, (std::uint64_t), (override));
  MOCK_METHOD(Result<Attr>, create, (std::uint64_t, std::string_view, std::uint32_t, const Caller&),
              (override));
  MOCK_METHOD(Result<std::vector<ReadSlice>>, read, (std::uint64_t, std::uint64_t, std::size_t),
              (override));
  MOCK_METHOD(Result<std::size_t>, write,
              (std::uint64_t, std::uint64_t, std::span<const std::byte>), (override));
  MOCK_METHOD(Result<void>, flush, (std::uint64_t), (override));
  MOCK_METHOD(Result<void>, release, (std::uint64_t), (override));
  MOCK_METHOD(Result<void>, fsync, (std::uint64_t), (override));
  MOCK_METHOD(Result<void>, fallocate,
              (std::uint64_t, FallocateMode, bool, std::uint64_t, std::uint64_t), (override));
  MOCK_METHOD(Result<std::uint64_t>, seek, (std::uint64_t, std::uint64_t, SeekWhence), (override));
  MOCK_METHOD(Result<void>, setxattr,
              (std::uint64_t, std::string_view, std::string_view, XattrMode, const Caller&),
              (override));
  MOCK_METHOD(Result<std::string>, getxattr, (std::uint64_t, std::string_view), (override));
  MOCK_METHOD(Result<std::vector<std::string>>, listxattr, (std::uint64_t), (override));
  MOCK_METHOD(Result<void>, removexattr, (std::uint64_t, std::string_view), (override));
  MOCK_METHOD(Result<std::unique_ptr<DirHandle>>, opendir, (std::uint64_t), (override));
  MOCK_METHOD(Result<void>, readdir,
              (std::uint64_t, DirHandle&, std::int64_t, bool, std::size_t, DirEntrySink&),
              (override));
  MOCK_METHOD(Result<FsStats>, statfs, (), (override));
  MOCK_METHOD(void, sync, (), (override));
};

constexpr std::uint64_t kRoot = 1;
constexpr std::uint64_t kFile = 2;  // "f" in the root directory

Unexpected error_of(int e) {
  return Unexpected{std::error_code(e, std::generic_category())};
}

// A mount of a MockCore in a temporary directory, served by run_fuse on a thread of its own as
// the daemon serves a store. Tests set their expectations first, then mount().
class FuseAdapterTest : public ::testing::Test {
 protected:
  FuseAdapterTest() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "squeezefs-adapter-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    mnt_ = dir_ / "mnt";
    std::filesystem::create_directory(mnt_);

    root_.ino = kRoot;
    root_.mode = S_IFDIR | 0755;
    root_.nlink = 2;
    root_.io_block_size = 4096;
    file_.ino = kFile;
    file_.mode = S_IFREG | 0644;
    file_.nlink = 1;
    file_.size = 4096;  // the kernel reads nothing of an empty file
    file_.blocks_512 = 8;
    file_.io_block_size = 4096;

    // What the requests a test does not look at get: a root directory holding one file "f".
    ON_CALL(core_, lookup(_, _)).WillByDefault(Return(error_of(ENOENT)));
    ON_CALL(core_, lookup(kRoot, "f")).WillByDefault([this](auto&&...) { return file_; });
    ON_CALL(core_, getattr(_)).WillByDefault(Return(error_of(ENOENT)));
    ON_CALL(core_, getattr(kRoot)).WillByDefault([this](auto&&...) { return root_; });
    ON_CALL(core_, getattr(kFile)).WillByDefault([this](auto&&...) { return file_; });
    ON_CALL(core_, setattr(kFile, _)).WillByDefault([this](auto&&...) { return file_; });
    ON_CALL(core_, readlink(_)).WillByDefault(Return(error_of(EINVAL)));
    ON_CALL(core_, mknod(_, _, _, _, _)).WillByDefault(Return(error_of(EIO)));
    ON_CALL(core_, mkdir(_, _, _, _)).WillByDefault(Return(error_of(EIO)));
    ON_CALL(core_, symlink(_, _, _, _)).WillByDefault(Return(error_of(EIO)));
    ON_CALL(core_, link(_, _, _)).WillByDefault(Return(error_of(EIO)));
    ON_CALL(core_, create(_, _, _, _)).WillByDefault(Return(error_of(EIO)));
    ON_CALL(core_, unlink(_, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, rmdir(_, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, rename(_, _, _, _, _, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, open(_, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, read(_, _, _)).WillByDefault([](auto&&...) {
      return Result<std::vector<ReadSlice>>(std::vector<ReadSlice>{});
    });
    ON_CALL(core_, write(_, _, _))
        .WillByDefault([](std::uint64_t, std::uint64_t, std::span<const std::byte> data) {
          return Result<std::size_t>(data.size());
        });
    ON_CALL(core_, flush(_)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, release(_)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, fsync(_)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, fallocate(_, _, _, _, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, seek(_, _, _)).WillByDefault(Return(error_of(ENXIO)));
    ON_CALL(core_, setxattr(_, _, _, _, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, getxattr(_, _)).WillByDefault(Return(error_of(ENODATA)));
    ON_CALL(core_, listxattr(_)).WillByDefault([](auto&&...) {
      return Result<std::vector<std::string>>(std::vector<std::string>{});
    });
    ON_CALL(core_, removexattr(_, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, opendir(_)).WillByDefault([](auto&&...) {
      return Result<std::unique_ptr<DirHandle>>(std::make_unique<DirHandle>());
    });
    ON_CALL(core_, readdir(_, _, _, _, _, _)).WillByDefault(Return(Result<void>{}));
    ON_CALL(core_, statfs()).WillByDefault([](auto&&...) {
      FsStats stats;
      stats.block_size = stats.fragment_size = 4096;
      stats.name_max = 255;
      return Result<FsStats>(stats);
    });
  }

  ~FuseAdapterTest() override {
    unmount();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void mount() {
    FuseSettings settings;
    settings.mountpoint = mnt_.string();
    settings.source = "a mocked core";
    settings.kernel_options = {"fsname=squeezefs-adapter-test", "subtype=squeezefs"};
    session_ = std::thread([this, settings] {
      const bool served = run_fuse(core_, settings, [this] {
        ready_reported_ = true;
        ready_.set_value(true);
      });
      // Without a report run_fuse will not report any more (it has returned).
      if (!ready_reported_) ready_.set_value(false);
      EXPECT_TRUE(served);
    });
    mounted_ = ready_.get_future().get();
    ASSERT_TRUE(mounted_) << "cannot mount at " << mnt_;
  }

  void unmount() {
    if (session_.joinable()) {
      if (mounted_) {
        const std::string command = "fusermount3 -u " + mnt_.string();
        if (std::system(command.c_str()) != 0) {
          ADD_FAILURE() << command << " failed";
          const std::string lazy = "umount -l " + mnt_.string();
          [[maybe_unused]] const int rc = std::system(lazy.c_str());
        }
      }
      session_.join();
    }
    mounted_ = false;
  }

  [[nodiscard]] std::string path(const std::string& name) const { return (mnt_ / name).string(); }

  NiceMock<MockCore> core_;
  Attr root_;
  Attr file_;
  std::filesystem::path dir_;
  std::filesystem::path mnt_;

 private:
  std::promise<bool> ready_;
  std::atomic<bool> ready_reported_{false};
  bool mounted_ = false;
  std::thread session_;  // last: joined before the rest goes
};

// An open file descriptor, closed at the end of the scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The errno of a system call that returned `rc` (0 when it succeeded).
int errno_after(long rc) {
  return rc < 0 ? errno : 0;
}

// How the core fails an operation, and what the caller of the system call must see.
struct CoreFailure {
  const char* name;
  int error;  // returned by the core; 0: the core throws `thrown` instead
  std::function<void()> thrown;
  int seen;  // the caller's errno
};

// An action for a mocked operation returning Result<T>: fails as `failure` says.
template <class T>
auto failing(const CoreFailure& failure) {
  return [failure](auto&&...) -> Result<T> {
    if (failure.error == 0) failure.thrown();
    return error_of(failure.error);
  };
}

// One system call that reaches one core operation, which fails.
struct FailingCall {
  const char* name;
  // Sets the core up so the call reaches the operation, which fails as given.
  std::function<void(MockCore&, const CoreFailure&)> expect;
  // Makes the call on the mount; returns its errno.
  std::function<int(const std::filesystem::path& mnt)> call;
};

const std::vector<CoreFailure>& failures() {
  static const std::vector<CoreFailure> list = {
      {"ENOENT", ENOENT, nullptr, ENOENT},
      {"EACCES", EACCES, nullptr, EACCES},
      {"ENOSPC", ENOSPC, nullptr, ENOSPC},
      {"EIO", EIO, nullptr, EIO},
      {"ENAMETOOLONG", ENAMETOOLONG, nullptr, ENAMETOOLONG},
      {"exception", 0, [] { throw std::runtime_error("the core broke"); }, EIO},
      {"bad_alloc", 0, [] { throw std::bad_alloc(); }, ENOMEM},
      {"full_disk_exception", 0,
       [] { throw std::system_error(ENOSPC, std::generic_category(), "write"); }, ENOSPC},
  };
  return list;
}

const std::vector<FailingCall>& calls() {
  static const std::vector<FailingCall> list = {
      {"stat_lookup",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, lookup(kRoot, "x")).Times(AtLeast(1)).WillRepeatedly(failing<Attr>(f));
       },
       [](const std::filesystem::path& mnt) {
         struct stat st {};
         return errno_after(::stat((mnt / "x").c_str(), &st));
       }},
      {"mkdir",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, mkdir(kRoot, "d", _, _)).WillOnce(failing<Attr>(f));
       },
       [](const std::filesystem::path& mnt) {
         return errno_after(::mkdir((mnt / "d").c_str(), 0755));
       }},
      {"create",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, create(kRoot, "n", _, _)).WillOnce(failing<Attr>(f));
       },
       [](const std::filesystem::path& mnt) {
         const Fd fd(::open((mnt / "n").c_str(), O_CREAT | O_WRONLY, 0644));
         return errno_after(fd.get());
       }},
      {"open",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, open(kFile, _)).WillOnce(failing<void>(f));
       },
       [](const std::filesystem::path& mnt) {
         const Fd fd(::open((mnt / "f").c_str(), O_RDONLY));
         return errno_after(fd.get());
       }},
      {"read",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, read(kFile, _, _))
             .Times(AtLeast(1))
             .WillRepeatedly(failing<std::vector<ReadSlice>>(f));
       },
       [](const std::filesystem::path& mnt) {
         const Fd fd(::open((mnt / "f").c_str(), O_RDONLY));
         if (fd.get() < 0) return -1;
         char buf[16];
         return errno_after(::read(fd.get(), buf, sizeof buf));
       }},
      {"fsync",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, fsync(kFile)).WillOnce(failing<void>(f));
       },
       [](const std::filesystem::path& mnt) {
         const Fd fd(::open((mnt / "f").c_str(), O_RDONLY));
         if (fd.get() < 0) return -1;
         return errno_after(::fsync(fd.get()));
       }},
      {"chmod",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, setattr(kFile, _)).WillOnce(failing<Attr>(f));
       },
       [](const std::filesystem::path& mnt) {
         return errno_after(::chmod((mnt / "f").c_str(), 0600));
       }},
      {"unlink",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, unlink(kRoot, "f")).WillOnce(failing<void>(f));
       },
       [](const std::filesystem::path& mnt) { return errno_after(::unlink((mnt / "f").c_str())); }},
      {"setxattr",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, setxattr(kFile, "user.k", "v", XattrMode::kAny, _))
             .WillOnce(failing<void>(f));
       },
       [](const std::filesystem::path& mnt) {
         return errno_after(::setxattr((mnt / "f").c_str(), "user.k", "v", 1, 0));
       }},
      {"statfs",
       [](MockCore& core, const CoreFailure& f) {
         EXPECT_CALL(core, statfs()).WillOnce(failing<FsStats>(f));
       },
       [](const std::filesystem::path& mnt) {
         struct statvfs st {};
         return errno_after(::statvfs(mnt.c_str(), &st));
       }},
  };
  return list;
}

class FuseAdapterErrorTest
    : public FuseAdapterTest,
      public ::testing::WithParamInterface<std::tuple<std::size_t, std::size_t>> {};

TEST_P(FuseAdapterErrorTest, given_failing_core_when_calling_then_caller_sees_its_errno) {
  const auto& call = calls()[std::get<0>(GetParam())];
  const auto& failure = failures()[std::get<1>(GetParam())];
  call.expect(core_, failure);
  mount();
  const int seen = call.call(mnt_);
  EXPECT_EQ(seen, failure.seen) << call.name << " with " << failure.name << ": "
                                << std::strerror(seen);
}

INSTANTIATE_TEST_SUITE_P(
    CallsAndFailures, FuseAdapterErrorTest,
    ::testing::Combine(::testing::Range<std::size_t>(0, calls().size()),
                       ::testing::Range<std::size_t>(0, failures().size())),
    [](const ::testing::TestParamInfo<std::tuple<std::size_t, std::size_t>>& param) {
      return std::string(calls()[std::get<0>(param.param)].name) + "_" +
             failures()[std::get<1>(param.param)].name;
    });

TEST_F(FuseAdapterTest, given_o_trunc_when_opening_then_core_opens_once_with_truncate) {
  EXPECT_CALL(core_, open(kFile, OpenFlags{.truncate = true})).Times(1);
  EXPECT_CALL(core_, open(kFile, OpenFlags{.truncate = false})).Times(0);
  // The kernel may write back the times it stamped, but no size: the open truncated.
  EXPECT_CALL(core_, setattr(_, _)).Times(AnyNumber());
  EXPECT_CALL(core_, setattr(_, ::testing::Field(&AttrUpdate::size, Optional(_)))).Times(0);
  mount();
  const Fd fd(::open(path("f").c_str(), O_WRONLY | O_TRUNC));
  ASSERT_GE(fd.get(), 0) << std::strerror(errno);
}

TEST_F(FuseAdapterTest, given_core_attr_when_getattr_then_stat_reports_it) {
  root_.mode = S_IFDIR | 0711;
  root_.nlink = 7;
  root_.uid = 1234;
  root_.gid = 5678;
  root_.size = 123456789;
  root_.blocks_512 = 4242;
  root_.io_block_size = 65536;
  root_.atime_ns = 1'700'000'000'123'456'789;
  root_.mtime_ns = 1'600'000'000'000'000'001;
  root_.ctime_ns = 1'650'000'000'999'999'999;
  EXPECT_CALL(core_, getattr(kRoot)).Times(AtLeast(1));
  mount();
  struct stat st {};
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_mode, S_IFDIR | 0711);
  EXPECT_EQ(st.st_nlink, 7U);
  EXPECT_EQ(st.st_uid, 1234U);
  EXPECT_EQ(st.st_gid, 5678U);
  EXPECT_EQ(st.st_size, 123456789);
  EXPECT_EQ(st.st_blocks, 4242);
  EXPECT_EQ(st.st_blksize, 65536);
  EXPECT_EQ(st.st_atim.tv_sec, 1'700'000'000);
  EXPECT_EQ(st.st_atim.tv_nsec, 123'456'789);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'600'000'000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 1);
  EXPECT_EQ(st.st_ctim.tv_sec, 1'650'000'000);
  EXPECT_EQ(st.st_ctim.tv_nsec, 999'999'999);
}

TEST_F(FuseAdapterTest, given_core_attr_when_looking_up_then_stat_reports_its_size_and_blocks) {
  file_.size = 3'000'000;
  file_.blocks_512 = 17;
  file_.ino = 77;
  ON_CALL(core_, getattr(77U)).WillByDefault([this](auto&&...) { return file_; });
  EXPECT_CALL(core_, lookup(kRoot, "f")).Times(AtLeast(1));
  mount();
  struct stat st {};
  ASSERT_EQ(::stat(path("f").c_str(), &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_ino, 77U);
  EXPECT_EQ(st.st_size, 3'000'000);
  EXPECT_EQ(st.st_blocks, 17);
  EXPECT_EQ(st.st_mode, S_IFREG | 0644);
}

TEST_F(FuseAdapterTest, given_core_slices_when_reading_then_caller_gets_their_bytes_in_order) {
  const auto first = std::make_shared<const std::vector<std::byte>>(100, std::byte{'a'});
  const auto second = std::make_shared<const std::vector<std::byte>>(50, std::byte{'b'});
  file_.size = 80;
  EXPECT_CALL(core_, read(kFile, 0U, _)).WillOnce([&](auto&&...) {
    // The tail of one buffer and the head of another, as a read across two blocks gets them.
    return Result<std::vector<ReadSlice>>(
        std::vector<ReadSlice>{{first, std::span<const std::byte>(*first).subspan(40)},
                               {second, std::span<const std::byte>(*second).first(20)}});
  });
  mount();
  const Fd fd(::open(path("f").c_str(), O_RDONLY));
  ASSERT_GE(fd.get(), 0) << std::strerror(errno);
  std::string got(200, '\0');
  const auto n = ::read(fd.get(), got.data(), got.size());
  ASSERT_EQ(n, 80) << std::strerror(errno);
  got.resize(80);
  EXPECT_EQ(got, std::string(60, 'a') + std::string(20, 'b'));
}

TEST_F(FuseAdapterTest, given_core_stats_when_statfs_then_caller_gets_them) {
  EXPECT_CALL(core_, statfs()).WillOnce([](auto&&...) {
    FsStats stats;
    stats.block_size = 8192;
    stats.fragment_size = 4096;
    stats.blocks = 1000;
    stats.blocks_free = 600;
    stats.blocks_available = 500;
    stats.files = 90;
    stats.files_free = 40;
    stats.name_max = 255;
    return Result<FsStats>(stats);
  });
  mount();
  struct statvfs st {};
  ASSERT_EQ(::statvfs(mnt_.c_str(), &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.f_bsize, 8192U);
  EXPECT_EQ(st.f_frsize, 4096U);
  EXPECT_EQ(st.f_blocks, 1000U);
  EXPECT_EQ(st.f_bfree, 600U);
  EXPECT_EQ(st.f_bavail, 500U);
  EXPECT_EQ(st.f_files, 90U);
  EXPECT_EQ(st.f_ffree, 40U);
  EXPECT_EQ(st.f_namemax, 255U);
}

TEST_F(FuseAdapterTest, given_core_listing_when_reading_directory_then_caller_gets_its_names) {
  EXPECT_CALL(core_, opendir(kRoot)).Times(AtLeast(1));
  EXPECT_CALL(core_, readdir(kRoot, _, _, _, _, _))
      .Times(AtLeast(1))
      .WillRepeatedly([this](std::uint64_t, DirHandle&, std::int64_t offset, bool, std::size_t,
                             DirEntrySink& sink) {
        Attr a = file_;
        a.ino = 10;
        Attr b = file_;
        b.ino = 11;
        const std::vector<std::tuple<const char*, Attr, std::int64_t>> entries = {
            {".", root_, 1}, {"..", root_, 2}, {"a", a, 10}, {"b", b, 11}};
        for (const auto& [name, attr, next] : entries) {
          if (next > offset && !sink.add(name, attr, next)) break;
        }
        return Result<void>{};
      });
  mount();
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(mnt_))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace squeezefs::fs
