// `squeezefs fsck STORE [--repair] [--quick]`: checks (and repairs) an unmounted store. Exit
// codes follow e2fsck: 0 clean, 1 errors corrected, 4 errors left, 8 operational error, 16 usage.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "squeezefs/fs/check/store_check.h"
#include "store_access.h"
#include "store_wait.h"

namespace squeezefs::tools {
namespace {

// Rewrites one status line on a terminal.
void show_progress(std::string_view phase, std::uint64_t done, std::uint64_t total) {
  if (total > 1) {
    std::fprintf(stderr, "\rchecking %.*s: %llu/%llu\033[K", static_cast<int>(phase.size()),
                 phase.data(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  } else {
    std::fprintf(stderr, "\rchecking %.*s\033[K", static_cast<int>(phase.size()), phase.data());
  }
  std::fflush(stderr);
}

int print_report(const std::string& store, const fs::check::CheckReport& report, bool repair) {
  for (const auto& p : report.problems()) {
    std::printf("%s%s%s\n", p.path.c_str(), p.path.empty() ? "" : ": ", p.message.c_str());
  }
  if (!report.unsaved_files.empty()) {
    std::printf("files with damaged data%s:\n", repair ? " that could not be saved" : "");
    for (const auto& f : report.unsaved_files) std::printf("  %s\n", f.c_str());
  }
  if (report.index_damaged) {
    std::printf(
        "the index is damaged; the other checks were skipped and nothing was repaired (restore "
        "index.db from a backup)\n");
  }
  if (report.clean()) {
    std::printf("%s: clean\n", store.c_str());
    return kFsckClean;
  }
  const std::size_t errors = report.repaired_count() + report.left_count();
  std::printf("%s: %zu problem%s, %zu repaired, %zu left\n", store.c_str(), errors,
              errors == 1 ? "" : "s", report.repaired_count(), report.left_count());
  return report.left_count() > 0 ? kFsckErrorsLeft : kFsckCorrected;
}

int run_fsck(const std::string& store, bool repair, bool quick, std::chrono::seconds wait) {
  const fs::StoreLayout layout(store);
  if (!std::filesystem::is_directory(store) || !layout.is_store())
    throw CommandError(store + " is not a squeezefs store", kFsckOperational);
  // Even a check without --repair opens the index read-write (SQLite recovers its WAL).
  require_writable(store, "fsck", kFsckOperational);
  const auto lock = lock_store_waiting(layout, wait, kFsckOperational);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  fs::check::CheckReport report;
  try {
    report = fs::check::check_store(
        layout, fs::check::CheckOptions{repair, quick},
        tty ? fs::check::CheckProgress(show_progress) : fs::check::CheckProgress());
  } catch (const std::exception& e) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    throw CommandError("cannot check store " + store + ": " + e.what(), kFsckOperational);
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  return print_report(store, report, repair);
}

}  // namespace

void register_fsck(CLI::App& app) {
  auto* cmd = app.add_subcommand("fsck", "Check (and repair) an unmounted store");
  auto store = std::make_shared<std::string>();
  auto repair = std::make_shared<bool>(false);
  auto quick = std::make_shared<bool>(false);
  cmd->add_option("STORE", *store, "The store directory")->required();
  cmd->add_flag("--repair", *repair,
                "Fix what can be fixed without guessing (orphans, link counts, accounting, "
                "unreachable files to /lost+found); damaged files are only listed");
  cmd->add_flag("--quick", *quick, "Do not read and verify the stored blocks");
  auto wait = std::make_shared<unsigned>();
  add_wait_option(*cmd, wait);
  cmd->callback([=] {
    const int code = run_fsck(*store, *repair, *quick, std::chrono::seconds(*wait));
    if (code != kExitOk) throw CommandError("", code);
  });
}

}  // namespace squeezefs::tools
