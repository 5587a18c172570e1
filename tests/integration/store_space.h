#pragma once

#include <cstdint>
#include <string>

namespace squeezefs::testing {

// Bytes in the data files of the store at `store` (what compaction must bring down).
std::uint64_t data_size(const std::string& store);
// Stored bytes of every block map entry: the compressed size of the live data.
std::uint64_t live_bytes(const std::string& store);

}  // namespace squeezefs::testing
