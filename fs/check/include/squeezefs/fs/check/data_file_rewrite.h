#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "squeezefs/fs/block_store.h"
#include "squeezefs/index/index.h"

namespace squeezefs::fs::check {

// The steps of compacting one data file, shared by the compaction of an unmounted store and that
// of a mounted one. Their crash-safe order: copy_blocks(), sync the copies, switch_blocks(), make
// that commit durable, and only then delete_data_files(). A crash at any point leaves either the
// old file referenced or the copies referenced, never neither.

// Copies the stored bytes of `blocks` (block map entries of data file `id`) from `in` to `out`
// without decoding them. Returns the entries repointed at their copies, or std::nullopt when a
// block cannot be read (`why` then names it; the copies made so far are dead bytes).
[[nodiscard]] std::optional<std::vector<index::StoredBlock>> copy_blocks(
    BlockStore& in, BlockStore& out, std::uint32_t id,
    const std::vector<index::StoredBlock>& blocks, std::string& why);

// In one transaction: repoints every block map entry that still lies where `blocks` says at its
// copy in `copies` (same order), accounts the copies as written (a copy of a block removed or
// rewritten meanwhile as written and freed), and drops the row of data file `id`. Returns how
// many entries moved. Throws (rolled back) when a block still references `id` afterwards.
std::uint64_t switch_blocks(index::Index& index, std::uint32_t id,
                            const std::vector<index::StoredBlock>& blocks,
                            const std::vector<index::StoredBlock>& copies);

// Unlinks data files (missing ones are fine), then syncs the directory. Throws std::system_error.
void delete_data_files(const std::filesystem::path& data_dir,
                       const std::vector<std::uint32_t>& ids);

}  // namespace squeezefs::fs::check
