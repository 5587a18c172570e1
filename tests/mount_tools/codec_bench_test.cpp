#include "codec_bench.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace squeezefs::tools {
namespace {

std::vector<std::byte> mixed_data() {
  // Two compressible blocks, then one of noise that no codec shrinks.
  std::vector<std::byte> data;
  const std::string text = "block benchmarks measure ratio and speed; ";
  while (data.size() < 8192) {
    for (char c : text) data.push_back(static_cast<std::byte>(c));
  }
  data.resize(8192);
  std::mt19937 rng(3);
  for (int i = 0; i < 4096; ++i) data.push_back(static_cast<std::byte>(rng() & 0xFFU));
  return data;
}

TEST(CodecBenchTest, given_mixed_blocks_when_benched_then_counts_raw_blocks_at_raw_size) {
  const BenchCorpus corpus = BenchCorpus::from_bytes(mixed_data(), 4096);
  ASSERT_EQ(corpus.blocks().size(), 3U);
  for (const codecs::Codec* codec : codecs::all_codecs()) {
    SCOPED_TRACE(std::string(codec->name()));
    const BenchResult r = run_bench(corpus, {codec, codec->levels().fallback}, 0.0);
    EXPECT_EQ(r.raw_bytes, 12288U);
    EXPECT_GE(r.raw_blocks, 1U);
    EXPECT_LE(r.stored_bytes, r.raw_bytes);
    EXPECT_GE(r.stored_bytes, 4096U);
    EXPECT_GT(r.compress_seconds, 0.0);
    // The random block never shrinks, so it is counted at its raw size.
    EXPECT_LE(r.raw_blocks, 3U);
    if (codec->id() == codecs::CodecId::kZlib || codec->id() == codecs::CodecId::kZstd) {
      EXPECT_EQ(r.raw_blocks, 1U);
      EXPECT_GT(r.ratio(), 1.2);
    }
  }
}

TEST(CodecBenchTest, given_files_and_directories_when_loaded_then_reads_regular_files) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("squeezefs_bench_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "sub");
  for (const auto& [name, size] : {std::pair{"a", 5000}, std::pair{"sub/b", 100}}) {
    std::FILE* f = std::fopen((dir / name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < size; ++i) std::fputc('x', f);
    std::fclose(f);
  }
  const BenchCorpus corpus = BenchCorpus::load({dir}, 4096);
  EXPECT_EQ(corpus.file_count(), 2U);
  EXPECT_EQ(corpus.raw_bytes(), 5100U);
  EXPECT_EQ(corpus.blocks().size(), 3U);  // 4096 + 904 from a, 100 from b
  EXPECT_THROW((void)BenchCorpus::load({dir / "missing"}, 4096), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace squeezefs::tools
