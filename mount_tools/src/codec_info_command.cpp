// `squeezefs codec info`: describes a framed file and checks its structure without
// decompressing (checksums need the raw data, so `decompress` is the full check).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "frame_reader.h"
#include "input_file.h"

namespace squeezefs::tools {
namespace {

void print_totals(const FrameReader& reader) {
  const double ratio = reader.total_stored() == 0 ? 1.0
                                                  : static_cast<double>(reader.total_raw()) /
                                                        static_cast<double>(reader.total_stored());
  std::printf("blocks:      %llu (%llu stored raw)\n",
              static_cast<unsigned long long>(reader.block_count()),
              static_cast<unsigned long long>(reader.raw_blocks()));
  std::printf("raw size:    %llu bytes\n", static_cast<unsigned long long>(reader.total_raw()));
  std::printf("stored size: %llu bytes of block data, %llu bytes of file\n",
              static_cast<unsigned long long>(reader.total_stored()),
              static_cast<unsigned long long>(reader.offset()));
  std::printf("ratio:       %.3f\n", ratio);
}

void run_info(const std::string& path) {
  InputFile in(path);
  std::unique_ptr<FrameReader> reader;
  try {
    reader = std::make_unique<FrameReader>(in);
  } catch (const FrameError& e) {
    throw CommandError(e.what(), kExitFailure);
  }
  const FileHeader& header = reader->header();
  std::printf("codec:       %.*s (id %u)\n", static_cast<int>(reader->codec().name().size()),
              reader->codec().name().data(), static_cast<unsigned>(header.codec));
  std::printf("level:       %d\n", header.level);
  std::printf("block size:  %u\n", header.block_size);
  std::vector<std::byte> stored;
  try {
    while (reader->next_stored(stored)) {
    }
  } catch (const FrameError& e) {
    print_totals(*reader);
    std::printf("structure:   damaged\n");
    throw CommandError(e.what(), kExitFailure);
  }
  print_totals(*reader);
  std::printf("structure:   complete (trailer matches)\n");
}

}  // namespace

void register_codec_info(CLI::App& codec_group) {
  auto path = std::make_shared<std::string>();
  auto* cmd = codec_group.add_subcommand("info", "Describe a framed file and check its structure");
  cmd->add_option("file", *path, "Framed file (- for standard input)")->required();
  cmd->callback([path] { run_info(*path); });
}

}  // namespace squeezefs::tools
