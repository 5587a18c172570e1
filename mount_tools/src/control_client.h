#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "mount_table.h"

namespace squeezefs::tools {

// Sends `request` to the daemon serving `store` through its control socket. Progress lines go to
// `on_progress`; returns the "result" object. Throws CommandError for an "error" answer, a
// daemon that cannot be reached or a connection that ends early.
nlohmann::json call_daemon(const std::filesystem::path& store, const nlohmann::json& request,
                           const std::function<void(const nlohmann::json&)>& on_progress);

}  // namespace squeezefs::tools
