#include "squeezefs/blockstore/local/ledger.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "contracts/block_store_contract.h"
#include "fs/blockstore/block_store_factories.h"
#include "squeezefs/blockstore/local/data_file_names.h"
#include "squeezefs/blockstore/local/ledger_id_source.h"
#include "squeezefs/blockstore/local/local_block_store.h"
#include "squeezefs/common/storage_error.h"

// The ledger of a local store (data/ledger.0 and .1): its format, the clean flag, damaged and
// torn copies, the id high-water mark, read-only opens, and the import of format-1 accounting.
namespace squeezefs::blockstore::testing {
namespace {

namespace stdfs = std::filesystem;
using index::testing::FaultOp;
using index::testing::PowerLoss;

std::vector<char> read_bytes(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const stdfs::path& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

LedgerRecord sample_record(std::uint32_t containers, bool clean) {
  LedgerRecord record;
  record.clean = clean;
  record.high_water = containers + 7;
  for (std::uint32_t id = 1; id <= containers; ++id)
    record.containers[id] = ContainerAccount{id * 10ULL, id * 100ULL, id * 3ULL};
  return record;
}

// ---- format -------------------------------------------------------------------------------

TEST(LedgerFormat, given_record_when_encoded_then_decodes_to_the_same_record_and_sequence) {
  for (const bool clean : {false, true}) {
    const auto record = sample_record(5, clean);
    const auto decoded = decode_ledger(encode_ledger(record, 42));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->record, record);
    EXPECT_EQ(decoded->sequence, 42U);
  }
  const auto empty = decode_ledger(encode_ledger(LedgerRecord{}, 1));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->record, LedgerRecord{});
}

TEST(LedgerFormat, given_any_flipped_bit_then_the_copy_is_refused) {
  const auto bytes = encode_ledger(sample_record(3, true), 9);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto damaged = bytes;
      damaged[i] ^= static_cast<std::byte>(1 << bit);
      EXPECT_FALSE(decode_ledger(damaged)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(LedgerFormat, given_any_truncation_or_extension_then_the_copy_is_refused) {
  const auto bytes = encode_ledger(sample_record(3, true), 9);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_ledger(std::span(bytes).first(n))) << n << " bytes";
  auto longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(decode_ledger(longer));
}

// ---- the two copies -----------------------------------------------------------------------

class LedgerFileTest : public ::testing::Test {
 protected:
  [[nodiscard]] stdfs::path data() const { return dir_.path(); }
  TempDir dir_;
};

TEST_F(LedgerFileTest, given_no_ledger_then_read_finds_none) {
  LedgerFile file(data(), posix_file_io());
  EXPECT_FALSE(file.read());
}

TEST_F(LedgerFileTest, given_writes_then_a_new_reader_reads_the_last_one) {
  LedgerFile file(data(), posix_file_io());
  for (std::uint32_t n = 1; n <= 5; ++n) file.write(sample_record(n, n % 2 == 0));
  EXPECT_EQ(LedgerFile(data(), posix_file_io()).read(), sample_record(5, false));
}

TEST_F(LedgerFileTest, given_newest_copy_damaged_then_the_older_one_is_read) {
  LedgerFile file(data(), posix_file_io());
  file.write(sample_record(1, false));
  file.write(sample_record(2, true));
  // The second write went to the other copy: damage it.
  const auto newest = LedgerFile::copy_path(data(), 1);
  auto bytes = read_bytes(newest);
  ASSERT_FALSE(bytes.empty());
  bytes[bytes.size() / 2] ^= 0x40;
  write_bytes(newest, bytes);
  LedgerFile reader(data(), posix_file_io());
  EXPECT_EQ(reader.read(), sample_record(1, false));
  // The next write replaces the damaged copy, never the intact one.
  reader.write(sample_record(3, true));
  EXPECT_EQ(LedgerFile(data(), posix_file_io()).read(), sample_record(3, true));
  const auto older = read_bytes(LedgerFile::copy_path(data(), 0));
  const auto decoded = decode_ledger(std::as_bytes(std::span(older)));
  ASSERT_TRUE(decoded) << "the intact older copy was overwritten";
  EXPECT_EQ(decoded->record, sample_record(1, false));
}

TEST_F(LedgerFileTest, given_both_copies_damaged_then_read_finds_none) {
  LedgerFile file(data(), posix_file_io());
  file.write(sample_record(1, true));
  file.write(sample_record(2, true));
  for (int copy = 0; copy < 2; ++copy) {
    auto bytes = read_bytes(LedgerFile::copy_path(data(), copy));
    ASSERT_FALSE(bytes.empty());
    bytes.pop_back();
    write_bytes(LedgerFile::copy_path(data(), copy), bytes);
  }
  EXPECT_FALSE(LedgerFile(data(), posix_file_io()).read());
}

TEST_F(LedgerFileTest, given_write_cut_by_power_loss_then_the_old_or_new_record_never_other) {
  const auto old_record = sample_record(200, true);  // several sectors, so a tear cuts it
  const auto new_record = sample_record(300, false);
  std::set<std::uint32_t> seen;
  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    const TempDir dir;
    index::testing::UnsyncedChanges changes;
    bool armed = false;
    squeezefs::testing::PowerLossFileIo io(
        changes, [&](FaultOp op, const std::string&) { return !(armed && op == FaultOp::kSync); });
    LedgerFile file(dir.path(), io);
    file.write(old_record);
    file.write(old_record);  // both copies exist and are synced
    armed = true;
    EXPECT_THROW(file.write(new_record), std::system_error);
    changes.revert(PowerLoss{0.5, seed, true, seed % 2 == 0});
    io.power_on();
    const auto read = LedgerFile(dir.path(), io).read();
    ASSERT_TRUE(read) << "seed " << seed;
    ASSERT_TRUE(*read == old_record || *read == new_record) << "seed " << seed;
    seen.insert(static_cast<std::uint32_t>(read->containers.size()));
  }
  EXPECT_TRUE(seen.contains(200)) << "some power loss must have taken the write back";
}

// ---- ids ----------------------------------------------------------------------------------

TEST(LedgerIdSourceTest, given_ids_then_reserved_16_at_a_time_before_they_are_handed_out) {
  std::vector<std::uint64_t> marks;
  LedgerIdSource ids(5, 5, [&](std::uint64_t mark) { marks.push_back(mark); });
  for (std::uint32_t expected = 5; expected < 5 + 40; ++expected) {
    EXPECT_EQ(ids.next_id(), expected);
    ASSERT_FALSE(marks.empty());
    EXPECT_GT(marks.back(), expected) << "handed out before it was reserved";
  }
  EXPECT_EQ(marks, (std::vector<std::uint64_t>{21, 37, 53}));
}

TEST(LedgerIdSourceTest, given_reservation_fails_then_no_id_is_handed_out_and_it_retries) {
  bool fail = true;
  std::vector<std::uint64_t> marks;
  LedgerIdSource ids(3, 3, [&](std::uint64_t mark) {
    if (fail) throw std::system_error(std::make_error_code(std::errc::io_error));
    marks.push_back(mark);
  });
  EXPECT_THROW((void)ids.next_id(), std::system_error);
  fail = false;
  EXPECT_EQ(ids.next_id(), 3U);
  EXPECT_EQ(marks, (std::vector<std::uint64_t>{19}));
}

class LedgerStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalBlockStore> open(LedgerAccess access = LedgerAccess::kReadWrite) {
    return std::make_unique<LocalBlockStore>(
        data(), access, LocalBlockStoreOptions{1000, std::chrono::milliseconds(0)});
  }
  [[nodiscard]] stdfs::path data() const { return dir_.path() / "data"; }
  [[nodiscard]] std::optional<LedgerRecord> on_disk() const {
    return LedgerFile(data(), posix_file_io()).read();
  }
  static BlockAddress put(LocalBlockStore& store, std::size_t n, std::uint64_t seed) {
    return store.put(block_bytes(n, seed), BlockTag{});
  }

  TempDir dir_;
};

TEST_F(LedgerStoreTest, given_open_then_ledger_says_not_clean_until_a_clean_close) {
  auto store = open();
  ASSERT_TRUE(on_disk());
  EXPECT_FALSE(on_disk()->clean) << "written at open, before any put";
  put(*store, 100, 1);
  store->sync();
  EXPECT_FALSE(on_disk()->clean);
  store.reset();
  ASSERT_TRUE(on_disk());
  EXPECT_TRUE(on_disk()->clean);
  EXPECT_EQ(on_disk()->containers.at(1), (ContainerAccount{100, 100, 0}));
}

TEST_F(LedgerStoreTest, given_every_put_then_the_high_water_mark_on_disk_is_above_its_group) {
  auto store = open();
  for (int i = 0; i < 40; ++i) {
    const auto address = put(*store, 900, static_cast<std::uint64_t>(i) + 1);  // one file each
    ASSERT_TRUE(on_disk());
    EXPECT_GT(on_disk()->high_water, address.group) << "a file was created before its id was kept";
  }
}

TEST_F(LedgerStoreTest, given_data_file_above_the_high_water_mark_then_ids_start_above_it) {
  {
    auto store = open();
    put(*store, 10, 1);
  }
  ASSERT_LT(on_disk()->high_water, 40U);
  // A data file the ledger does not know, as a restored backup or an older ledger would leave.
  write_bytes(data_file_path(data(), 40), {'x', 'y'});
  auto store = open();
  EXPECT_GT(put(*store, 10, 2).group, 40U);
  EXPECT_FALSE(store->compaction()->accounting_trusted()) << "the ledger missed a data file";
}

TEST_F(LedgerStoreTest, given_no_ledger_and_data_files_then_ids_start_above_them_untrusted) {
  stdfs::create_directories(data());
  write_bytes(data_file_path(data(), 7), {'x'});
  auto store = open();
  EXPECT_FALSE(store->compaction()->accounting_trusted());
  EXPECT_EQ(put(*store, 10, 1).group, 8U);
}

TEST_F(LedgerStoreTest, given_damaged_ledger_then_untrusted_and_ids_above_the_files) {
  {
    auto store = open();
    put(*store, 10, 1);
  }
  for (int copy = 0; copy < 2; ++copy) write_bytes(LedgerFile::copy_path(data(), copy), {'?'});
  auto store = open();
  EXPECT_FALSE(store->compaction()->accounting_trusted());
  EXPECT_GT(put(*store, 10, 2).group, 1U);
}

TEST_F(LedgerStoreTest, given_reopens_and_retires_then_no_group_is_ever_handed_out_twice) {
  std::set<std::uint64_t> groups;
  std::uint64_t highest = 0;
  for (int session = 0; session < 4; ++session) {
    auto store = open();
    const auto first = put(*store, 100, 1);
    store->compaction()->seal_active();
    const auto second = put(*store, 100, 2);
    for (const auto group : {first.group, second.group}) {
      EXPECT_GT(group, highest) << "session " << session;
      EXPECT_TRUE(groups.insert(group).second);
    }
    highest = second.group;
    store->sync();
    // The highest group so far is retired: its id must not come back with the next open.
    store->compaction()->seal_active();
    const std::uint64_t retired[] = {second.group};
    store->compaction()->retire(retired);
  }
}

TEST_F(LedgerStoreTest, given_crash_then_reopen_without_reset_and_clean_close_stays_untrusted) {
  PowerLossLedgerFactory factory;
  auto store = factory.make();
  store->put(block_bytes(100, 1), BlockTag{});
  store->sync();
  store = factory.crash(std::move(store), 0);
  ASSERT_FALSE(store->compaction()->accounting_trusted());
  store = factory.reopen(std::move(store));
  EXPECT_FALSE(store->compaction()->accounting_trusted()) << "a close does not make numbers exact";
  store->compaction()->reset_accounting({{1, 100}});
  store = factory.reopen(std::move(store));
  EXPECT_TRUE(store->compaction()->accounting_trusted());
}

TEST_F(LedgerStoreTest, given_clean_close_then_a_later_power_loss_loses_nothing_it_counted) {
  PowerLossLedgerFactory factory;
  auto store = factory.make();
  std::vector<BlockAddress> blocks;
  for (std::uint64_t i = 0; i < 4; ++i) blocks.push_back(store->put(block_bytes(500, i + 1), {}));
  store.reset();  // no sync before: the close makes the blocks durable before saying clean
  factory.changes.revert(PowerLoss{0.0, 1, true, true});
  store = factory.open();
  EXPECT_TRUE(store->compaction()->accounting_trusted());
  for (std::uint64_t i = 0; i < blocks.size(); ++i)
    EXPECT_EQ(read_block(*store, blocks[i]), block_bytes(500, i + 1)) << "block " << i;
}

TEST_F(LedgerStoreTest, given_power_cut_at_each_sync_then_store_reopens_and_never_repeats_ids) {
  // The power is cut at each sync of the workload in turn (data files, directory, ledger copies),
  // until the workload runs to its clean close.
  for (int cut = 0;; ++cut) {
    PowerLossLedgerFactory factory;
    int syncs = 0;
    bool cut_done = false;
    factory.hook = [&](FaultOp op, const std::string&) {
      if (op == FaultOp::kSync && syncs++ == cut) cut_done = true;
      return !cut_done;
    };
    std::set<std::uint64_t> handed_out;
    bool closing = false;
    try {
      auto store = factory.open();
      for (std::uint64_t i = 0; i < 6; ++i) {
        handed_out.insert(store->put(block_bytes(700, i + 1), BlockTag{}).group);
        if (i % 2 == 1) store->sync();
      }
      store->compaction()->reset_accounting({});
      closing = true;
    } catch (const StorageError&) {
      ASSERT_TRUE(cut_done) << "cut at sync " << cut;
    }
    const bool clean_close = !cut_done;
    factory.changes.revert(PowerLoss{0.0, static_cast<std::uint64_t>(cut), true, true});
    factory.io.power_on();
    factory.hook = nullptr;
    auto store = factory.open();
    // Cut while closing, the clean ledger may or may not have reached the disk; a store the cut
    // left without data files is empty, and its accounting exact.
    if (!closing && !list_data_files(factory.dir.path() / "data").empty()) {
      EXPECT_FALSE(store->compaction()->accounting_trusted()) << "cut at sync " << cut;
    }
    if (clean_close) {
      EXPECT_TRUE(store->compaction()->accounting_trusted());
    }
    const auto group = store->put(block_bytes(10, 99), BlockTag{}).group;
    for (const auto used : handed_out) EXPECT_GT(group, used) << "cut at sync " << cut;
    if (clean_close) break;
    ASSERT_LT(cut, 1000) << "the workload never ends";
  }
}

// ---- read-only ----------------------------------------------------------------------------

struct FileState {
  std::uintmax_t size = 0;
  stdfs::file_time_type mtime;
  std::vector<char> bytes;
  bool operator==(const FileState&) const = default;
};

std::map<std::string, FileState> snapshot(const stdfs::path& dir) {
  std::map<std::string, FileState> out;
  for (const auto& entry : stdfs::directory_iterator(dir)) {
    out[entry.path().filename().string()] = FileState{
        entry.file_size(), stdfs::last_write_time(entry.path()), read_bytes(entry.path())};
  }
  return out;
}

TEST_F(LedgerStoreTest, given_read_only_open_then_nothing_in_the_store_changes) {
  BlockAddress a;
  {
    auto store = open();
    a = put(*store, 300, 1);
    put(*store, 200, 2);
  }
  const auto before = snapshot(data());
  ASSERT_GE(before.size(), 2U);
  {
    auto store = open(LedgerAccess::kReadOnly);
    EXPECT_TRUE(store->compaction()->accounting_trusted());
    EXPECT_EQ(read_block(*store, a), block_bytes(300, 1));
    try {
      (void)put(*store, 10, 3);
      ADD_FAILURE() << "a read-only store took a put";
    } catch (const StorageError& e) {
      EXPECT_EQ(e.kind(), StorageErrc::kReadOnly);
    }
    const ReleasedBlock released[] = {{a, ReleaseReason::kRemoved}};
    store->release(released);
    store->sync();
  }
  EXPECT_EQ(snapshot(data()), before);
}

TEST_F(LedgerStoreTest, given_read_only_open_of_a_missing_store_then_nothing_is_created) {
  { auto store = open(LedgerAccess::kReadOnly); }
  EXPECT_FALSE(stdfs::exists(data()));
}

TEST_F(LedgerStoreTest, given_external_ids_then_no_ledger_is_read_or_written) {
  {
    auto store = open();  // a ledger, which the external-id store must leave alone
    put(*store, 100, 1);
  }
  const auto before = snapshot(data());
  CountingIds ids;
  ids.last = 1;
  {
    LocalBlockStore store(data(), ids.source(),
                          LocalBlockStoreOptions{1000, std::chrono::milliseconds(0)});
    EXPECT_FALSE(store.compaction()->accounting_trusted()) << "as before: files and no ledger";
    put(store, 100, 2);
    store.sync();
  }
  const auto after = snapshot(data());
  for (int copy = 0; copy < 2; ++copy) {
    const auto name = LedgerFile::copy_path("", copy).string();
    EXPECT_EQ(after.contains(name), before.contains(name));
    if (before.contains(name)) {
      EXPECT_EQ(after.at(name), before.at(name)) << name;
    }
  }
}

// ---- import of format-1 accounting --------------------------------------------------------

TEST_F(LedgerStoreTest, given_v1_rows_when_imported_then_the_store_opens_with_them_trusted) {
  stdfs::create_directories(data());
  write_bytes(data_file_path(data(), 3), std::vector<char>(500, 'a'));
  write_bytes(data_file_path(data(), 9), std::vector<char>(700, 'b'));
  const V1ContainerRow rows[] = {{3, 200, 500, 0}, {9, 650, 700, 0}, {12, 1, 1, 0}};
  LocalBlockStore::import_v1_accounting(data(), rows);
  const auto record = on_disk();
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->clean);
  EXPECT_EQ(record->high_water, 13U) << "above every id in the rows, even a file that is gone";
  EXPECT_EQ(record->containers.size(), 2U);
  auto store = open();
  EXPECT_TRUE(store->compaction()->accounting_trusted());
  const auto containers = store->compaction()->containers();
  ASSERT_EQ(containers.size(), 2U);
  EXPECT_EQ(containers[0].group, 3U);
  EXPECT_EQ(containers[0].live_bytes, 200U);
  EXPECT_EQ(containers[1].live_bytes, 650U);
  EXPECT_EQ(put(*store, 10, 1).group, 13U);
}

TEST_F(LedgerStoreTest, given_data_file_without_v1_row_when_imported_then_not_trusted) {
  stdfs::create_directories(data());
  write_bytes(data_file_path(data(), 3), {'a'});
  write_bytes(data_file_path(data(), 20), {'b'});
  const V1ContainerRow rows[] = {{3, 1, 1, 0}};
  LocalBlockStore::import_v1_accounting(data(), rows);
  EXPECT_FALSE(on_disk()->clean);
  EXPECT_EQ(on_disk()->high_water, 21U);
  auto store = open();
  EXPECT_FALSE(store->compaction()->accounting_trusted());
}

}  // namespace
}  // namespace squeezefs::blockstore::testing
