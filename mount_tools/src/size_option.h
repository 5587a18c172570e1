#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace squeezefs::tools {

// Parses a byte count: digits with an optional K, M or G suffix (binary multiples, case
// insensitive), e.g. "4096", "64K", "1M", "1G". Returns nullopt for anything else or overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

}  // namespace squeezefs::tools
