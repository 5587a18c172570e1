#include "store_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "squeezefs/fs/block_io.h"
#include "squeezefs/fs/file_block_store.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::testing {
namespace {

std::string describe(const CrashModel::State& state) {
  if (!state) return "<absent>";
  return std::to_string(state->size()) + " bytes";
}

std::string describe_all(const std::vector<CrashModel::State>& states) {
  std::string out;
  for (const auto& state : states) out += (out.empty() ? "" : ", ") + describe(state);
  return out;
}

// The file's contents, std::nullopt when absent; fails the test on read errors.
CrashModel::State read_back(fs::Filesystem& filesystem, const std::string& name) {
  const auto rec = filesystem.names().lookup(fs::Namespace::kRootIno, name);
  if (!rec) {
    EXPECT_EQ(rec.error(), std::make_error_code(std::errc::no_such_file_or_directory)) << name;
    return std::nullopt;
  }
  const auto data = filesystem.data().read(rec->ino, 0, static_cast<std::size_t>(rec->size));
  if (!data) {
    ADD_FAILURE() << name << " does not read back: " << data.error().message();
    return std::string("<unreadable>");
  }
  EXPECT_EQ(data->size(), rec->size) << name;
  return std::string(reinterpret_cast<const char*>(data->data()), data->size());
}

// An unsynced file may mix its states block by block: each block is committed when it is
// encoded (blocks not committed yet read as before, zeros where the file did not reach), and a
// size grown by writes reaches the index with its blocks, so it may stop at a block boundary
// short of the size written. True when `actual` has the size of one of `states`, or a size that
// is a multiple of the block size between theirs, and every block of it equals the same block
// of some state, or is all zeros (except the last).
bool mixes_states(const std::string& actual, const std::vector<CrashModel::State>& states,
                  std::size_t block_size) {
  std::size_t smallest = SIZE_MAX;
  std::size_t largest = 0;
  bool size_known = false;
  for (const auto& state : states) {
    if (!state) continue;
    size_known = size_known || state->size() == actual.size();
    smallest = std::min(smallest, state->size());
    largest = std::max(largest, state->size());
  }
  const bool at_a_block_between =
      actual.size() % block_size == 0 && actual.size() >= smallest && actual.size() <= largest;
  if (!size_known && !at_a_block_between) return false;
  for (std::size_t start = 0; start < actual.size(); start += block_size) {
    const std::string_view chunk = std::string_view(actual).substr(start, block_size);
    // The last block comes from a state that reached the end: no file ends in zeros (blocks not
    // committed yet) it never held there.
    const bool last = start + chunk.size() == actual.size();
    if (!last && chunk.find_first_not_of('\0') == std::string_view::npos) continue;
    const bool from_a_state = std::any_of(states.begin(), states.end(), [&](const auto& state) {
      if (!state || (last && state->size() < actual.size())) return false;
      std::string padded = start < state->size() ? state->substr(start, block_size) : "";
      padded.resize(block_size, '\0');
      return std::string_view(padded).substr(0, chunk.size()) == chunk;
    });
    if (!from_a_state) return false;
  }
  return true;
}

}  // namespace

void check_files_match(const std::filesystem::path& root, const CrashModel& model) {
  fs::Filesystem filesystem(root, std::nullopt);
  const auto entries = filesystem.names().readdir(fs::Namespace::kRootIno, 0, 100000);
  ASSERT_TRUE(entries.has_value());
  for (const auto& entry : *entries) {
    EXPECT_TRUE(model.states().contains(entry.name)) << "unexpected file " << entry.name;
  }
  for (const auto& [name, states] : model.states()) {
    const auto actual = read_back(filesystem, name);
    if (states.size() == 1) {
      EXPECT_TRUE(actual == states.front())
          << name << ": its last change was synced, yet it holds " << describe(actual)
          << " instead of " << describe(states.front());
    } else {
      const bool whole_state = std::find(states.begin(), states.end(), actual) != states.end();
      EXPECT_TRUE(whole_state || (actual && mixes_states(*actual, states, filesystem.block_size())))
          << name << " holds " << describe(actual) << ", none of its " << states.size()
          << " states since the last sync (" << describe_all(states) << ")";
    }
  }
}

void check_index_and_blocks(const std::filesystem::path& root) {
  const fs::StoreLayout layout(root);
  // Opened as fsck opens it: the full check below reports what quick_check would refuse.
  index::SqliteOpenOptions options;
  options.quick_check = false;
  const auto metadata = index::SqliteMetadataStore::open(layout.index().string(), options);
  EXPECT_EQ(metadata->check_own_consistency(index::MetadataStore::CheckDepth::kFull),
            std::vector<std::string>{});
  std::vector<std::pair<std::uint64_t, std::uint64_t>> keys;
  metadata->for_each_block([&](const index::StoredBlock& b) { keys.emplace_back(b.ino, b.block); });
  std::sort(keys.begin(), keys.end());
  const std::uint32_t block_size = metadata->config().block_size;
  fs::FileBlockStore store(layout.data(), []() -> std::uint32_t {
    throw std::logic_error("the check does not write blocks");
  });
  fs::BlockIo io(store);
  for (const auto& key : keys) {
    // Plain variables, not a structured binding: the lambda below captures them (clang 14 cannot).
    const std::uint64_t ino = key.first;
    const std::uint64_t block = key.second;
    const auto [ref, rec] = metadata->read(
        [&](index::MetadataReader& r) { return std::pair(r.block(ino, block), r.inode(ino)); });
    ASSERT_TRUE(ref.has_value());
    const auto path = store.file_path(ref->data_file);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    ASSERT_FALSE(ec) << "inode " << ino << " block " << block << ": data file " << path
                     << " is missing";
    EXPECT_LE(ref->offset + ref->stored_length, size)
        << "inode " << ino << " block " << block << " points past the end of " << path;
    std::vector<std::byte> out(ref->raw_length);
    EXPECT_TRUE(io.read(ino, block, *ref, out).has_value())
        << "inode " << ino << " block " << block << " fails its checksum";
    // Bytes past the end would reappear as file content once the file grows again.
    ASSERT_TRUE(rec.has_value()) << "inode " << ino << " has blocks but no record";
    const std::uint64_t start = block * block_size;
    EXPECT_LE(start + ref->raw_length, rec->size)
        << "inode " << ino << " block " << block << " holds bytes past the file size " << rec->size;
  }
}

}  // namespace squeezefs::testing
