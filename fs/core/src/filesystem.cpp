#include "squeezefs/fs/filesystem.h"

#include <mutex>
#include <stdexcept>
#include <string>

namespace squeezefs::fs {

Filesystem::Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
                       const StorageOptions& storage)
    : layout_(root),
      index_(index::Index::open(layout_.index().string(), storage.index_vfs)),
      config_(index_.config()),
      names_(index_),
      // Called from FileData while it holds the index mutex, inside its transaction.
      store_(
          layout_.data(), [this] { return index_.add_data_file(); }, storage.data_file_limit,
          storage.data_io != nullptr ? *storage.data_io : posix_file_io()),
      io_(store_) {
  if (!codec) {
    const auto* stored = codecs::find_codec(static_cast<codecs::CodecId>(config_.default_codec));
    if (stored == nullptr) {
      throw std::runtime_error("the store's default codec (id " +
                               std::to_string(config_.default_codec) +
                               ") is not available in this build");
    }
    codec = codecs::CodecChoice{stored, config_.codec_level};
  }
  data_ = std::make_unique<FileData>(index_, names_.index_mutex(), io_, *codec->codec, codec->level,
                                     config_.block_size);
  names_.purge_orphans();
}

void Filesystem::sync() {
  // Data first: committed block maps may reference blocks written since the last data sync
  // (FileData syncs before each commit today, but the order keeps this safe either way).
  store_.sync();
  // The index runs with synchronous=NORMAL, so its commits sit unsynced in the WAL until a
  // checkpoint; without this an fsync'ed file could lose its last changes to a power loss.
  const std::lock_guard lock(names_.index_mutex());
  index_.db().sync();
}

}  // namespace squeezefs::fs
