#include "store_space.h"

#include <filesystem>

#include "squeezefs/index/index.h"

namespace squeezefs::testing {

std::uint64_t data_size(const std::string& store) {
  std::uint64_t sum = 0;
  for (const auto& e : std::filesystem::directory_iterator(store + "/data")) sum += e.file_size();
  return sum;
}

std::uint64_t live_bytes(const std::string& store) {
  auto idx = index::Index::open(store + "/index.db");
  std::uint64_t sum = 0;
  idx.for_each_stored_block([&](const index::StoredBlock& b) { sum += b.ref.stored_length; });
  return sum;
}

}  // namespace squeezefs::testing
