#include "squeezefs/common/storage_error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace squeezefs {
namespace {

TEST(StorageErrorTest, given_a_full_medium_when_mapped_then_enospc) {
  const StorageError e(StorageErrc::kNoSpace, "the index cannot grow");
  EXPECT_EQ(e.posix(), std::errc::no_space_on_device);
  EXPECT_EQ(posix_error_of(e), std::make_error_code(std::errc::no_space_on_device));
}

TEST(StorageErrorTest, given_a_read_only_store_when_mapped_then_erofs) {
  const StorageError e(StorageErrc::kReadOnly, "read-only");
  EXPECT_EQ(posix_error_of(e), std::make_error_code(std::errc::read_only_file_system));
}

TEST(StorageErrorTest, given_damage_or_io_when_mapped_then_eio) {
  for (auto kind : {StorageErrc::kIo, StorageErrc::kDamaged, StorageErrc::kUnavailable,
                    StorageErrc::kNotAStore}) {
    EXPECT_EQ(posix_error_of(StorageError(kind, "x")), std::make_error_code(std::errc::io_error));
  }
}

TEST(StorageErrorTest, given_a_system_error_when_mapped_then_only_a_full_disk_is_enospc) {
  EXPECT_EQ(posix_error_of(std::system_error(ENOSPC, std::generic_category(), "write")),
            std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(posix_error_of(std::system_error(EDQUOT, std::system_category(), "write")),
            std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(posix_error_of(std::system_error(EACCES, std::generic_category(), "write")),
            std::make_error_code(std::errc::io_error));
  EXPECT_EQ(posix_error_of(std::runtime_error("other")), std::make_error_code(std::errc::io_error));
}

TEST(StorageErrorTest,
     given_a_storage_error_when_logged_then_the_site_is_named_without_directories) {
  const StorageError e(StorageErrc::kIo, "disk failed", {}, "/build/tree/index/src/db.cpp", 121);
  EXPECT_EQ(std::string(e.what()), "disk failed");
  EXPECT_EQ(e.where(), "db.cpp:121");
  EXPECT_EQ(log_text(e), "disk failed (db.cpp:121)");
  EXPECT_EQ(log_text(std::runtime_error("plain")), "plain");
}

TEST(StorageErrorTest, given_details_when_thrown_then_they_are_kept) {
  const StorageError e(StorageErrc::kDamaged, "damaged", {"page 3", "page 9"});
  ASSERT_EQ(e.details().size(), 2U);
  EXPECT_EQ(e.details()[1], "page 9");
  EXPECT_EQ(e.kind(), StorageErrc::kDamaged);
}

}  // namespace
}  // namespace squeezefs
