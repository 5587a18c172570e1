#pragma once

// Accessors for each codec's single instance; the registry lists them in id order.

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs {

const Codec& none_codec() noexcept;
const Codec& zstd_codec() noexcept;
const Codec& lz4_codec() noexcept;
const Codec& zlib_codec() noexcept;
const Codec& lzh_codec() noexcept;
const Codec& huffman_codec() noexcept;
const Codec& opcode_codec() noexcept;
const Codec& compress1d_codec() noexcept;

}  // namespace squeezefs::codecs
