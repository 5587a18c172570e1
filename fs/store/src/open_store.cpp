#include "squeezefs/fs/store/open_store.h"

#include "backends.h"
#include "format_root.h"

namespace squeezefs::fs::store {

std::unique_ptr<OpenedStore> open_store(const StoreSpec& spec, const OpenOptions& options) {
  return backend_for(spec.scheme).open(spec, options);
}

Result<void> create_store(const StoreSpec& spec, const index::StoreConfig& config, Caller owner,
                          const BackendHooks& hooks) {
  auto metadata = backend_for(spec.scheme).create(spec, config, hooks);
  if (!metadata) return Unexpected{metadata.error()};
  format_root(**metadata, owner);
  // The metadata store closes here, which makes the new store durable (a clean close).
  return {};
}

std::filesystem::path runtime_dir_of(const StoreSpec& spec) {
  return backend_for(spec.scheme).runtime_dir(spec);
}

}  // namespace squeezefs::fs::store
