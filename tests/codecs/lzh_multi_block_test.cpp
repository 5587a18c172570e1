// Tests of lzh streams of several blocks: streams written by earlier encoders must still decode.

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <string>

#include "squeezefs/codecs/registry.h"
#include "test_inputs.h"

namespace squeezefs::codecs {
namespace {

using testing::Bytes;

const Codec& lzh() {
  return *find_codec("lzh");
}

// "squeezefs " repeated to `size` bytes: 10 literals, then runs of 256 bytes at distance 10.
Bytes squeezefs_period(std::size_t size) {
  const std::string period = "squeezefs ";
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(period[i % 10]);
  return out;
}

// Written by the encoder before its t frequencies stopped at the last non-zero c length: it
// counted the trailing zero c length (0x1FE) of the first block as a run of 1, which gave that
// block a different t code. Such streams are valid and stores hold them.
constexpr const char* kBeforeTFreqFix = "lzh_two_blocks_before_t_freq_fix.lzh";
constexpr std::size_t kBeforeTFreqFixSize = 700000;

TEST(LzhMultiBlock, given_stream_of_the_encoder_before_the_t_freq_fix_when_decoded_then_input) {
  const Bytes old_stream = testing::read_file(std::filesystem::path(SQUEEZEFS_TEST_DATA_DIR) /
                                              "codecs" / kBeforeTFreqFix);
  ASSERT_EQ(old_stream.size(), 1418U);
  Bytes back(kBeforeTFreqFixSize);
  const CodecResult r = lzh().decompress(old_stream, back);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, kBeforeTFreqFixSize);
  EXPECT_EQ(back, squeezefs_period(kBeforeTFreqFixSize));
}

}  // namespace
}  // namespace squeezefs::codecs
