#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "squeezefs/blockstore/compaction.h"
#include "squeezefs/blockstore/local/container_problem.h"

namespace squeezefs::blockstore {

class LocalBlockStore;

// The Compaction part of a LocalBlockStore: data files are its containers. Copies go to data
// files of their own (not mixed with new puts), retired files are unlinked after the grace
// period. The accounts of live and total bytes per file are kept in memory, and in data/ledger
// when the store has a ledger (see LocalBlockStore): then they are trusted after a clean close;
// with external ids only for a store that started empty or after reset_accounting().
class LocalCompaction final : public Compaction {
 public:
  explicit LocalCompaction(LocalBlockStore& store) : store_(store) {}

  [[nodiscard]] std::vector<Container> containers() override;
  void seal_active() override;
  Copied copy_out(std::uint64_t group, std::span<const BlockAddress> blocks) override;
  void sync() override;
  void retire(std::span<const std::uint64_t> groups) override;
  std::size_t remove_leftovers(FunctionRef<bool(std::uint64_t group)> referenced) override;
  [[nodiscard]] bool accounting_trusted() override;
  void reset_accounting(const std::map<std::uint64_t, std::uint64_t>& live) override;

  // fsck, below the metadata. `live`: the bytes the metadata references in each group;
  // `furthest_end`: the furthest byte it references in each (offset + length). Appends to `out`
  // the groups referenced and missing, shorter than their furthest end, stray (a data file nothing
  // references and nothing appends to) and those whose live bytes differ from `live`. With
  // `repair` it deletes the strays and resets the accounting to `live` (those problems come back
  // with `repaired` set); missing and short ones cannot be repaired here. Throws StorageError.
  // TODO(#16): joins the Compaction interface when check/ moves onto it (step 7).
  void check(const std::map<std::uint64_t, std::uint64_t>& live,
             const std::map<std::uint64_t, std::uint64_t>& furthest_end, bool repair,
             std::vector<ContainerProblem>& out);

 private:
  LocalBlockStore& store_;
};

}  // namespace squeezefs::blockstore
