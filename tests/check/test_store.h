#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "squeezefs/fs/filesystem.h"

namespace squeezefs::fs::check {

// A store in a fresh temporary directory (removed afterwards) with helpers that fill it through
// the filesystem core, as a mount would.
class TestStore {
 public:
  explicit TestStore(std::uint32_t block_size = 4096);
  TestStore(const TestStore&) = delete;
  TestStore& operator=(const TestStore&) = delete;
  ~TestStore();

  [[nodiscard]] const StoreLayout& layout() const { return layout_; }
  // Opens the store (zstd level 1 for new blocks); close it before checking.
  [[nodiscard]] std::unique_ptr<Filesystem> open() const;

  // Creates directories and files (with `data`) along `path` ("/a/b/f") and returns the file's
  // inode.
  static std::uint64_t write(Filesystem& fs, const std::string& path, const std::string& data);
  static std::string read(Filesystem& fs, const std::string& path);
  static std::uint64_t resolve(Filesystem& fs, const std::string& path);

 private:
  std::filesystem::path dir_;
  StoreLayout layout_;
};

// Text-like data that compresses a few times over but not trivially.
[[nodiscard]] std::string sample_text(std::size_t size, std::uint32_t seed);

}  // namespace squeezefs::fs::check
