// `squeezefs codec compress`: a framed file (streaming, one block in memory) or, with --raw,
// exactly one codec stream for the whole input.
#include <memory>
#include <string>
#include <vector>

#include "atomic_output_file.h"
#include "command_options.h"
#include "commands.h"
#include "frame_writer.h"
#include "input_file.h"

namespace squeezefs::tools {
namespace {

struct CompressOptions {
  std::string codec;
  std::string block_size = "128K";
  bool raw = false;
  std::string input;
  std::string output;
};

std::vector<std::byte> read_all(ByteSource& source) {
  std::vector<std::byte> data;
  std::size_t used = 0;
  for (;;) {
    data.resize(used + 1024 * 1024);
    const std::size_t got = source.read(std::span(data).subspan(used));
    used += got;
    if (used < data.size()) break;
  }
  data.resize(used);
  return data;
}

void compress_raw(const codecs::CodecChoice& choice, InputFile& in, AtomicOutputFile& out) {
  const std::vector<std::byte> data = read_all(in);
  std::vector<std::byte> stream(choice.codec->max_compressed_size(data.size()));
  const codecs::CodecResult result = choice.codec->compress(data, stream, choice.level);
  if (!result.ok()) {
    throw CommandError("codec " + std::string(choice.codec->name()) + " cannot compress " +
                           in.display_name() + ": " + std::string(codecs::to_string(result.status)),
                       kExitFailure);
  }
  out.write(std::span(stream).first(result.bytes));
}

void run_compress(const CompressOptions& options) {
  const codecs::CodecChoice choice = codec_choice_option(options.codec);
  const std::uint32_t block_size = block_size_option(options.block_size);
  InputFile in(options.input);
  AtomicOutputFile out(options.output, options.input);
  if (options.raw) {
    compress_raw(choice, in, out);
  } else {
    FrameWriter writer(out, *choice.codec, choice.level, block_size);
    std::vector<std::byte> chunk(block_size);
    for (;;) {
      const std::size_t got = in.read(chunk);
      writer.write(std::span(chunk).first(got));
      if (got < chunk.size()) break;
    }
    writer.finish();
  }
  out.commit();
}

}  // namespace

void register_codec_compress(CLI::App& codec_group) {
  auto options = std::make_shared<CompressOptions>();
  auto* cmd = codec_group.add_subcommand("compress", "Compress a file into a framed file");
  cmd->add_option("--codec", options->codec, "NAME[:LEVEL] (default: lzh, else zstd)");
  cmd->add_option("--block-size", options->block_size,
                  "Frame block size, a power of two from 4K to 16M (default 128K)");
  cmd->add_flag("--raw", options->raw, "Write one bare codec stream, no frame");
  cmd->add_option("input", options->input, "Input file (- or omitted: standard input)");
  cmd->add_option("output", options->output, "Output file (- or omitted: standard output)");
  cmd->callback([options] { run_compress(*options); });
}

}  // namespace squeezefs::tools
