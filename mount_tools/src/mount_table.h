#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace squeezefs::tools {

// One squeezefs mount as this process's mount namespace lists it (/proc/self/mountinfo).
struct SqueezefsMount {
  std::filesystem::path store;        // the source: the store directory the mount serves
  std::filesystem::path mount_point;  // where it is mounted
};

// The store served at `mountpoint` (its fsname in /proc/self/mountinfo), or std::nullopt when
// `mountpoint` is not the mount point of a squeezefs mount.
[[nodiscard]] std::optional<std::filesystem::path> mounted_store(const std::string& mountpoint);

// The superblock options /proc/self/mountinfo lists for the mount at `mountpoint` ("rw,sync,
// user_id=0,..."); "" when nothing is mounted there.
[[nodiscard]] std::string mount_super_options(const std::string& mountpoint);

// The store of `mountpoint`; throws CommandError (kExitFailure) when it is not a squeezefs mount.
[[nodiscard]] std::filesystem::path store_of_mount(const std::string& mountpoint);

// The live mount of the store at `store` (compared after resolving symlinks), or std::nullopt
// when it is not mounted (in this mount namespace). A daemon still finishing after an unmount
// holds the store's lock but is no longer listed here.
[[nodiscard]] std::optional<SqueezefsMount> mount_of_store(const std::filesystem::path& store);

// The squeezefs mount that holds `path` (any path inside it, the mount point included), found by
// the device number stat() gives; std::nullopt when `path` is not on a squeezefs mount.
[[nodiscard]] std::optional<SqueezefsMount> mount_holding(const std::string& path);

}  // namespace squeezefs::tools
