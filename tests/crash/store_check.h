#pragma once

#include <filesystem>

#include "crash_model.h"

namespace squeezefs::testing {

// The checks after a crash, on a closed store at `root`, opened normally (default VFS, real
// files, no repair). Each failure is reported as a gtest failure.
//
// check_files_match: the store opens; every name in `model` reads back without error as one of
// its allowed states (exactly its state when it has one), or, unsynced, as a block-by-block mix
// of them with not yet committed blocks reading as zeros; no other name exists in the root.
void check_files_match(const std::filesystem::path& root, const CrashModel& model);

// check_index_and_blocks: the index passes SQLite's integrity_check, and every block map entry
// lies inside its data file and decodes to bytes with the recorded checksum.
void check_index_and_blocks(const std::filesystem::path& root);

}  // namespace squeezefs::testing
