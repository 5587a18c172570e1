#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "commands.h"
#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/store_layout.h"

namespace squeezefs::tools {
namespace {

constexpr std::uint64_t kMinBlock = 4 * 1024;
constexpr std::uint64_t kMaxBlock = 1024 * 1024;

// Parses "131072", "128K", "128KiB", "1M" or "1MiB" into bytes.
std::uint64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  std::uint64_t value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    throw CommandError("invalid size '" + text + "'", kExitUsage);
  }
  const std::string suffix = text.substr(used);
  if (suffix == "K" || suffix == "k" || suffix == "KiB") {
    value *= 1024;
  } else if (suffix == "M" || suffix == "m" || suffix == "MiB") {
    value *= 1024 * 1024;
  } else if (!suffix.empty()) {
    throw CommandError("invalid size '" + text + "'", kExitUsage);
  }
  return value;
}

// `lzh` when the registry has it (the project's own codec), else zstd.
const codecs::Codec& default_codec() {
  if (const auto* lzh = codecs::find_codec("lzh")) return *lzh;
  return *codecs::find_codec(codecs::CodecId::kZstd);
}

}  // namespace

void register_mkfs(CLI::App& app) {
  auto* cmd = app.add_subcommand("mkfs", "Create a new, empty store");
  auto store = std::make_shared<std::string>();
  auto codec = std::make_shared<std::string>();
  auto block_size = std::make_shared<std::string>("128K");
  cmd->add_option("STORE", *store, "Directory for the store (created, or empty)")->required();
  cmd->add_option("--codec", *codec,
                  "Default codec as NAME[:LEVEL] (default lzh if available, else zstd)");
  cmd->add_option("--block-size", *block_size,
                  "Block size, a power of two from 4K to 1M (default 128K)");
  cmd->callback([store, codec, block_size] {
    const std::uint64_t size = parse_size(*block_size);
    if (size < kMinBlock || size > kMaxBlock || (size & (size - 1)) != 0) {
      throw CommandError(
          "block size must be a power of two from 4K to 1M, got '" + *block_size + "'", kExitUsage);
    }
    codecs::CodecChoice choice{&default_codec(), default_codec().levels().fallback};
    if (!codec->empty()) {
      std::string error;
      auto parsed = codecs::parse_codec_choice(*codec, error);
      if (!parsed) throw CommandError(error, kExitUsage);
      choice = *parsed;
    }
    const index::StoreConfig config{static_cast<std::uint32_t>(size),
                                    static_cast<std::uint16_t>(choice.codec->id()), choice.level};
    const auto made = fs::make_store(*store, config, fs::Caller{::getuid(), ::getgid()});
    if (!made) {
      const auto e = made.error();
      if (e == std::errc::file_exists)
        throw CommandError(*store + " already holds a squeezefs store", kExitFailure);
      if (e == std::errc::directory_not_empty) {
        throw CommandError(*store + " is a non-empty directory and not a squeezefs store",
                           kExitFailure);
      }
      throw CommandError(*store + ": " + e.message(), kExitFailure);
    }
    std::printf("created store %s (codec %.*s level %d, block size %llu)\n", store->c_str(),
                static_cast<int>(choice.codec->name().size()), choice.codec->name().data(),
                choice.level, static_cast<unsigned long long>(size));
  });
}

}  // namespace squeezefs::tools
