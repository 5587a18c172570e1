#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/block_io.h"
#include "squeezefs/fs/file_block_store.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/index/index.h"

namespace squeezefs::fs {

// One opened store: its index, data files, namespace and file data, wired together.
//
// Thread-safe (each part is). Not movable: the parts refer to each other.
class Filesystem {
 public:
  // Opens the store at `root`. New blocks use `codec` when given, else the store's default.
  // `options` sets the cache and dirty-data caps and the worker count.
  // Throws index::FormatError for a non-store, a newer format or a damaged index, and
  // std::runtime_error when the store's default codec is not in this build.
  Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
             DataPathOptions options = {});
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;
  ~Filesystem() = default;

  Namespace& names() { return names_; }
  FileData& data() { return *data_; }
  [[nodiscard]] const StoreLayout& layout() const { return layout_; }
  [[nodiscard]] std::uint32_t block_size() const { return config_.block_size; }
  // Makes everything written so far durable: flushes and commits every buffered block.
  void sync();

 private:
  StoreLayout layout_;
  index::Index index_;
  index::StoreConfig config_;
  Namespace names_;
  FileBlockStore store_;
  BlockIo io_;
  std::unique_ptr<FileData> data_;
};

}  // namespace squeezefs::fs
