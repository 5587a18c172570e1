#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "squeezefs/common/result.h"
#include "squeezefs/fs/store/open_store.h"

namespace squeezefs::fs::store {

// One kind of store, reached by the scheme of its URL ("file" for local directories).
struct Backend {
  std::string_view scheme;
  std::unique_ptr<OpenedStore> (*open)(const StoreSpec& spec, const OpenOptions& options);
  // Creates an empty store and returns its metadata store, opened read-write, in which
  // create_store() then formats the root directory. Errors as create_store().
  Result<std::unique_ptr<index::MetadataStore>> (*create)(const StoreSpec& spec,
                                                          const index::StoreConfig& config,
                                                          const BackendHooks& hooks);
  std::filesystem::path (*runtime_dir)(const StoreSpec& spec);
};

// Every backend of this build, in one table written out by hand: self-registering objects in a
// static library can be dropped by the linker (STYLE).
std::span<const Backend> backends();

// The backend of `scheme`; throws StorageError kNotAStore naming it and the supported schemes.
const Backend& backend_for(std::string_view scheme);

}  // namespace squeezefs::fs::store
