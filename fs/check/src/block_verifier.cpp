#include "squeezefs/fs/check/block_verifier.h"

#include <algorithm>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/block_io.h"

namespace squeezefs::fs::check {

std::optional<std::string> BlockVerifier::verify(const index::BlockRef& ref) {
  const auto* codec = codecs::find_codec(static_cast<codecs::CodecId>(ref.codec));
  if (codec == nullptr) return "unknown codec " + std::to_string(ref.codec);
  stored_.resize(ref.stored_length);
  if (!store_.load(StoredLocation{ref.data_file, ref.offset, ref.stored_length}, stored_))
    return std::string("stored bytes missing");
  raw_.resize(ref.raw_length);
  if (codec->id() == codecs::CodecId::kNone) {
    if (stored_.size() != raw_.size()) return std::string("raw block has the wrong length");
    std::copy(stored_.begin(), stored_.end(), raw_.begin());
  } else {
    const auto result = codec->decompress(stored_, raw_);
    if (!result.ok() || result.bytes != raw_.size()) return std::string("decode failed");
  }
  if (block_checksum(raw_) != ref.checksum) return std::string("checksum mismatch");
  return std::nullopt;
}

}  // namespace squeezefs::fs::check
