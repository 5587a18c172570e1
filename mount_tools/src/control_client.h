#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace squeezefs::tools {

// The store served at `mountpoint` (its fsname in /proc/self/mountinfo), or std::nullopt when
// `mountpoint` is not the mount point of a squeezefs mount.
[[nodiscard]] std::optional<std::filesystem::path> mounted_store(const std::string& mountpoint);

// The store of `mountpoint`; throws CommandError (kExitFailure) naming `command` when it is not
// a squeezefs mount.
[[nodiscard]] std::filesystem::path store_of_mount(const std::string& mountpoint);

// Sends `request` to the daemon serving `store` through its control socket. Progress lines go to
// `on_progress`; returns the "result" object. Throws CommandError for an "error" answer, a
// daemon that cannot be reached or a connection that ends early.
nlohmann::json call_daemon(const std::filesystem::path& store, const nlohmann::json& request,
                           const std::function<void(const nlohmann::json&)>& on_progress);

}  // namespace squeezefs::tools
