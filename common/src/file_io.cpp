#include "squeezefs/common/file_io.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "squeezefs/common/unique_fd.h"

namespace squeezefs {
namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

class PosixFile final : public IoFile {
 public:
  PosixFile(UniqueFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}

  void pwrite(std::span<const std::byte> bytes, std::uint64_t offset) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pwrite(fd_.get(), bytes.data() + done, bytes.size() - done,
                                 static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("write", path_);
      }
      done += static_cast<std::size_t>(n);
    }
  }

  std::size_t pread(std::span<std::byte> out, std::uint64_t offset) override {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("read", path_);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  void datasync() override {
    if (::fdatasync(fd_.get()) != 0) throw_errno("fdatasync", path_);
  }

  std::uint64_t size() override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) throw_errno("stat", path_);
    return static_cast<std::uint64_t>(st.st_size);
  }

  void truncate(std::uint64_t size) override {
    if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) throw_errno("truncate", path_);
  }

  void punch_hole(std::uint64_t offset, std::uint64_t length) override {
    if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(offset), static_cast<off_t>(length)) != 0)
      throw_errno("punch hole in", path_);
  }

 private:
  UniqueFd fd_;
  std::filesystem::path path_;
};

class PosixFileIo final : public FileIo {
 public:
  std::unique_ptr<IoFile> open(const std::filesystem::path& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::kReadWrite:
        flags |= O_RDWR;
        break;
      case OpenMode::kCreate:
        flags |= O_RDWR | O_CREAT;
        break;
    }
    UniqueFd fd(::open(path.c_str(), flags, 0600));
    if (!fd.valid()) {
      if (errno == ENOENT && mode != OpenMode::kCreate) return nullptr;
      throw_errno("open", path);
    }
    return std::make_unique<PosixFile>(std::move(fd), path);
  }

  void sync_dir(const std::filesystem::path& dir) override {
    const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) throw_errno("fsync", dir);
  }

  void unlink(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", path);
  }
};

}  // namespace

FileIo& posix_file_io() {
  static PosixFileIo io;
  return io;
}

}  // namespace squeezefs
