#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace squeezefs::blockstore {

// STORE/data/NNNNNN.dat: the data file that holds group `id` of a local store.
[[nodiscard]] std::filesystem::path data_file_path(const std::filesystem::path& data_dir,
                                                   std::uint32_t id);
// "data/NNNNNN.dat", the name reports use.
[[nodiscard]] std::string data_file_label(std::uint32_t id);
// The id in a data file's name, or std::nullopt for other names.
[[nodiscard]] std::optional<std::uint32_t> data_file_id(const std::string& name);
// The data files present in `data_dir` (id -> size in bytes). Empty when the directory is missing.
[[nodiscard]] std::map<std::uint32_t, std::uint64_t> list_data_files(
    const std::filesystem::path& data_dir);

}  // namespace squeezefs::blockstore
