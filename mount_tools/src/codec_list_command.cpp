#include <cstdio>
#include <string>

#include "commands.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {

void register_codec_list(CLI::App& codec_group) {
  auto* cmd = codec_group.add_subcommand("list", "List the codecs with their ids and levels");
  cmd->callback([] {
    std::printf("%-11s %3s  %-8s %s\n", "NAME", "ID", "LEVELS", "DESCRIPTION");
    for (const codecs::Codec* codec : codecs::all_codecs()) {
      const codecs::LevelRange range = codec->levels();
      const std::string levels = range.min == range.max
                                     ? std::to_string(range.min)
                                     : std::to_string(range.min) + "-" + std::to_string(range.max);
      std::printf("%-11.*s %3d  %-8s %.*s (default level %d)\n",
                  static_cast<int>(codec->name().size()), codec->name().data(),
                  static_cast<int>(codec->id()), levels.c_str(),
                  static_cast<int>(codec->description().size()), codec->description().data(),
                  range.fallback);
    }
  });
}

}  // namespace squeezefs::tools
