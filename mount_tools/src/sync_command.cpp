// `squeezefs sync MOUNTPOINT|PATH`: makes everything written to a squeezefs mount so far durable
// (compressed, stored, synced and committed) before it returns.
#include <memory>
#include <string>

#include "commands.h"
#include "daemon_sync.h"

namespace squeezefs::tools {
namespace {

void run_sync(const std::string& path) {
  const auto mount = mount_holding(path);
  if (!mount) throw CommandError(path + " is not inside a mounted squeezefs store", kExitFailure);
  sync_mount(*mount);
}

}  // namespace

void register_sync(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sync", "Make everything written to a mounted store durable before returning");
  auto path = std::make_shared<std::string>();
  cmd->add_option("PATH", *path, "The mount point, or any path inside the mount")->required();
  cmd->callback([=] { run_sync(*path); });
}

}  // namespace squeezefs::tools
