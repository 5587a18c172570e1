// `squeezefs version` and `squeezefs --version`: what this build is and what it can read and
// write, for bug reports and for checking that a store and a build fit together.
#include <cstdio>
#include <string>

#include "commands.h"
#include "frame_format.h"
#include "squeezefs/codecs/registry.h"
#include "squeezefs/index/index.h"
#include "squeezefs_version.h"

namespace squeezefs::tools {

std::string version_line() {
  return std::string("squeezefs ") + SQUEEZEFS_VERSION + " (commit " + SQUEEZEFS_COMMIT + ")";
}

std::string version_text() {
  std::string codec_names;
  for (const codecs::Codec* codec : codecs::all_codecs()) {
    if (!codec_names.empty()) codec_names += ", ";
    codec_names +=
        std::string(codec->name()) + " (" + std::to_string(static_cast<int>(codec->id())) + ")";
  }
  // Each build reads and writes exactly its own formats (a newer index is refused).
  return version_line() + "\ncodecs: " + codec_names + "\nformats: store index " +
         std::to_string(index::Index::kFormatVersion) + ", framed files " +
         std::to_string(kFrameVersion) + "\n";
}

void register_version(CLI::App& app) {
  app.set_version_flag("--version", [] {
    auto text = version_text();
    text.pop_back();  // CLI11 ends the text with a newline itself
    return text;
  });
  auto* cmd = app.add_subcommand(
      "version", "Print the version, the commit it was built from, the codecs and store formats");
  cmd->callback([] { std::fputs(version_text().c_str(), stdout); });
}

}  // namespace squeezefs::tools
