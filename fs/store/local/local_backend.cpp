#include "local_backend.h"

#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "squeezefs/blockstore/local/id_source.h"
#include "squeezefs/blockstore/local/local_block_store.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/fs/store_lock.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::fs::store {
namespace {

namespace stdfs = std::filesystem;

// Ids of new data files from the index's data_files table, as the core takes them today.
std::unique_ptr<blockstore::IdSource> data_file_ids(index::MetadataStore& metadata) {
  return std::make_unique<blockstore::ExternalIdSource>([&metadata] {
    return metadata.transact([](index::MetadataTxn& txn) { return txn.add_data_file(); });
  });
}

blockstore::LocalBlockStoreOptions block_options(const BackendHooks& hooks) {
  blockstore::LocalBlockStoreOptions options;
  if (hooks.data_file_limit != 0) options.file_limit = hooks.data_file_limit;
  return options;
}

// Members in the order they are built; destroyed in reverse: blocks, metadata, then the lock.
class LocalOpenedStore final : public OpenedStore {
 public:
  LocalOpenedStore(std::string name, const StoreLayout& layout, StoreLock lock,
                   std::unique_ptr<index::SqliteMetadataStore> metadata, const BackendHooks& hooks)
      : name_(std::move(name)),
        layout_(layout),
        lock_(std::move(lock)),
        metadata_(std::move(metadata)),
        blocks_(layout_.data(), data_file_ids(*metadata_), block_options(hooks),
                hooks.data_io != nullptr ? *hooks.data_io : posix_file_io()) {}

  index::MetadataStore& metadata() override { return *metadata_; }
  blockstore::BlockStore& blocks() override { return blocks_; }
  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] stdfs::path runtime_dir() const override { return layout_.root(); }

 private:
  const std::string name_;
  const StoreLayout layout_;
  StoreLock lock_;
  const std::unique_ptr<index::SqliteMetadataStore> metadata_;
  blockstore::LocalBlockStore blocks_;
};

// Refuses what is not a store before anything opens it (the lock opens index.db).
void require_store(const StoreLayout& layout) {
  const auto root = layout.root().string();
  std::error_code ec;
  const auto status = stdfs::status(layout.root(), ec);
  if (status.type() == stdfs::file_type::not_found)
    throw StorageError(StorageErrc::kNotAStore, root + ": no such store (nothing is there)");
  if (ec) throw StorageError(StorageErrc::kIo, root + ": " + ec.message());
  if (!stdfs::is_directory(status))
    throw StorageError(StorageErrc::kNotAStore,
                       root + " is not a squeezefs store (not a directory)");
  if (!layout.is_store()) {
    throw StorageError(StorageErrc::kNotAStore,
                       root + " is not a squeezefs store (it holds no index.db)");
  }
}

StoreLock lock_store(const StoreLayout& layout, const OpenOptions& options) {
  std::optional<StoreLock> lock;
  // What on_lock_wait threw, passed on as it is: StoreLock's own failures are wrapped below, and
  // a std::system_error from the callback must not be taken for one of them.
  std::exception_ptr refused;
  const auto keep_waiting = [&](std::chrono::milliseconds waited) {
    if (!options.on_lock_wait) return true;
    try {
      return options.on_lock_wait(waited);
    } catch (...) {
      refused = std::current_exception();
      return false;
    }
  };
  try {
    if (options.lock_wait.count() <= 0 && !options.on_lock_wait) {
      lock = StoreLock::try_acquire(layout);
    } else {
      lock = StoreLock::acquire_waiting(layout, options.lock_wait, keep_waiting);
    }
  } catch (const std::system_error& e) {
    throw StorageError(StorageErrc::kIo, std::string("cannot lock the store: ") + e.what());
  }
  if (refused) std::rethrow_exception(refused);
  if (!lock) {
    // Who holds it is known only to the caller (a live mount is in the mount table, which
    // on_lock_wait may look at and name by throwing).
    std::string what = layout.root().string() + " is in use";
    if (options.lock_wait.count() > 0)
      what += " after waiting " + std::to_string(options.lock_wait.count()) + " ms";
    throw StorageError(StorageErrc::kLocked,
                       what +
                           " (it is mounted, its daemon is finishing, or another squeezefs "
                           "command works on it)");
  }
  return std::move(*lock);
}

}  // namespace

std::unique_ptr<OpenedStore> open_local(const StoreSpec& spec, const OpenOptions& options) {
  const StoreLayout layout(spec.metadata);
  require_store(layout);
  auto held = lock_store(layout, options);
  index::SqliteOpenOptions sqlite;
  // kReadOnly opens a cleanly closed index immutable (writes and creates nothing), as a
  // read-only mount does today.
  sqlite.access = options.access == Access::kReadOnly ? index::SqliteAccess::kReadOnly
                                                      : index::SqliteAccess::kReadWrite;
  sqlite.vfs = options.hooks.sqlite_vfs;
  sqlite.quick_check = options.check;
  sqlite.group_commit = options.group_commit;
  auto metadata = index::SqliteMetadataStore::open(layout.index().string(), sqlite);
  return std::make_unique<LocalOpenedStore>(spec.metadata, layout, std::move(held),
                                            std::move(metadata), options.hooks);
}

Result<std::unique_ptr<index::MetadataStore>> create_local(const StoreSpec& spec,
                                                           const index::StoreConfig& config,
                                                           const BackendHooks& hooks) {
  const StoreLayout layout(spec.metadata);
  if (stdfs::exists(layout.root())) {
    if (!stdfs::is_directory(layout.root())) return fail(std::errc::not_a_directory);
    if (layout.is_store()) return fail(std::errc::file_exists);
    if (!stdfs::is_empty(layout.root())) return fail(std::errc::directory_not_empty);
  }
  stdfs::create_directories(layout.data());
  std::unique_ptr<index::MetadataStore> metadata =
      index::SqliteMetadataStore::create(layout.index().string(), config, hooks.sqlite_vfs);
  return metadata;
}

stdfs::path runtime_dir_local(const StoreSpec& spec) {
  return StoreLayout(spec.metadata).root();
}

}  // namespace squeezefs::fs::store
