#include "squeezefs/fs/store_layout.h"

#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::fs {

bool StoreLayout::wal_has_frames() const {
  constexpr std::uintmax_t kWalHeaderBytes = 32;
  std::error_code ec;
  const auto size = std::filesystem::file_size(index_wal(), ec);
  // A WAL that cannot be looked at might hold commits.
  if (ec) return ec != std::errc::no_such_file_or_directory;
  return size > kWalHeaderBytes;
}

Result<void> make_store(const std::filesystem::path& root, const index::StoreConfig& config,
                        Caller owner) {
  namespace stdfs = std::filesystem;
  const StoreLayout layout(root);
  if (stdfs::exists(root)) {
    if (!stdfs::is_directory(root)) return fail(std::errc::not_a_directory);
    if (layout.is_store()) return fail(std::errc::file_exists);
    if (!stdfs::is_empty(root)) return fail(std::errc::directory_not_empty);
  }
  stdfs::create_directories(layout.data());
  const auto metadata = index::SqliteMetadataStore::create(layout.index().string(), config);
  format_root(*metadata, owner);
  return {};
}

}  // namespace squeezefs::fs
