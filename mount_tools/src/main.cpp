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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : squeezefs::tools::kExitUsage;
  } catch (const squeezefs::tools::CommandError& e) {
    std::fprintf(stderr, "squeezefs: %s\n", e.what());
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "squeezefs: %s\n", e.what());
    return squeezefs::tools::kExitFailure;
  }
  return squeezefs::tools::kExitOk;
}
