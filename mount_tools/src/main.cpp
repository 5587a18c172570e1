#include <cstdio>
#include <exception>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"squeezefs: a transparently compressing filesystem", "squeezefs"};
  app.require_subcommand(1);
  auto* codec = app.add_subcommand("codec", "Compress, decompress and benchmark with the codecs");
  codec->require_subcommand(1);
  squeezefs::tools::register_codec_list(*codec);
  squeezefs::tools::register_codec_compress(*codec);
  squeezefs::tools::register_codec_decompress(*codec);
  squeezefs::tools::register_codec_info(*codec);
  squeezefs::tools::register_codec_bench(*codec);
  squeezefs::tools::register_mkfs(app);
  squeezefs::tools::register_mount(app);
  squeezefs::tools::register_fsck(app);
  squeezefs::tools::register_compact(app);
  squeezefs::tools::register_scrub(app);
  squeezefs::tools::register_sync(app);
  squeezefs::tools::register_umount(app);
  squeezefs::tools::register_version(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    if (rc == 0) return 0;
    // fsck keeps e2fsck's usage code so scripts written for fsck tools work unchanged.
    if (app.got_subcommand("fsck")) return squeezefs::tools::kFsckUsage;
    return squeezefs::tools::kExitUsage;
  } catch (const squeezefs::tools::CommandError& e) {
    // An empty message carries only an exit code (fsck reports its findings itself).
    if (*e.what() != '\0') std::fprintf(stderr, "squeezefs: %s\n", e.what());
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "squeezefs: %s\n", e.what());
    return squeezefs::tools::kExitFailure;
  }
  return squeezefs::tools::kExitOk;
}
