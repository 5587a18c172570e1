#include "squeezefs/fs/block_io.h"

#include <xxhash.h>

#include <algorithm>
#include <vector>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/common/log.h"

namespace squeezefs::fs {
namespace {

bool all_zero(std::span<const std::byte> data) {
  return std::all_of(data.begin(), data.end(), [](std::byte b) { return b == std::byte{0}; });
}

// Compression must save at least 1/8 of the block to be worth a decode on every read.
bool worth_it(std::size_t raw, std::size_t stored) {
  return stored <= raw - raw / 8;
}

}  // namespace

std::uint64_t block_checksum(std::span<const std::byte> data) {
  return XXH3_64bits(data.data(), data.size());
}

std::optional<index::BlockRef> BlockIo::write(std::span<const std::byte> raw,
                                              const codecs::Codec& codec, int level) {
  if (all_zero(raw)) return std::nullopt;
  index::BlockRef ref;
  ref.raw_length = static_cast<std::uint32_t>(raw.size());
  ref.checksum = block_checksum(raw);

  std::vector<std::byte> encoded;
  std::span<const std::byte> payload = raw;
  ref.codec = static_cast<std::uint16_t>(codecs::CodecId::kNone);
  if (codec.id() != codecs::CodecId::kNone) {
    encoded.resize(codec.max_compressed_size(raw.size()));
    const auto result = codec.compress(raw, encoded, level);
    if (result.ok() && worth_it(raw.size(), result.bytes)) {
      payload = std::span<const std::byte>(encoded.data(), result.bytes);
      ref.codec = static_cast<std::uint16_t>(codec.id());
    }
  }
  const StoredLocation loc = store_.store(payload);
  ref.stored_length = loc.length;
  ref.data_file = loc.data_file;
  ref.offset = loc.offset;
  return ref;
}

Result<void> BlockIo::read(std::uint64_t ino, std::uint64_t block, const index::BlockRef& ref,
                           std::span<std::byte> out) {
  const auto bad = [&](const char* why) {
    log().error("inode {} block {}: {} (data file {}, offset {}, {} stored bytes, codec {})", ino,
                block, why, ref.data_file, ref.offset, ref.stored_length, ref.codec);
    return fail(std::errc::io_error);
  };
  if (out.size() != ref.raw_length) return bad("buffer does not match the block length");
  const auto* codec = codecs::find_codec(static_cast<codecs::CodecId>(ref.codec));
  if (codec == nullptr) return bad("unknown codec");

  std::vector<std::byte> stored(ref.stored_length);
  if (!store_.load(StoredLocation{ref.data_file, ref.offset, ref.stored_length}, stored)) {
    return bad("stored bytes missing");
  }
  if (codec->id() == codecs::CodecId::kNone) {
    if (stored.size() != out.size()) return bad("raw block has the wrong length");
    std::copy(stored.begin(), stored.end(), out.begin());
  } else {
    const auto result = codec->decompress(stored, out);
    if (!result.ok() || result.bytes != out.size()) return bad("decode failed");
  }
  if (block_checksum(out) != ref.checksum) return bad("checksum mismatch");
  return {};
}

}  // namespace squeezefs::fs
