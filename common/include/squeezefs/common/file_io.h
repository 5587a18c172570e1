#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace squeezefs {

// One open file of a FileIo.
//
// Thread-safety: pread and size may run concurrently with anything; callers serialize the
// mutating calls (pwrite, datasync, truncate) per file; punch_hole may run beside writes to
// other ranges. Errors throw std::system_error.
class IoFile {
 public:
  IoFile() = default;
  IoFile(const IoFile&) = delete;
  IoFile& operator=(const IoFile&) = delete;
  virtual ~IoFile() = default;

  // Writes all of `bytes` at `offset`, extending the file as needed.
  virtual void pwrite(std::span<const std::byte> bytes, std::uint64_t offset) = 0;
  // Reads up to out.size() bytes at `offset`; returns how many (fewer only at end of file).
  [[nodiscard]] virtual std::size_t pread(std::span<std::byte> out, std::uint64_t offset) = 0;
  // fdatasync: the file's contents and size survive a power loss once this returns.
  virtual void datasync() = 0;
  [[nodiscard]] virtual std::uint64_t size() = 0;
  virtual void truncate(std::uint64_t size) = 0;
  // Gives the space of [offset, offset + length) back to the file system (a hole): the range
  // reads as zeros afterwards and the size stays. Durable only after datasync(). Throws
  // std::system_error, also where the file system cannot punch holes (EOPNOTSUPP).
  virtual void punch_hole(std::uint64_t offset, std::uint64_t length) = 0;
};

enum class OpenMode {
  kRead,       // read only; the file must exist
  kReadWrite,  // the file must exist
  kCreate,     // read-write, created (empty) when missing
};

// The file operations the data files need, so tests can put a fault-injecting layer under a
// FileBlockStore (simulated power loss drops what was not synced). posix_file_io() is the real
// implementation.
//
// Thread-safety: implementations are safe to call from several threads.
class FileIo {
 public:
  FileIo() = default;
  FileIo(const FileIo&) = delete;
  FileIo& operator=(const FileIo&) = delete;
  virtual ~FileIo() = default;

  // Opens `path`; returns null when it does not exist and `mode` is not kCreate.
  [[nodiscard]] virtual std::unique_ptr<IoFile> open(const std::filesystem::path& path,
                                                     OpenMode mode) = 0;
  // fsync of a directory: the entries created or removed in it survive a power loss.
  virtual void sync_dir(const std::filesystem::path& dir) = 0;
  // Removes `path`; a missing file is not an error.
  virtual void unlink(const std::filesystem::path& path) = 0;
};

// The POSIX implementation (open/pwrite/pread/fdatasync/fstat/ftruncate/fallocate/unlink).
// Stateless and shared; lives for the whole program.
FileIo& posix_file_io();

}  // namespace squeezefs
