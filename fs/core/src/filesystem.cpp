#include "squeezefs/fs/filesystem.h"

#include <mutex>
#include <stdexcept>
#include <string>

namespace squeezefs::fs {

Filesystem::Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
                       DataPathOptions options)
    : layout_(root),
      index_(index::Index::open(layout_.index().string())),
      config_(index_.config()),
      names_(index_),
      // Called by the compression workers, which hold no index lock (the store's lock, then the
      // index mutex).
      store_(layout_.data(),
             [this] {
               const std::lock_guard lock(names_.index_mutex());
               return index_.add_data_file();
             }),
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
                                     config_.block_size, options);
  names_.purge_orphans();
}

void Filesystem::sync() {
  data_->sync();
}

}  // namespace squeezefs::fs
