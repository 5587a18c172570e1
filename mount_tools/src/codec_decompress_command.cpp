// `squeezefs codec decompress`: a framed file (codec read from the frame, every block checked)
// or, with --raw and --codec, one bare codec stream whose size is not known in advance.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "atomic_output_file.h"
#include "command_options.h"
#include "commands.h"
#include "frame_reader.h"
#include "input_file.h"

namespace squeezefs::tools {
namespace {

struct DecompressOptions {
  std::string codec;
  bool raw = false;
  std::string max_size = "1G";
  std::string input;
  std::string output;
};

void decompress_raw(const codecs::Codec& codec, std::uint64_t max_size, InputFile& in,
                    AtomicOutputFile& out) {
  std::vector<std::byte> stream;
  std::size_t used = 0;
  for (;;) {
    stream.resize(used + 1024 * 1024);
    used += in.read(std::span(stream).subspan(used));
    if (used < stream.size()) break;
  }
  stream.resize(used);
  // The original size is unknown: grow the output (doubling) until it fits or passes the limit.
  std::uint64_t capacity =
      std::min<std::uint64_t>(max_size, std::max<std::uint64_t>(64 * 1024, 4 * stream.size()));
  std::vector<std::byte> raw;
  for (;;) {
    raw.resize(static_cast<std::size_t>(capacity));
    const codecs::CodecResult result = codec.decompress(stream, raw);
    if (result.ok()) {
      out.write(std::span(raw).first(result.bytes));
      return;
    }
    if (result.status != codecs::CodecStatus::kOutputTooSmall) {
      throw CommandError("corrupt " + std::string(codec.name()) + " stream in " +
                             in.display_name() + ": " +
                             std::string(codecs::to_string(result.status)),
                         kExitFailure);
    }
    if (capacity >= max_size) {
      throw CommandError(
          "decompressed data exceeds --max-size " + std::to_string(max_size) + " bytes",
          kExitFailure);
    }
    capacity = std::min(max_size, capacity * 2);
  }
}

void run_decompress(const DecompressOptions& options) {
  const std::uint64_t max_size = size_option(options.max_size, "--max-size");
  if (options.raw && options.codec.empty()) {
    throw CommandError("--raw needs --codec (a bare stream does not name its codec)", kExitUsage);
  }
  if (!options.raw && !options.codec.empty()) {
    throw CommandError("--codec applies only with --raw (framed files name their codec)",
                       kExitUsage);
  }
  const codecs::CodecChoice choice =
      options.raw ? codec_choice_option(options.codec) : codecs::CodecChoice{};
  InputFile in(options.input);
  AtomicOutputFile out(options.output, options.input);
  if (options.raw) {
    decompress_raw(*choice.codec, max_size, in, out);
  } else {
    try {
      FrameReader reader(in);
      std::vector<std::byte> block;
      while (reader.next_block(block)) out.write(block);
    } catch (const FrameError& e) {
      throw CommandError(e.what(), kExitFailure);
    }
  }
  out.commit();
}

}  // namespace

void register_codec_decompress(CLI::App& codec_group) {
  auto options = std::make_shared<DecompressOptions>();
  auto* cmd = codec_group.add_subcommand("decompress", "Restore a framed (or --raw) file");
  cmd->add_option("--codec", options->codec, "Codec of a --raw stream");
  cmd->add_flag("--raw", options->raw, "Read one bare codec stream, no frame (needs --codec)");
  cmd->add_option("--max-size", options->max_size,
                  "Largest output accepted for a --raw stream (default 1G)");
  cmd->add_option("input", options->input, "Input file (- or omitted: standard input)");
  cmd->add_option("output", options->output, "Output file (- or omitted: standard output)");
  cmd->callback([options] { run_decompress(*options); });
}

}  // namespace squeezefs::tools
