#pragma once

#include <filesystem>
#include <string>

#include "squeezefs/blockstore/block_store.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::store {

// An opened store, locked for this process: its metadata and block stores, and what the tools
// need to describe it. Both stores live as long as this object. Destruction closes the block
// store, then the metadata store (committing what it holds, as a clean close), and then releases
// the lock.
//
// Thread-safety: the accessors may be called from any thread; the stores are thread-safe.
class OpenedStore {
 public:
  OpenedStore() = default;
  OpenedStore(const OpenedStore&) = delete;
  OpenedStore& operator=(const OpenedStore&) = delete;
  virtual ~OpenedStore() = default;

  virtual index::MetadataStore& metadata() = 0;
  virtual blockstore::BlockStore& blocks() = 0;
  // The mount source in /proc/mounts and in messages: the store's path as given, or a URL
  // without secrets.
  [[nodiscard]] virtual std::string name() const = 0;
  // Where this host keeps the store's control socket and daemon log: the store's directory for a
  // local store.
  [[nodiscard]] virtual std::filesystem::path runtime_dir() const = 0;
};

}  // namespace squeezefs::fs::store
