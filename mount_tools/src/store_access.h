#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace squeezefs::tools {

// The first part of the store at `store` (the directory, its index or its data directory) that
// the caller cannot write, as "PATH: REASON"; std::nullopt when all can be written. Root passes
// permission bits, so for it this finds read-only media (a read-only bind mount, loop device or
// snapshot).
std::optional<std::string> unwritable_part(const std::filesystem::path& store);

// Throws CommandError with `code` when the store cannot be written, saying that `command` (e.g.
// "fsck") needs to write to it.
void require_writable(const std::filesystem::path& store, std::string_view command, int code);

}  // namespace squeezefs::tools
