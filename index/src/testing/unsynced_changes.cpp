#include "squeezefs/index/testing/unsynced_changes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <random>
#include <system_error>

namespace squeezefs::index::testing {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

class Fd {
 public:
  Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// Size and the bytes in [offset, offset + length) that exist; {0, ""} for a missing file.
std::pair<std::uint64_t, std::string> read_range(const std::string& path, std::uint64_t offset,
                                                 std::uint64_t length) {
  const Fd fd(path, O_RDONLY);
  if (fd.get() < 0) {
    if (errno == ENOENT) return {0, {}};
    throw_errno("open " + path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset >= size) return {size, {}};
  std::string bytes(static_cast<std::size_t>(std::min(length, size - offset)), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd.get(), bytes.data() + done, bytes.size() - done,
                              static_cast<off_t>(offset + done));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw_errno("read " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  return {size, bytes};
}

void write_at(int fd, const std::string& bytes, std::uint64_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void UnsyncedChanges::before_write(const std::string& path, std::uint64_t offset,
                                   std::span<const std::byte> data) {
  const std::lock_guard lock(mutex_);
  auto [size, old] = read_range(path, offset, data.size());
  undo_.push_back(Undo{path, size, offset, std::move(old),
                       std::string(reinterpret_cast<const char*>(data.data()), data.size()), true});
}

void UnsyncedChanges::before_truncate(const std::string& path, std::uint64_t size) {
  const std::lock_guard lock(mutex_);
  auto [old_size, old] = read_range(path, size, UINT64_MAX);
  undo_.push_back(Undo{path, old_size, size, std::move(old), {}, false});
}

void UnsyncedChanges::created(const std::string& path) {
  const std::lock_guard lock(mutex_);
  created_.insert(path);
}

void UnsyncedChanges::synced(const std::string& path) {
  const std::lock_guard lock(mutex_);
  std::erase_if(undo_, [&](const Undo& u) { return u.path == path; });
}

void UnsyncedChanges::dir_synced(const std::string& dir) {
  const std::lock_guard lock(mutex_);
  const std::filesystem::path d(dir);
  std::erase_if(created_,
                [&](const std::string& p) { return std::filesystem::path(p).parent_path() == d; });
}

void UnsyncedChanges::removed(const std::string& path) {
  const std::lock_guard lock(mutex_);
  std::erase_if(undo_, [&](const Undo& u) { return u.path == path; });
  created_.erase(path);
}

void UnsyncedChanges::revert(const PowerLoss& loss) {
  const std::lock_guard lock(mutex_);
  // Undo newest first, so each file ends with its bytes and size at its last sync.
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    const Fd fd(it->path, O_WRONLY);
    if (fd.get() < 0) {
      if (errno == ENOENT) continue;
      throw_errno("open " + it->path);
    }
    write_at(fd.get(), it->old_bytes, it->offset, it->path);
    if (::ftruncate(fd.get(), static_cast<off_t>(it->old_size)) != 0)
      throw_errno("truncate " + it->path);
  }
  // Then replay the survivors in their order: the disk got to them before the power failed.
  std::mt19937_64 rng(loss.seed);
  std::bernoulli_distribution survives(loss.keep);
  std::map<std::string, std::size_t> prefix;  // per file: how many of its changes survive
  if (loss.per_file_prefix) {
    std::map<std::string, std::size_t> count;
    for (const auto& u : undo_) ++count[u.path];
    for (const auto& [path, n] : count) prefix[path] = static_cast<std::size_t>(rng() % (n + 1));
  }
  std::vector<const Undo*> kept;
  for (const auto& u : undo_) {
    const bool keep = loss.per_file_prefix ? prefix[u.path]-- > 0 : survives(rng);
    if (keep) kept.push_back(&u);
  }
  const Undo* torn = nullptr;
  if (loss.tear) {
    for (auto it = kept.rbegin(); it != kept.rend() && torn == nullptr; ++it) {
      if ((*it)->is_write) torn = *it;
    }
    // Nothing survives whole, so tear the last write of all.
    if (torn == nullptr && !undo_.empty() && undo_.back().is_write) {
      torn = &undo_.back();
      kept.push_back(torn);
    }
  }
  for (const Undo* u : kept) {
    const Fd fd(u->path, O_WRONLY);
    if (fd.get() < 0) {
      if (errno == ENOENT) continue;
      throw_errno("open " + u->path);
    }
    if (!u->is_write) {
      if (::ftruncate(fd.get(), static_cast<off_t>(u->offset)) != 0)
        throw_errno("truncate " + u->path);
    } else if (u == torn) {
      write_at(fd.get(), u->new_bytes.substr(0, u->new_bytes.size() / 2 / 512 * 512), u->offset,
               u->path);
    } else {
      write_at(fd.get(), u->new_bytes, u->offset, u->path);
    }
  }
  for (const auto& path : created_) std::filesystem::remove(path);
  undo_.clear();
  created_.clear();
}

std::size_t UnsyncedChanges::pending() const {
  const std::lock_guard lock(mutex_);
  return undo_.size();
}

}  // namespace squeezefs::index::testing
