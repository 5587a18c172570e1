#pragma once

#include "squeezefs/blockstore/compaction.h"

namespace squeezefs::blockstore {

class LocalBlockStore;

// The Compaction part of a LocalBlockStore: data files are its containers. Copies go to data
// files of their own (not mixed with new puts), retired files are unlinked after the grace
// period, and the ledger of live and total bytes per file is kept in memory only.
// TODO(#16): step 6 persists the ledger (data/ledger), so that it is trusted after a clean close;
// until then it is trusted only for a store that started empty or after reset_accounting().
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

 private:
  LocalBlockStore& store_;
};

}  // namespace squeezefs::blockstore
