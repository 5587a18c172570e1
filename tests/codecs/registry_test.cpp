#include "squeezefs/codecs/registry.h"

#include <gtest/gtest.h>

#include <set>

namespace squeezefs::codecs {
namespace {

TEST(Registry, given_all_codecs_then_ids_and_names_are_unique_and_findable) {
  std::set<int> ids;
  std::set<std::string_view> names;
  for (const Codec* codec : all_codecs()) {
    EXPECT_TRUE(ids.insert(static_cast<int>(codec->id())).second);
    EXPECT_TRUE(names.insert(codec->name()).second);
    EXPECT_EQ(find_codec(codec->name()), codec);
    EXPECT_EQ(find_codec(codec->id()), codec);
    EXPECT_TRUE(codec->levels().contains(codec->levels().fallback));
  }
}

TEST(Registry, given_published_ids_then_they_never_change) {
  EXPECT_EQ(find_codec("none")->id(), CodecId::kNone);
  EXPECT_EQ(static_cast<int>(CodecId::kNone), 0);
  EXPECT_EQ(static_cast<int>(CodecId::kZstd), 1);
  EXPECT_EQ(static_cast<int>(CodecId::kLz4), 2);
  EXPECT_EQ(static_cast<int>(CodecId::kZlib), 3);
  EXPECT_EQ(static_cast<int>(CodecId::kLzh), 4);
  EXPECT_EQ(static_cast<int>(CodecId::kHuffman), 5);
  EXPECT_EQ(static_cast<int>(CodecId::kOpcode), 6);
  EXPECT_EQ(static_cast<int>(CodecId::kCompress1d), 7);
}

TEST(Registry, given_codec_choice_text_when_parsed_then_level_defaults_or_is_checked) {
  std::string error;
  auto choice = parse_codec_choice("zstd", error);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->level, 3);
  choice = parse_codec_choice("zstd:19", error);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->level, 19);
  EXPECT_FALSE(parse_codec_choice("zstd:20", error));
  EXPECT_NE(error.find("invalid level"), std::string::npos);
  EXPECT_FALSE(parse_codec_choice("zstd:", error));
  EXPECT_FALSE(parse_codec_choice("zstd:3x", error));
  EXPECT_FALSE(parse_codec_choice("nosuch", error));
  EXPECT_NE(error.find("unknown codec"), std::string::npos);
}

}  // namespace
}  // namespace squeezefs::codecs
