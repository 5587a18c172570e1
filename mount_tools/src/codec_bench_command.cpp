// `squeezefs codec bench`: measures ratio and speed of codecs on files, against zlib level 6.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec_bench.h"
#include "command_options.h"
#include "commands.h"

namespace squeezefs::tools {
namespace {

constexpr int kBaselineLevel = 6;

struct BenchOptions {
  std::string codecs = "all";
  std::string block_size = "128K";
  double min_seconds = 0.3;
  bool json = false;
  std::vector<std::string> paths;
};

std::vector<codecs::CodecChoice> parse_codec_list(const std::string& text) {
  std::vector<codecs::CodecChoice> choices;
  if (text == "all") {
    for (const codecs::Codec* codec : codecs::all_codecs()) {
      choices.push_back({codec, codec->levels().fallback});
    }
    return choices;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty()) throw CommandError("empty codec name in --codec '" + text + "'", kExitUsage);
    choices.push_back(codec_choice_option(item));
    start = comma + 1;
  }
  return choices;
}

double speedup(double value, double baseline) {
  return baseline > 0 ? value / baseline : 0.0;
}

void print_table(const BenchCorpus& corpus, const std::vector<BenchResult>& results,
                 const BenchResult& baseline) {
  std::printf("%llu bytes in %llu files, %zu blocks of %u bytes\n",
              static_cast<unsigned long long>(corpus.raw_bytes()),
              static_cast<unsigned long long>(corpus.file_count()), corpus.blocks().size(),
              corpus.block_size());
  std::printf("%-11s %5s %7s %11s %11s %8s %8s %10s\n", "CODEC", "LEVEL", "RATIO", "COMP MB/s",
              "DECOMP MB/s", "COMP", "DECOMP", "RAW BLOCKS");
  for (const BenchResult& r : results) {
    const std::string_view name = r.choice.codec->name();
    std::printf("%-11.*s %5d %7.3f %11.1f %11.1f %7.2fx %7.2fx %10llu\n",
                static_cast<int>(name.size()), name.data(), r.choice.level, r.ratio(),
                r.compress_mbps(), r.decompress_mbps(),
                speedup(r.compress_mbps(), baseline.compress_mbps()),
                speedup(r.decompress_mbps(), baseline.decompress_mbps()),
                static_cast<unsigned long long>(r.raw_blocks));
  }
}

void print_json(const BenchCorpus& corpus, const std::vector<BenchResult>& results,
                const BenchResult& baseline) {
  nlohmann::json doc;
  doc["raw_bytes"] = corpus.raw_bytes();
  doc["files"] = corpus.file_count();
  doc["blocks"] = corpus.blocks().size();
  doc["block_size"] = corpus.block_size();
  doc["baseline"] = {{"codec", std::string(baseline.choice.codec->name())},
                     {"level", baseline.choice.level}};
  doc["results"] = nlohmann::json::array();
  for (const BenchResult& r : results) {
    doc["results"].push_back({
        {"codec", std::string(r.choice.codec->name())},
        {"level", r.choice.level},
        {"raw_bytes", r.raw_bytes},
        {"compressed_bytes", r.stored_bytes},
        {"raw_blocks", r.raw_blocks},
        {"ratio", r.ratio()},
        {"compress_mbps", r.compress_mbps()},
        {"decompress_mbps", r.decompress_mbps()},
        {"compress_vs_baseline", speedup(r.compress_mbps(), baseline.compress_mbps())},
        {"decompress_vs_baseline", speedup(r.decompress_mbps(), baseline.decompress_mbps())},
    });
  }
  std::printf("%s\n", doc.dump(2).c_str());
}

void run_bench_command(const BenchOptions& options) {
  const std::uint32_t block_size = block_size_option(options.block_size);
  std::vector<codecs::CodecChoice> choices = parse_codec_list(options.codecs);
  if (!(options.min_seconds >= 0 && options.min_seconds <= 60)) {
    throw CommandError("--min-time must lie in 0..60 seconds", kExitUsage);
  }
  const codecs::Codec* zlib = codecs::find_codec(codecs::CodecId::kZlib);
  if (zlib == nullptr)
    throw CommandError("the zlib baseline codec is not registered", kExitFailure);
  // zlib -6 is always measured in the same run, so the speed ratios compare like with like.
  const auto is_baseline = [zlib](const codecs::CodecChoice& c) {
    return c.codec == zlib && c.level == kBaselineLevel;
  };
  if (std::none_of(choices.begin(), choices.end(), is_baseline)) {
    choices.push_back({zlib, kBaselineLevel});
  }
  std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
  BenchCorpus corpus;
  try {
    corpus = BenchCorpus::load(paths, block_size);
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what(), kExitFailure);
  }
  std::vector<BenchResult> results;
  try {
    for (const codecs::CodecChoice& choice : choices) {
      results.push_back(run_bench(corpus, choice, options.min_seconds));
    }
  } catch (const BenchError& e) {
    throw CommandError(e.what(), kExitFailure);
  }
  const BenchResult& baseline = *std::find_if(
      results.begin(), results.end(), [&](const BenchResult& r) { return is_baseline(r.choice); });
  if (options.json) {
    print_json(corpus, results, baseline);
  } else {
    print_table(corpus, results, baseline);
  }
}

}  // namespace

void register_codec_bench(CLI::App& codec_group) {
  auto options = std::make_shared<BenchOptions>();
  auto* cmd = codec_group.add_subcommand("bench", "Measure codecs' ratio and speed on files");
  cmd->add_option("--codec", options->codecs,
                  "Comma-separated NAME[:LEVEL] list, or all (default: all at default level)");
  cmd->add_option("--block-size", options->block_size, "Block size (default 128K)");
  cmd->add_option("--min-time", options->min_seconds,
                  "Seconds to spend at least per codec and direction (default 0.3)");
  cmd->add_flag("--json", options->json, "Print JSON instead of a table");
  cmd->add_option("paths", options->paths, "Files or directories (searched recursively)")
      ->required();
  cmd->callback([options] { run_bench_command(*options); });
}

}  // namespace squeezefs::tools
