#include "squeezefs/blockstore/local/data_file_names.h"

#include <cstdio>
#include <string_view>
#include <system_error>

// Copied from fs/check/src/data_file_names.cpp, which goes when check/ moves onto the block store
// (TODO(#16): step 7).
namespace squeezefs::blockstore {

std::filesystem::path data_file_path(const std::filesystem::path& data_dir, std::uint32_t id) {
  char name[32];
  std::snprintf(name, sizeof name, "%06u.dat", id);
  return data_dir / name;
}

std::string data_file_label(std::uint32_t id) {
  return "data/" + data_file_path("", id).string();
}

std::optional<std::uint32_t> data_file_id(const std::string& name) {
  constexpr std::string_view kSuffix = ".dat";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 10) return std::nullopt;
  std::uint64_t id = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (id > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(id);
}

std::map<std::uint32_t, std::uint64_t> list_data_files(const std::filesystem::path& data_dir) {
  std::map<std::uint32_t, std::uint64_t> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (!entry.is_regular_file()) continue;
    if (const auto id = data_file_id(entry.path().filename().string()))
      out[*id] = entry.file_size();
  }
  return out;
}

}  // namespace squeezefs::blockstore
