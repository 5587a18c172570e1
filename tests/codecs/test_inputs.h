#pragma once

// Input shapes shared by the codec tests: sizes around every boundary the codecs care about and
// data of very different statistics.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace squeezefs::testing {

using Bytes = std::vector<std::byte>;

enum class Shape { kRandom, kZeros, kRuns, kPeriodic, kSkewed, kText };

[[nodiscard]] std::string to_string(Shape shape);
[[nodiscard]] const std::vector<Shape>& all_shapes();

// Sizes the round-trip suites cover: 0, 1, 2, 7, 8, 255, 256, around 8162, 65535-65537 and 1 MiB.
[[nodiscard]] const std::vector<std::size_t>& boundary_sizes();

// Deterministic data of the given shape and size; `seed` varies the content.
[[nodiscard]] Bytes make_input(Shape shape, std::size_t size, std::uint64_t seed = 1);

[[nodiscard]] Bytes from_hex(const std::string& hex);
[[nodiscard]] Bytes from_string(const std::string& text);
[[nodiscard]] Bytes read_file(const std::filesystem::path& path);

// The shared corpus directory, when the tree sits beside it.
[[nodiscard]] std::optional<std::filesystem::path> corpus_dir();

}  // namespace squeezefs::testing
