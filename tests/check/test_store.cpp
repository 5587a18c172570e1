#include "test_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <random>
#include <stdexcept>

#include "squeezefs/codecs/registry.h"

namespace squeezefs::fs::check {
namespace {

std::filesystem::path make_temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "squeezefs-check-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

TestStore::TestStore(std::uint32_t block_size) : dir_(make_temp_dir()), layout_(dir_ / "store") {
  const index::StoreConfig config{block_size, static_cast<std::uint16_t>(codecs::CodecId::kZstd),
                                  1};
  if (!make_store(layout_.root(), config, Caller{})) throw std::runtime_error("make_store failed");
}

TestStore::~TestStore() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<Filesystem> TestStore::open() const {
  return std::make_unique<Filesystem>(
      layout_.root(), codecs::CodecChoice{codecs::find_codec(codecs::CodecId::kZstd), 1});
}

std::uint64_t TestStore::write(Filesystem& fs, const std::string& path, const std::string& data) {
  const auto parts = components(path);
  std::uint64_t dir = Namespace::kRootIno;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    auto found = fs.names().lookup(dir, parts[i]);
    if (!found) found = fs.names().mkdir(dir, parts[i], 0755, Caller{});
    EXPECT_TRUE(found) << path;
    dir = found->ino;
  }
  auto file = fs.names().lookup(dir, parts.back());
  if (!file) file = fs.names().mknod(dir, parts.back(), S_IFREG | 0644, 0, Caller{});
  EXPECT_TRUE(file) << path;
  EXPECT_TRUE(fs.data().truncate(file->ino, 0));
  const auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  const auto written = fs.data().write(file->ino, 0, bytes);
  EXPECT_TRUE(written && *written == data.size()) << path;
  // Committed now, as a writer closing each file would: blocks land in the order written.
  EXPECT_TRUE(fs.fsync(file->ino)) << path;
  return file->ino;
}

std::uint64_t TestStore::resolve(Filesystem& fs, const std::string& path) {
  std::uint64_t ino = Namespace::kRootIno;
  for (const auto& part : components(path)) {
    const auto found = fs.names().lookup(ino, part);
    if (!found) return 0;
    ino = found->ino;
  }
  return ino;
}

std::string TestStore::read(Filesystem& fs, const std::string& path) {
  const std::uint64_t ino = resolve(fs, path);
  if (ino == 0) return "<missing>";
  const auto size = fs.names().getattr(ino)->size;
  const auto bytes = fs.data().read(ino, 0, static_cast<std::size_t>(size));
  if (!bytes) return "<unreadable>";
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::string sample_text(std::size_t size, std::uint32_t seed) {
  static const char* const kWords[] = {"store", "block",   "codec", "inode", "mount",
                                       "fsck",  "squeeze", "data",  "index", "entry",
                                       "link",  "repair",  "the",   "of",    "compact"};
  std::mt19937 rng(seed);
  std::string out;
  out.reserve(size + 16);
  while (out.size() < size) {
    out += kWords[rng() % std::size(kWords)];
    out += (rng() % 11 == 0) ? '\n' : ' ';
    if (rng() % 7 == 0) out += std::to_string(rng() % 100000);
  }
  out.resize(size);
  return out;
}

}  // namespace squeezefs::fs::check
