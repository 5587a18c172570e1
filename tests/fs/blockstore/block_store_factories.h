#pragma once

#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "crash/power_loss_file_io.h"
#include "squeezefs/blockstore/local/local_block_store.h"
#include "squeezefs/blockstore/memory/memory_block_store.h"

// The stores the block-store contract runs on (tests/contracts/block_store_contract.h).
namespace squeezefs::blockstore::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "squeezefs-blockstore-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct MemoryFactory {
  static constexpr bool kCanCrash = true;
  static constexpr bool kPersistsAccounting = false;  // no compaction

  std::unique_ptr<BlockStore> make() {
    auto store = std::make_unique<MemoryBlockStore>();
    media = store->media();
    return store;
  }
  std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store) {
    store.reset();
    return std::make_unique<MemoryBlockStore>(media);
  }
  std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t /*seed*/) {
    dynamic_cast<MemoryBlockStore&>(*store).crash();
    return reopen(std::move(store));
  }

  std::shared_ptr<MemoryBlockStore::Media> media;
};

// Small data files, so that the cases roll over files and compaction has several to work on.
inline constexpr std::uint64_t kTestFileLimit = 64 * 1024;

// Ids as a persisted high-water mark hands them out: never twice, not even after a crash.
struct CountingIds {
  std::atomic<std::uint32_t> last{0};
  std::unique_ptr<IdSource> source() {
    return std::make_unique<ExternalIdSource>([this] { return ++last; });
  }
};

struct LocalFactory {
  static constexpr bool kCanCrash = false;            // the page cache cannot be dropped from here
  static constexpr bool kPersistsAccounting = false;  // external ids: no ledger file

  std::unique_ptr<BlockStore> make() { return open(); }
  std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store) {
    store.reset();
    return open();
  }
  std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t /*seed*/) {
    return reopen(std::move(store));
  }
  std::unique_ptr<LocalBlockStore> open() {
    return std::make_unique<LocalBlockStore>(
        dir.path() / "data", ids.source(),
        LocalBlockStoreOptions{kTestFileLimit, std::chrono::milliseconds(0)});
  }

  TempDir dir;
  CountingIds ids;
};

// The local store over the power-loss layer of the crash tests: a crash takes back what was not
// synced, except for a prefix of each file's changes, and tears the last write that survives.
struct PowerLossLocalFactory {
  static constexpr bool kCanCrash = true;
  static constexpr bool kPersistsAccounting = false;

  std::unique_ptr<BlockStore> make() { return open(); }
  std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store) {
    store.reset();
    return open();
  }
  std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t seed) {
    io.cut_power();
    store.reset();
    changes.revert(index::testing::PowerLoss{0.0, seed, true, true});
    io.power_on();
    return open();
  }
  std::unique_ptr<LocalBlockStore> open() {
    return std::make_unique<LocalBlockStore>(
        dir.path() / "data", ids.source(),
        LocalBlockStoreOptions{kTestFileLimit, std::chrono::milliseconds(0)}, io);
  }

  TempDir dir;
  CountingIds ids;
  index::testing::UnsyncedChanges changes;
  squeezefs::testing::PowerLossFileIo io{changes, nullptr};
};

// The local store with a ledger of its own (data/ledger, ids from its high-water mark).
struct LedgerFactory {
  static constexpr bool kCanCrash = false;
  static constexpr bool kPersistsAccounting = true;

  std::unique_ptr<BlockStore> make() { return open(); }
  std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store) {
    store.reset();
    return open();
  }
  std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t /*seed*/) {
    return reopen(std::move(store));
  }
  std::unique_ptr<LocalBlockStore> open(LedgerAccess access = LedgerAccess::kReadWrite) {
    return std::make_unique<LocalBlockStore>(
        dir.path() / "data", access,
        LocalBlockStoreOptions{kTestFileLimit, std::chrono::milliseconds(0)});
  }

  TempDir dir;
};

// The local store with a ledger over the power-loss layer: the ledger's writes are cut and torn
// like the data files'.
struct PowerLossLedgerFactory {
  static constexpr bool kCanCrash = true;
  static constexpr bool kPersistsAccounting = true;

  std::unique_ptr<BlockStore> make() { return open(); }
  std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store) {
    store.reset();
    return open();
  }
  std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t seed) {
    io.cut_power();
    store.reset();
    changes.revert(index::testing::PowerLoss{0.0, seed, true, true});
    io.power_on();
    return open();
  }
  std::unique_ptr<LocalBlockStore> open(LedgerAccess access = LedgerAccess::kReadWrite) {
    return std::make_unique<LocalBlockStore>(
        dir.path() / "data", access,
        LocalBlockStoreOptions{kTestFileLimit, std::chrono::milliseconds(0)}, io);
  }

  TempDir dir;
  index::testing::UnsyncedChanges changes;
  // Decides before each write, truncation and sync whether the power fails there; none if empty.
  index::testing::PowerHook hook;
  squeezefs::testing::PowerLossFileIo io{
      changes, [this](index::testing::FaultOp op, const std::string& path) {
        return !hook || hook(op, path);
      }};
};

}  // namespace squeezefs::blockstore::testing
