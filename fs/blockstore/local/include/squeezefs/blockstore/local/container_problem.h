#pragma once

#include <cstdint>

namespace squeezefs::blockstore {

// What LocalCompaction::check() finds wrong with a container (a data file), below the metadata.
// TODO(#16): moves next to Compaction when check() joins that interface (step 7).
struct ContainerProblem {
  enum class Kind {
    kMissing,     // the metadata references it, and it does not exist
    kStray,       // it exists, and nothing references it (repair deletes it)
    kShort,       // it ends before the furthest byte the metadata references in it
    kAccounting,  // the ledger's live bytes differ from what the metadata references
  };
  Kind kind = Kind::kMissing;
  std::uint64_t group = 0;
  std::uint64_t expected = 0;  // kShort: the furthest referenced end; kAccounting: live bytes
  std::uint64_t found = 0;     // kShort: the file's size; kAccounting: the ledger's live bytes
  bool repaired = false;

  bool operator==(const ContainerProblem&) const = default;
};

}  // namespace squeezefs::blockstore
