#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

namespace squeezefs::tools {

// Exit codes of the `squeezefs` command (documented in README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // an operation failed (I/O error, corrupt input, ...)
  kExitUsage = 2,    // bad command line: unknown option, codec or level
};

// Exit codes of `squeezefs fsck`, as e2fsck's (bits that can combine).
enum FsckExitCode : int {
  kFsckClean = 0,
  kFsckCorrected = 1,    // problems found, all repaired
  kFsckErrorsLeft = 4,   // problems left (without --repair: any problem)
  kFsckOperational = 8,  // not a store, mounted, the index cannot be opened, I/O failure
  kFsckUsage = 16,       // bad command line
};

// Thrown by a command to end the program with a one-line message on stderr and `code`.
class CommandError : public std::runtime_error {
 public:
  CommandError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

// Each register_* adds one subcommand to `parent` and arranges for it to run when parsed.
void register_codec_list(CLI::App& codec_group);
void register_codec_compress(CLI::App& codec_group);
void register_codec_decompress(CLI::App& codec_group);
void register_codec_info(CLI::App& codec_group);
void register_codec_bench(CLI::App& codec_group);
void register_mkfs(CLI::App& app);
void register_mount(CLI::App& app);
void register_fsck(CLI::App& app);
void register_compact(CLI::App& app);
void register_scrub(CLI::App& app);
void register_sync(CLI::App& app);
void register_umount(CLI::App& app);
void register_version(CLI::App& app);

// "squeezefs VERSION (commit HASH)", as `--version` starts and the daemon logs at start-up.
[[nodiscard]] std::string version_line();

}  // namespace squeezefs::tools
