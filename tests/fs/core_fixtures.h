// Fixtures shared by the core tests: a formatted in-memory index with its namespace, and the
// same with a file data path over an in-memory block store and one empty regular file.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/memory_block_store.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

class NamespaceFixture : public ::testing::Test {
 protected:
  NamespaceFixture() { Namespace::format(index_, Caller{0, 0}); }

  index::Index index_ = index::Index::create(":memory:", index::StoreConfig{});
  Namespace ns_{index_};
};

class FileDataFixture : public NamespaceFixture {
 protected:
  static constexpr std::uint32_t kBlock = 4096;

  FileDataFixture() {
    for (int i = 0; i < 8; ++i) index_.add_data_file();  // ids the memory store hands out
    ino_ = ns_.mknod(Namespace::kRootIno, "f", S_IFREG | 0644, 0, Caller{})->ino;
  }

  MemoryBlockStore store_{1 << 20};
  BlockIo io_{store_};
  FileData data_{index_, ns_.index_mutex(), io_, *codecs::find_codec(codecs::CodecId::kZstd), 3,
                 kBlock};
  std::uint64_t ino_ = 0;
};

}  // namespace squeezefs::fs
