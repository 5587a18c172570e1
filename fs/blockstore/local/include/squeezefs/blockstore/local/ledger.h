#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "squeezefs/common/file_io.h"

namespace squeezefs::blockstore {

// What a local store knows about the space in one data file.
struct ContainerAccount {
  std::uint64_t live = 0;   // put minus released
  std::uint64_t total = 0;  // bytes ever put into it
  std::uint64_t dead = 0;   // released before any metadata referenced them (kNeverReferenced)

  bool operator==(const ContainerAccount&) const = default;
};

// The contents of a local store's ledger.
struct LedgerRecord {
  // No data file with this id or a higher one was ever created: the next store open starts here.
  std::uint64_t high_water = 1;
  // Written by a clean close: the accounts are exact. A read-write open writes the ledger with
  // clean = false before its first put, so a ledger left by a crash always says so.
  bool clean = false;
  std::map<std::uint32_t, ContainerAccount> containers;

  bool operator==(const LedgerRecord&) const = default;
};

// Format 1 of a ledger copy, little-endian:
//   "SQZLEDGR"  u32 version = 1  u32 flags (bit 0: clean)  u64 sequence  u64 high_water
//   u64 count  count x {u64 id, u64 live, u64 total, u64 dead} (ids ascending)
//   u64 XXH3-64 of every byte before it
// `sequence` orders the copies (see LedgerFile).
[[nodiscard]] std::vector<std::byte> encode_ledger(const LedgerRecord& record,
                                                   std::uint64_t sequence);
struct DecodedLedger {
  LedgerRecord record;
  std::uint64_t sequence = 0;
};
// std::nullopt for anything that is not an intact format-1 copy (torn, damaged, truncated,
// another version): such a copy is never trusted.
[[nodiscard]] std::optional<DecodedLedger> decode_ledger(std::span<const std::byte> bytes);

// The ledger file of a local store, STORE/data/ledger, kept as two copies, data/ledger.0 and
// data/ledger.1. A write replaces the older copy (truncate, write, fdatasync; the directory is
// synced when it creates the copy), and a read takes the intact copy with the higher sequence.
// A write that a power loss tears damages only the copy it was writing, so the other, older copy
// is read instead: the same atomicity as a temporary file renamed over the ledger, through the
// calls FileIo has (it has no rename), and one fdatasync per write instead of three syncs.
//
// All access goes through `io`, which must outlive this object. Not thread-safe: the store's
// lock guards it. I/O failures throw std::system_error; after a failed write the next write goes
// to the same copy again, so the intact older copy is never the one overwritten.
class LedgerFile {
 public:
  LedgerFile(std::filesystem::path data_dir, FileIo& io);

  // The newest intact copy; std::nullopt when there is none (a store that never wrote one, or
  // both copies damaged). Writes nothing.
  [[nodiscard]] std::optional<LedgerRecord> read();
  // Makes `record` the ledger, durably, before returning.
  void write(const LedgerRecord& record);

  // The path of copy 0 or 1.
  [[nodiscard]] static std::filesystem::path copy_path(const std::filesystem::path& data_dir,
                                                       int copy);

 private:
  std::optional<DecodedLedger> read_copy(int copy);

  std::filesystem::path dir_;
  FileIo& io_;
  bool located_ = false;  // newest_ is known
  std::optional<int> newest_;
  std::uint64_t newest_sequence_ = 0;
};

}  // namespace squeezefs::blockstore
