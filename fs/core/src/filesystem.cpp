#include "squeezefs/fs/filesystem.h"

#include <fcntl.h>
#include <linux/falloc.h>

#include <map>
#include <stdexcept>
#include <string>

#include "squeezefs/fs/unique_fd.h"

namespace squeezefs::fs {
namespace {

// Gives the space of dropped blocks back to the backing file system by punching holes where
// they lay (blocks are never rewritten in place, so nothing reads those bytes again). Best
// effort: without hole punching the space stays accounted as free for later compaction.
void punch_blocks(const FileBlockStore& store, const std::vector<index::BlockRef>& blocks) {
  std::map<std::uint32_t, UniqueFd> files;
  for (const auto& block : blocks) {
    if (block.stored_length == 0) continue;
    auto& fd = files[block.data_file];
    if (fd.get() < 0)
      fd = UniqueFd(::open(store.file_path(block.data_file).c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    [[maybe_unused]] const int rc =
        ::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(block.offset), static_cast<off_t>(block.stored_length));
  }
}

}  // namespace

Filesystem::Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec)
    : layout_(root),
      index_(index::Index::open(layout_.index().string())),
      config_(index_.config()),
      names_(index_),
      // Called from FileData while it holds the index mutex, inside its transaction.
      store_(layout_.data(), [this] { return index_.add_data_file(); }),
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
  names_.set_space_releaser(
      [this](const std::vector<index::BlockRef>& blocks) { punch_blocks(store_, blocks); });
  names_.purge_orphans();
}

void Filesystem::sync() {
  store_.sync();
}

}  // namespace squeezefs::fs
