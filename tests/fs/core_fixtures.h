// Fixtures shared by the core tests: a formatted store over an in-memory SQLite index with its
// namespace, and the same with a file data path over an in-memory block store and one empty
// regular file.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/memory_block_store.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/index/memory/memory_metadata_store.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::fs {

// A new store's metadata over an in-memory SQLite index, with the root directory. `index_` and
// `index_mutex_` are its engine and writer mutex, for FileData (and for tests that look at or
// damage rows directly).
// TODO(#16): FileData and the tests on the MetadataStore interface (step 4b)
class SqliteMetadataFixture {
 protected:
  SqliteMetadataFixture() { format_root(*metadata_, Caller{0, 0}); }

  std::unique_ptr<index::SqliteMetadataStore> metadata_ =
      index::SqliteMetadataStore::create(":memory:", index::StoreConfig{});
  index::Index& index_ = metadata_->legacy().index;
  Mutex& index_mutex_ = metadata_->legacy().mutex;
};

enum class MetadataKind { kMemory, kSqlite };

inline std::unique_ptr<index::MetadataStore> make_metadata(MetadataKind kind) {
  if (kind == MetadataKind::kMemory) return std::make_unique<index::MemoryMetadataStore>();
  return index::SqliteMetadataStore::create(":memory:", index::StoreConfig{});
}

inline std::string metadata_kind_name(const ::testing::TestParamInfo<MetadataKind>& info) {
  return info.param == MetadataKind::kMemory ? "Memory" : "Sqlite";
}

// A namespace over a new store's metadata, for value-parameterized tests (TEST_P) that run on
// every kind of metadata store: instantiate them with SQUEEZEFS_ON_EVERY_METADATA_STORE.
class NamespaceFixture : public ::testing::TestWithParam<MetadataKind> {
 protected:
  NamespaceFixture() { format_root(*metadata_, Caller{0, 0}); }

  std::unique_ptr<index::MetadataStore> metadata_ = make_metadata(GetParam());
  Namespace ns_{*metadata_};
};

#define SQUEEZEFS_ON_EVERY_METADATA_STORE(suite)                                            \
  INSTANTIATE_TEST_SUITE_P(Stores, suite,                                                   \
                           ::testing::Values(MetadataKind::kMemory, MetadataKind::kSqlite), \
                           metadata_kind_name)

// The file data path still runs on the SQLite engine.
// TODO(#16): on every metadata store once FileData uses the interface (step 4b)
class FileDataFixture : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  Namespace ns_{*metadata_};
  static constexpr std::uint32_t kBlock = 4096;

  FileDataFixture() {
    for (int i = 0; i < 8; ++i) index_.add_data_file();  // ids the memory store hands out
    ino_ = ns_.mknod(Namespace::kRootIno, "f", S_IFREG | 0644, 0, Caller{})->ino;
  }

  MemoryBlockStore store_{1 << 20};
  BlockIo io_{store_};
  FileData data_{index_, index_mutex_, io_, *codecs::find_codec(codecs::CodecId::kZstd), 3, kBlock};
  std::uint64_t ino_ = 0;
};

}  // namespace squeezefs::fs
