#include "squeezefs/fs/store/store_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs::store {
namespace {

using namespace std::string_literals;

// The error parse() throws for `arg`, or a failure when it accepts it.
StorageError refusal_of(std::string_view arg) {
  try {
    const auto spec = StoreSpec::parse(arg);
    ADD_FAILURE() << "accepted " << arg << " as " << spec.scheme << ": " << spec.metadata;
  } catch (const StorageError& e) {
    return e;
  }
  return StorageError(StorageErrc::kIo, "accepted");
}

TEST(StoreSpecTest, given_absolute_path_when_parsed_then_local_store_at_that_path) {
  const auto spec = StoreSpec::parse("/srv/store");
  EXPECT_EQ(spec.scheme, "file");
  EXPECT_EQ(spec.metadata, "/srv/store");
  EXPECT_FALSE(spec.blocks.has_value());
}

TEST(StoreSpecTest, given_path_with_url_characters_and_spaces_when_parsed_then_kept_byte_for_byte) {
  for (const std::string path :
       {"/srv/my store?x=1#top%41", "/a/%zz%", "/tmp/a:b", "c:/x", "/srv/\x01\xff strange"}) {
    const auto spec = StoreSpec::parse(path);
    EXPECT_EQ(spec.scheme, "file") << path;
    EXPECT_EQ(spec.metadata, path);
  }
}

TEST(StoreSpecTest, given_relative_path_when_parsed_then_kept_relative) {
  for (const std::string path : {"store", "stores/s", "../s", "./xyz://s", "1abc://s", "a b://c"}) {
    const auto spec = StoreSpec::parse(path);
    EXPECT_EQ(spec.scheme, "file") << path;
    EXPECT_EQ(spec.metadata, path);
  }
}

TEST(StoreSpecTest, given_file_url_when_parsed_then_its_path_percent_decoded) {
  const auto spec = StoreSpec::parse("file:///srv/my%20store%3Fx%23y%25z/%c3%a9");
  EXPECT_EQ(spec.scheme, "file");
  EXPECT_EQ(spec.metadata, "/srv/my store?x#y%z/\xc3\xa9");
}

TEST(StoreSpecTest, given_file_url_with_localhost_or_upper_case_scheme_when_parsed_then_accepted) {
  EXPECT_EQ(StoreSpec::parse("file://localhost/srv/s").metadata, "/srv/s");
  EXPECT_EQ(StoreSpec::parse("FILE:///srv/s").metadata, "/srv/s");
  EXPECT_EQ(StoreSpec::parse("FILE:///srv/s").scheme, "file");
}

TEST(StoreSpecTest, given_malformed_file_url_when_parsed_then_refused_as_not_a_store) {
  for (const char* url :
       {"file://otherhost/srv/s", "file://", "file://srv", "file:///srv/s?x=1", "file:///srv/s#top",
        "file:///srv/%2", "file:///srv/%zz", "file:///a%00b"}) {
    EXPECT_EQ(refusal_of(url).kind(), StorageErrc::kNotAStore) << url;
  }
}

TEST(StoreSpecTest, given_unknown_scheme_when_parsed_then_refused_naming_it_and_supported_ones) {
  const auto e = refusal_of("xyz://host/store");
  EXPECT_EQ(e.kind(), StorageErrc::kNotAStore);
  const std::string what = e.what();
  EXPECT_NE(what.find("xyz://"), std::string::npos) << what;
  EXPECT_NE(what.find("file://"), std::string::npos) << what;
}

TEST(StoreSpecTest, given_empty_argument_or_nul_byte_when_parsed_then_refused) {
  EXPECT_EQ(refusal_of("").kind(), StorageErrc::kNotAStore);
  EXPECT_EQ(refusal_of("/srv/a\0b"s).kind(), StorageErrc::kNotAStore);
}

}  // namespace
}  // namespace squeezefs::fs::store
