#pragma once

#include <filesystem>
#include <memory>

#include "squeezefs/common/result.h"
#include "squeezefs/fs/store/open_store.h"

namespace squeezefs::fs::store {

// The local store: a directory holding the SQLite index and the data files (fs::StoreLayout),
// locked with an flock on its index (fs::StoreLock). A row of the backend table (scheme "file");
// `spec.metadata` is the directory.

// Lock, then the index (immutable when read-only and cleanly closed; checked when
// options.check), then the data files. Errors as open_store().
std::unique_ptr<OpenedStore> open_local(const StoreSpec& spec, const OpenOptions& options);

// The checks of make_store (EEXIST, ENOTEMPTY, ENOTDIR), then the directory, its data directory
// and a new index, returned open read-write.
Result<std::unique_ptr<index::MetadataStore>> create_local(const StoreSpec& spec,
                                                           const index::StoreConfig& config,
                                                           const BackendHooks& hooks);

// The store's directory: its control socket and daemon log live there.
std::filesystem::path runtime_dir_local(const StoreSpec& spec);

}  // namespace squeezefs::fs::store
