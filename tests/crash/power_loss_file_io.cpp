#include "power_loss_file_io.h"

#include <algorithm>
#include <system_error>
#include <vector>

namespace squeezefs::testing {
namespace {

using index::testing::FaultOp;

class PowerLossFile final : public IoFile {
 public:
  PowerLossFile(PowerLossFileIo& io, std::unique_ptr<IoFile> real, std::string path)
      : io_(io), real_(std::move(real)), path_(std::move(path)) {}

  void pwrite(std::span<const std::byte> bytes, std::uint64_t offset) override {
    io_.check(FaultOp::kWrite, path_);
    io_.changes().before_write(path_, offset, bytes);
    real_->pwrite(bytes, offset);
  }
  std::size_t pread(std::span<std::byte> out, std::uint64_t offset) override {
    return real_->pread(out, offset);
  }
  void datasync() override {
    io_.check(FaultOp::kSync, path_);
    real_->datasync();
    io_.changes().synced(path_);
  }
  std::uint64_t size() override { return real_->size(); }
  void truncate(std::uint64_t size) override {
    io_.check(FaultOp::kTruncate, path_);
    io_.changes().before_truncate(path_, size);
    real_->truncate(size);
  }
  void punch_hole(std::uint64_t offset, std::uint64_t length) override {
    // A hole reads as zeros: recorded as writing zeros over the part of the range inside the
    // file, so a power loss may take an unsynced punch back like any unsynced write.
    io_.check(FaultOp::kWrite, path_);
    const std::uint64_t size = real_->size();
    if (offset < size) {
      const std::vector<std::byte> zeros(static_cast<std::size_t>(std::min(length, size - offset)));
      io_.changes().before_write(path_, offset, zeros);
    }
    real_->punch_hole(offset, length);
  }

 private:
  PowerLossFileIo& io_;
  std::unique_ptr<IoFile> real_;
  std::string path_;
};

}  // namespace

void PowerLossFileIo::check(FaultOp op, const std::string& path) {
  if (powered_ && hook_ && !hook_(op, path)) powered_ = false;
  if (!powered_) {
    throw std::system_error(std::make_error_code(std::errc::io_error), "power lost at " + path);
  }
}

std::unique_ptr<IoFile> PowerLossFileIo::open(const std::filesystem::path& path, OpenMode mode) {
  const bool existed = std::filesystem::exists(path);
  if (mode == OpenMode::kCreate && !existed) check(FaultOp::kWrite, path.string());
  auto real = posix_file_io().open(path, mode);
  if (!real) return nullptr;
  if (!existed) changes_.created(path.string());
  return std::make_unique<PowerLossFile>(*this, std::move(real), path.string());
}

void PowerLossFileIo::sync_dir(const std::filesystem::path& dir) {
  check(FaultOp::kSync, dir.string());
  posix_file_io().sync_dir(dir);
  changes_.dir_synced(dir.string());
}

void PowerLossFileIo::unlink(const std::filesystem::path& path) {
  check(FaultOp::kWrite, path.string());
  posix_file_io().unlink(path);
  changes_.removed(path.string());
}

}  // namespace squeezefs::testing
