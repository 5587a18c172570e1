#pragma once

#include <spdlog/spdlog.h>

namespace squeezefs {

// The filesystem layer's named logger ("fs"). Created on first use with a stderr sink unless the
// program registered its own "fs" logger before.
spdlog::logger& log();

}  // namespace squeezefs
