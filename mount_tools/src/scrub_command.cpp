// `squeezefs scrub MOUNTPOINT [--rate MB/s]`: has the daemon serving a mount read and verify every
// stored block while the store stays in use, and names the damaged files.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "commands.h"
#include "control_client.h"

namespace squeezefs::tools {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

void run_scrub(const std::string& mountpoint, double rate_mib) {
  const auto store = store_of_mount(mountpoint);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto progress = [&](const nlohmann::json& line) {
    if (!tty) return;
    std::fprintf(stderr, "\rscrubbing: %.1f/%.1f MiB\033[K",
                 static_cast<double>(line.value("progress", std::uint64_t{0})) / kMiB,
                 static_cast<double>(line.value("total", std::uint64_t{0})) / kMiB);
    std::fflush(stderr);
  };
  nlohmann::json result;
  try {
    result = call_daemon(store, {{"op", "scrub"}, {"rate", rate_mib * kMiB}}, progress);
  } catch (...) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    throw;
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  // One line per damaged file, with its damaged blocks.
  std::map<std::string, std::set<std::uint64_t>> files;
  std::map<std::string, std::string> reasons;
  for (const auto& d : result["damaged"]) {
    const auto path = d.value("path", std::string());
    files[path].insert(d.value("block", std::uint64_t{0}));
    reasons.emplace(path, d.value("why", std::string()));
  }
  for (const auto& [path, blocks] : files) {
    std::string list;
    for (const auto b : blocks) list += (list.empty() ? "" : ",") + std::to_string(b);
    std::printf("damaged: %s (block %s: %s)\n", path.c_str(), list.c_str(), reasons[path].c_str());
  }
  std::printf("%s: %llu blocks (%.1f MiB stored) verified, %zu damaged files\n", mountpoint.c_str(),
              result.value("blocks", 0ULL),
              static_cast<double>(result.value("stored_bytes", std::uint64_t{0})) / kMiB,
              files.size());
  if (result.value("stopped", false))
    throw CommandError("the scrub was stopped before the end (unmounted?)", kExitFailure);
  if (!files.empty()) throw CommandError("", kExitFailure);
}

}  // namespace

void register_scrub(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "scrub", "Verify every stored block of a mounted store while it stays in use");
  auto mountpoint = std::make_shared<std::string>();
  auto rate = std::make_shared<double>(100.0);
  cmd->add_option("MOUNTPOINT", *mountpoint, "Where the store is mounted")->required();
  cmd->add_option("--rate", *rate,
                  "Read at most this many MiB of stored data per second (0: no "
                  "limit; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([=] { run_scrub(*mountpoint, *rate); });
}

}  // namespace squeezefs::tools
