#include "squeezefs/common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace squeezefs {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("fs")) return existing;
    return spdlog::stderr_color_mt("fs");
  }();
  return *logger;
}

}  // namespace squeezefs
