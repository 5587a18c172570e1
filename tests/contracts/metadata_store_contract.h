#pragma once

// The contract every MetadataStore keeps, written once and instantiated for each implementation
// (tests/index/*_metadata_store_test.cpp). A factory type provides:
//
//   static constexpr bool kCanReopen;        // reopen() and the durability cases
//   static constexpr bool kCanCrash;         // crash()
//   MetadataStore& make();                   // a fresh store, empty, default StoreConfig
//   MetadataStore& reopen(bool read_only);   // closes cleanly, opens the same storage again
//   MetadataStore& crash();                  // a power cut (what no sync made durable may go),
//                                            // then opens the same storage again
//   bool start_failing(StorageErrc kind);    // later writes fail with `kind` (false: cannot)
//   void stop_failing();
//   bool lose_unsynced_commits();            // the backend drops its commits since the last
//                                            // sync, as after an error (false: cannot)
//   bool force_retries(int n);               // next n bodies run twice (false: never reruns)
//
// The store returned stays valid until the next call of make/reopen/crash.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "squeezefs/common/result.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::index::contract {

inline constexpr Ino kRoot = 1;
inline constexpr EntryId kNoLimit = std::numeric_limits<EntryId>::max();

inline InodeRecord dir_record(Ino ino = 0) {
  InodeRecord r;
  r.ino = ino;
  r.mode = 040755;
  r.nlink = 2;
  return r;
}

inline InodeRecord file_record(std::uint64_t size = 0) {
  InodeRecord r;
  r.mode = 0100644;
  r.nlink = 1;
  r.size = size;
  r.uid = 1000;
  r.mtime_ns = -5;
  return r;
}

inline BlockRef block_ref(std::uint32_t data_file, std::uint64_t offset, std::uint32_t stored) {
  return BlockRef{3, 4096, stored, 0xfedcba9876543210ULL ^ offset, data_file, offset};
}

template <class Factory>
class MetadataStoreContract : public ::testing::Test {
 protected:
  // A fresh store with the root directory and one data file.
  MetadataStore& fresh() {
    MetadataStore& store = factory_.make();
    data_file_ = store.transact([](MetadataTxn& txn) {
      txn.insert_inode(dir_record(kRoot));
      return txn.add_data_file();
    });
    return store;
  }

  // A new file named `name` in the root.
  static Ino create(MetadataStore& store, const std::string& name, std::uint64_t size = 0) {
    return store.transact([&](MetadataTxn& txn) {
      const Ino ino = txn.allocate_inode(file_record(size));
      txn.add_entry(kRoot, name, ino);
      return ino;
    });
  }

  static std::vector<std::string> names_in(MetadataStore& store, Ino dir) {
    return store.read([&](MetadataReader& r) {
      std::vector<std::string> out;
      for (const auto& e : r.list_entries(dir, 0, 1000, kNoLimit)) out.push_back(e.name);
      return out;
    });
  }

  template <class F>
  static StorageErrc kind_thrown(F&& f) {
    try {
      f();
    } catch (const StorageError& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no StorageError thrown";
    return StorageErrc::kUnavailable;
  }

  Factory factory_;
  std::uint32_t data_file_ = 0;
};

TYPED_TEST_SUITE_P(MetadataStoreContract);

// --- Inodes ---

TYPED_TEST_P(MetadataStoreContract, given_inode_when_inserted_updated_removed_then_reads_follow) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f", 10);
  auto rec = store.read([&](MetadataReader& r) { return r.inode(ino); });
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->ino, ino);
  EXPECT_EQ(rec->size, 10U);
  EXPECT_EQ(rec->mtime_ns, -5);
  rec->size = 5'000'000'000ULL;
  store.transact([&](MetadataTxn& txn) { txn.update_inode(*rec); });
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.inode(ino); }), rec);
  store.transact([&](MetadataTxn& txn) {
    txn.remove_entry(kRoot, "f");
    txn.remove_inode(ino);
  });
  EXPECT_FALSE(store.read([&](MetadataReader& r) { return r.inode(ino); }).has_value());
}

TYPED_TEST_P(MetadataStoreContract, given_missing_inode_when_updated_then_io_error) {
  auto& store = this->fresh();
  InodeRecord ghost = file_record();
  ghost.ino = 999;
  EXPECT_EQ(this->kind_thrown(
                [&] { store.transact([&](MetadataTxn& txn) { txn.update_inode(ghost); }); }),
            StorageErrc::kIo);
}

TYPED_TEST_P(MetadataStoreContract, given_allocations_when_inodes_removed_then_numbers_only_grow) {
  auto& store = this->fresh();
  std::vector<Ino> got;
  for (int i = 0; i < 5; ++i) got.push_back(this->create(store, "f" + std::to_string(i)));
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
  EXPECT_GT(got.front(), kRoot);
  // The highest is removed: its number does not come back, nor does one of a rolled-back body.
  store.transact([&](MetadataTxn& txn) {
    txn.remove_entry(kRoot, "f4");
    txn.remove_inode(got.back());
  });
  Ino rolled_back = 0;
  const Result<void> undone = store.transact([&](MetadataTxn& txn) -> Result<void> {
    rolled_back = txn.allocate_inode(file_record());
    return fail(std::errc::io_error);
  });
  EXPECT_FALSE(undone.has_value());
  EXPECT_GT(rolled_back, got.back());
  const Ino next = this->create(store, "g");
  EXPECT_GT(next, got.back());
  EXPECT_GT(next, rolled_back);
}

TYPED_TEST_P(MetadataStoreContract, given_inode_named_by_entry_when_removed_then_refused) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f");
  EXPECT_EQ(
      this->kind_thrown([&] { store.transact([&](MetadataTxn& txn) { txn.remove_inode(ino); }); }),
      StorageErrc::kIo);
  EXPECT_TRUE(store.read([&](MetadataReader& r) { return r.inode(ino); }).has_value());
}

TYPED_TEST_P(MetadataStoreContract, given_nlink_zero_inodes_then_listed_as_orphans) {
  auto& store = this->fresh();
  const Ino orphan = store.transact([](MetadataTxn& txn) {
    auto rec = file_record();
    rec.nlink = 0;
    return txn.allocate_inode(rec);
  });
  this->create(store, "linked");
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.orphan_inodes(); }),
            std::vector<Ino>{orphan});
}

// --- Entries ---

TYPED_TEST_P(MetadataStoreContract, given_existing_name_when_added_again_then_refused) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f");
  EXPECT_EQ(this->kind_thrown(
                [&] { store.transact([&](MetadataTxn& txn) { txn.add_entry(kRoot, "f", ino); }); }),
            StorageErrc::kIo);
  EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"f"});
}

TYPED_TEST_P(MetadataStoreContract, given_entries_when_removed_moved_retargeted_then_ids_behave) {
  auto& store = this->fresh();
  const Ino a = this->create(store, "a");
  const Ino b = this->create(store, "b");
  const auto id_of = [&](const std::string& name) {
    return store.read([&](MetadataReader& r) { return r.lookup(kRoot, name); })->entry_id;
  };
  const EntryId id_b = id_of("b");
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.last_entry_id(); }), id_b);
  // The highest id removed: a new entry still gets a higher one.
  store.transact([&](MetadataTxn& txn) { txn.remove_entry(kRoot, "b"); });
  store.transact([&](MetadataTxn& txn) { txn.add_entry(kRoot, "b2", b); });
  const EntryId id_b2 = id_of("b2");
  EXPECT_GT(id_b2, id_b);
  // Retarget keeps the id; move gives a new one.
  store.transact([&](MetadataTxn& txn) { txn.retarget_entry(kRoot, "b2", a); });
  EXPECT_EQ(id_of("b2"), id_b2);
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.lookup(kRoot, "b2"); })->child, a);
  store.transact([&](MetadataTxn& txn) { txn.move_entry(kRoot, "a", kRoot, "c"); });
  EXPECT_FALSE(store.read([&](MetadataReader& r) { return r.lookup(kRoot, "a"); }).has_value());
  EXPECT_GT(id_of("c"), id_b2);
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.lookup(kRoot, "c"); })->child, a);
}

TYPED_TEST_P(MetadataStoreContract, given_directory_when_listed_then_bounds_and_order_hold) {
  auto& store = this->fresh();
  const Ino sub = store.transact([](MetadataTxn& txn) {
    const Ino d = txn.allocate_inode(dir_record());
    txn.add_entry(kRoot, "sub", d);
    return d;
  });
  std::vector<EntryId> ids;
  for (const char* name : {"z", "a", "m", "b", "y"}) {
    ids.push_back(store.transact([&](MetadataTxn& txn) {
      const Ino f = txn.allocate_inode(file_record());
      return txn.add_entry(sub, name, f);
    }));
  }
  const auto list = [&](EntryId after, std::size_t limit, EntryId last) {
    return store.read([&](MetadataReader& r) {
      std::vector<std::string> out;
      for (const auto& e : r.list_entries(sub, after, limit, last)) {
        EXPECT_EQ(e.parent, sub);
        out.push_back(e.name);
      }
      return out;
    });
  };
  EXPECT_EQ(list(0, 100, kNoLimit), (std::vector<std::string>{"z", "a", "m", "b", "y"}));
  EXPECT_EQ(list(ids[0], 2, kNoLimit), (std::vector<std::string>{"a", "m"}));
  EXPECT_EQ(list(ids[1], 100, ids[3]), (std::vector<std::string>{"m", "b"}));
  EXPECT_TRUE(list(ids[4], 100, kNoLimit).empty());
  EXPECT_TRUE(list(0, 0, kNoLimit).empty());
  EXPECT_TRUE(store.read([&](MetadataReader& r) { return r.has_entries(sub); }));
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.parent_of(sub); }), kRoot);
  EXPECT_FALSE(store.read([&](MetadataReader& r) { return r.parent_of(kRoot); }).has_value());
  const Ino empty = store.transact([](MetadataTxn& txn) {
    const Ino d = txn.allocate_inode(dir_record());
    txn.add_entry(kRoot, "empty", d);
    return d;
  });
  EXPECT_FALSE(store.read([&](MetadataReader& r) { return r.has_entries(empty); }));
}

// --- Symlinks and xattrs ---

TYPED_TEST_P(MetadataStoreContract, given_symlink_and_xattrs_when_changed_then_reads_follow) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f");
  const std::string binary_name("user.\0\xff", 7);
  const std::string binary_value("\0\x01\xfe", 3);
  store.transact([&](MetadataTxn& txn) {
    txn.set_symlink(ino, "old/target");
    txn.set_symlink(ino, std::string("new\0t", 5));
    txn.set_xattr(ino, "user.b", "1");
    txn.set_xattr(ino, "user.a", "2");
    txn.set_xattr(ino, binary_name, binary_value);
    txn.set_xattr(ino, "user.b", "");  // replaced by an empty value
  });
  store.read([&](MetadataReader& r) {
    EXPECT_EQ(r.symlink(ino), std::string("new\0t", 5));
    EXPECT_EQ(r.xattr(ino, "user.b"), "");
    EXPECT_EQ(r.xattr(ino, binary_name), binary_value);
    EXPECT_EQ(r.xattr_names(ino), (std::vector<std::string>{binary_name, "user.a", "user.b"}));
    EXPECT_FALSE(r.xattr(ino, "user.c").has_value());
    EXPECT_FALSE(r.symlink(kRoot).has_value());
  });
  EXPECT_TRUE(store.transact([&](MetadataTxn& txn) { return txn.remove_xattr(ino, "user.a"); }));
  EXPECT_FALSE(store.transact([&](MetadataTxn& txn) { return txn.remove_xattr(ino, "user.a"); }));
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.xattr_names(ino); }),
            (std::vector<std::string>{binary_name, "user.b"}));
}

// --- Block maps ---

TYPED_TEST_P(MetadataStoreContract, given_block_map_when_changed_then_returns_and_sums_follow) {
  auto& store = this->fresh();
  const auto file = this->data_file_;
  const Ino ino = this->create(store, "f");
  const auto r0 = block_ref(file, 0, 100);
  const auto r1 = block_ref(file, 100, 200);
  const auto r2 = block_ref(file, 300, 300);
  const auto r1b = block_ref(file, 600, 50);
  store.transact([&](MetadataTxn& txn) {
    EXPECT_FALSE(txn.put_block(ino, 2, r2).has_value());
    EXPECT_FALSE(txn.put_block(ino, 0, r0).has_value());
    EXPECT_FALSE(txn.put_block(ino, 1, r1).has_value());
    EXPECT_EQ(txn.stored_bytes(ino), 600U);
    EXPECT_EQ(txn.put_block(ino, 1, r1b), r1);  // replaced
    EXPECT_EQ(txn.stored_bytes(ino), 450U);
  });
  store.read([&](MetadataReader& r) {
    using Map = std::vector<std::pair<BlockIndex, BlockRef>>;
    EXPECT_EQ(r.blocks(ino, 0, std::numeric_limits<BlockIndex>::max()),
              (Map{{0, r0}, {1, r1b}, {2, r2}}));
    EXPECT_EQ(r.blocks(ino, 1, 1), (Map{{1, r1b}}));
    EXPECT_TRUE(r.blocks(ino, 3, 10).empty());
    EXPECT_EQ(r.block(ino, 2), r2);
    EXPECT_FALSE(r.block(ino, 7).has_value());
  });
  store.transact([&](MetadataTxn& txn) {
    EXPECT_EQ(txn.remove_block(ino, 0), r0);
    EXPECT_FALSE(txn.remove_block(ino, 0).has_value());
    EXPECT_EQ(txn.stored_bytes(ino), 350U);
    EXPECT_EQ(txn.remove_blocks_from(ino, 1), (std::vector<BlockRef>{r1b, r2}));
    EXPECT_EQ(txn.stored_bytes(ino), 0U);
    txn.put_block(ino, 5, r0);
  });
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.stored_bytes(ino); }), 100U);
  const auto removed = store.transact([&](MetadataTxn& txn) {
    txn.remove_entry(kRoot, "f");
    return txn.remove_inode(ino);
  });
  EXPECT_EQ(removed, std::vector<BlockRef>{r0});
  EXPECT_EQ(store.block_count(), 0U);
}

TYPED_TEST_P(MetadataStoreContract, given_stale_expected_when_relocating_then_nothing_changes) {
  auto& store = this->fresh();
  const auto file = this->data_file_;
  const Ino ino = this->create(store, "f");
  const auto ref = block_ref(file, 0, 100);
  store.transact([&](MetadataTxn& txn) { txn.put_block(ino, 0, ref); });
  const BlockAddress to{file, 4096, 100};
  auto stale = ref;
  stale.offset = 77;
  EXPECT_FALSE(
      store.transact([&](MetadataTxn& txn) { return txn.relocate_block(ino, 0, stale, to); }));
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.block(ino, 0); }), ref);
  EXPECT_TRUE(
      store.transact([&](MetadataTxn& txn) { return txn.relocate_block(ino, 0, ref, to); }));
  auto moved = ref;
  moved.offset = 4096;
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.block(ino, 0); }), moved);
}

TYPED_TEST_P(MetadataStoreContract, given_blocks_in_groups_when_scanned_then_exactly_live_refs) {
  auto& store = this->fresh();
  const auto first = this->data_file_;
  const auto second = store.transact([](MetadataTxn& txn) { return txn.add_data_file(); });
  const Ino a = this->create(store, "a");
  const Ino b = this->create(store, "b");
  store.transact([&](MetadataTxn& txn) {
    txn.put_block(a, 0, block_ref(second, 500, 10));
    txn.put_block(a, 1, block_ref(first, 300, 10));
    txn.put_block(b, 0, block_ref(first, 100, 10));
    txn.put_block(b, 1, block_ref(second, 0, 10));
    txn.put_block(b, 2, block_ref(first, 900, 10));
    txn.remove_block(b, 2);  // not live
  });
  const std::vector<StoredBlock> in_first{{b, 0, block_ref(first, 100, 10)},
                                          {a, 1, block_ref(first, 300, 10)}};
  const std::vector<StoredBlock> in_second{{b, 1, block_ref(second, 0, 10)},
                                           {a, 0, block_ref(second, 500, 10)}};
  EXPECT_EQ(store.blocks_in_group(first), in_first);
  EXPECT_EQ(store.blocks_in_group(second), in_second);
  EXPECT_TRUE(store.blocks_in_group(second + 1).empty());
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.blocks_in_data_file(first); }), in_first);
  std::vector<StoredBlock> all;
  store.for_each_block([&](const StoredBlock& s) { all.push_back(s); });
  auto expected = in_first;
  expected.insert(expected.end(), in_second.begin(), in_second.end());
  EXPECT_EQ(all, expected);  // in (data file, offset) order
  EXPECT_EQ(store.block_count(), 4U);
}

TYPED_TEST_P(MetadataStoreContract, given_missing_rows_when_referenced_then_refused) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f");
  const auto refused = [&](auto body) {
    EXPECT_EQ(this->kind_thrown([&] { store.transact(body); }), StorageErrc::kIo);
  };
  refused([&](MetadataTxn& txn) { txn.put_block(ino, 0, block_ref(this->data_file_ + 50, 0, 1)); });
  refused(
      [&](MetadataTxn& txn) { txn.put_block(ino + 100, 0, block_ref(this->data_file_, 0, 1)); });
  refused([&](MetadataTxn& txn) { txn.add_entry(kRoot, "g", ino + 100); });
  refused([&](MetadataTxn& txn) { txn.set_xattr(ino + 100, "user.a", "v"); });
  refused([&](MetadataTxn& txn) { txn.retarget_entry(kRoot, "nothing", ino); });
  refused([&](MetadataTxn& txn) { txn.move_entry(kRoot, "nothing", kRoot, "x"); });
  EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"f"});
}

// --- Data file accounting (the bridge until accounting moves to the block store) ---

TYPED_TEST_P(MetadataStoreContract, given_data_file_accounting_when_changed_then_rows_follow) {
  auto& store = this->fresh();
  const auto id = this->data_file_;
  const Ino ino = this->create(store, "f");
  store.transact([&](MetadataTxn& txn) {
    txn.account_written(id, 1000);
    txn.account_dead(id, 24);
    txn.account_freed(id, 300);
    txn.put_block(ino, 0, block_ref(id, 0, 700));
  });
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.data_file(id); }),
            (DataFileRecord{id, 700, 1024}));
  store.transact([&](MetadataTxn& txn) { txn.account_freed(id, 5000); });  // never below 0
  EXPECT_EQ(store.read([&](MetadataReader& r) { return r.data_file(id)->live_bytes; }), 0U);
  EXPECT_EQ(this->kind_thrown(
                [&] { store.transact([&](MetadataTxn& txn) { txn.account_written(id + 9, 1); }); }),
            StorageErrc::kIo);
  // Refused while a block is stored in it.
  EXPECT_EQ(this->kind_thrown(
                [&] { store.transact([&](MetadataTxn& txn) { txn.remove_data_file(id); }); }),
            StorageErrc::kIo);
  const auto other = store.transact([&](MetadataTxn& txn) {
    const auto next = txn.add_data_file();
    txn.set_data_file_accounting(DataFileRecord{next, 5, 6});
    return next;
  });
  EXPECT_GT(other, id);
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.data_files(); }),
            (std::vector<DataFileRecord>{{id, 0, 1024}, {other, 5, 6}}));
  store.transact([&](MetadataTxn& txn) { txn.remove_data_file(other); });
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.data_files().size(); }), 1U);
}

// --- Transactions ---

TYPED_TEST_P(MetadataStoreContract,
             given_error_result_when_transacting_then_every_write_rolls_back) {
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f", 1);
  CommitTicket ticket{99};
  const Result<int> r = store.transact(
      [&](MetadataTxn& txn) -> Result<int> {
        auto rec = *txn.inode(ino);
        rec.size = 2;
        txn.update_inode(rec);
        txn.set_xattr(ino, "user.x", "v");
        txn.put_block(ino, 0, block_ref(this->data_file_, 0, 10));
        txn.account_written(this->data_file_, 10);
        txn.add_entry(kRoot, "g", txn.allocate_inode(file_record()));
        txn.remove_entry(kRoot, "f");
        txn.add_entry(kRoot, "f2", ino);
        txn.set_default_codec(7, 3);
        EXPECT_EQ(txn.inode(ino)->size, 2U);  // its own writes
        return fail(std::errc::no_space_on_device);
      },
      &ticket);
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(ticket.seq, 0U);
  EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"f"});
  store.read([&](MetadataReader& rd) {
    EXPECT_EQ(rd.inode(ino)->size, 1U);
    EXPECT_FALSE(rd.xattr(ino, "user.x").has_value());
    EXPECT_FALSE(rd.block(ino, 0).has_value());
    EXPECT_EQ(rd.data_file(this->data_file_)->total_bytes, 0U);
  });
  EXPECT_EQ(store.config(), StoreConfig{});
  EXPECT_EQ(store.all_inodes().size(), 2U);
}

TYPED_TEST_P(MetadataStoreContract, given_exception_in_body_then_rolls_back_and_propagates) {
  auto& store = this->fresh();
  EXPECT_THROW(store.transact([&](MetadataTxn& txn) {
    txn.add_entry(kRoot, "g", txn.allocate_inode(file_record()));
    throw std::logic_error("body failed");
  }),
               std::logic_error);
  EXPECT_TRUE(this->names_in(store, kRoot).empty());
  // The store still works.
  this->create(store, "h");
  EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"h"});
}

TYPED_TEST_P(MetadataStoreContract, given_commit_then_later_reads_and_tickets_see_it) {
  auto& store = this->fresh();
  CommitTicket first;
  CommitTicket second;
  const Ino a = store.transact(
      [](MetadataTxn& txn) {
        const Ino ino = txn.allocate_inode(file_record());
        txn.add_entry(kRoot, "a", ino);
        EXPECT_EQ(txn.lookup(kRoot, "a")->child, ino);
        return ino;
      },
      &first);
  store.transact([&](MetadataTxn& txn) { txn.set_default_codec(2, 9); }, &second);
  EXPECT_GT(first.seq, 0U);
  EXPECT_GT(second.seq, first.seq);
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.lookup(kRoot, "a")->child; }), a);
  EXPECT_EQ(store.config().default_codec, 2);
  EXPECT_EQ(store.config().codec_level, 9);
}

TYPED_TEST_P(MetadataStoreContract, given_forced_retry_then_body_runs_twice_and_commits_once) {
  auto& store = this->fresh();
  if (!this->factory_.force_retries(1)) GTEST_SKIP() << "this store never reruns a body";
  int runs = 0;
  const Ino ino = store.transact([&](MetadataTxn& txn) {
    ++runs;
    // The first run's writes are gone when the second starts.
    EXPECT_FALSE(txn.lookup(kRoot, "f").has_value());
    const Ino made = txn.allocate_inode(file_record());
    txn.add_entry(kRoot, "f", made);
    return made;
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(store.all_inodes().size(), 2U);
  EXPECT_EQ(store.read([](MetadataReader& r) { return r.lookup(kRoot, "f")->child; }), ino);
}

TYPED_TEST_P(MetadataStoreContract,
             given_body_calling_its_store_again_then_refused_not_deadlocked) {
  auto& store = this->fresh();
  EXPECT_EQ(this->kind_thrown([&] {
    store.transact([&](MetadataTxn& txn) {
      txn.add_entry(kRoot, "f", txn.allocate_inode(file_record()));
      (void)store.read([](MetadataReader& r) { return r.has_entries(kRoot); });
    });
  }),
            StorageErrc::kIo);
  EXPECT_EQ(this->kind_thrown([&] { store.read([&](MetadataReader&) { (void)store.sync(); }); }),
            StorageErrc::kIo);
  EXPECT_TRUE(this->names_in(store, kRoot).empty());  // the outer transaction rolled back
  // Visitors of a scan run outside the store's locks and may use it.
  const Ino g = this->create(store, "g");
  store.transact([&](MetadataTxn& txn) { txn.put_block(g, 0, block_ref(this->data_file_, 0, 1)); });
  std::vector<std::optional<InodeRecord>> owners;
  store.for_each_block([&](const StoredBlock& b) {
    owners.push_back(store.read([&](MetadataReader& r) { return r.inode(b.ino); }));
  });
  ASSERT_EQ(owners.size(), 1U);
  EXPECT_TRUE(owners.front().has_value());
}

// --- Durability ---

TYPED_TEST_P(MetadataStoreContract, given_sync_when_reopened_then_everything_is_there) {
  if (!TypeParam::kCanReopen) GTEST_SKIP() << "no storage to reopen";
  auto& store = this->fresh();
  const Ino ino = this->create(store, "f", 42);
  store.transact([&](MetadataTxn& txn) {
    txn.set_xattr(ino, "user.a", "v");
    txn.put_block(ino, 0, block_ref(this->data_file_, 0, 10));
  });
  store.sync();
  auto& again = this->factory_.reopen(false);
  EXPECT_EQ(again.read([&](MetadataReader& r) { return r.inode(ino)->size; }), 42U);
  EXPECT_EQ(again.read([&](MetadataReader& r) { return r.xattr(ino, "user.a"); }), "v");
  EXPECT_EQ(again.block_count(), 1U);
  EXPECT_EQ(this->names_in(again, kRoot), std::vector<std::string>{"f"});
  // Numbers keep growing after a reopen.
  EXPECT_GT(this->create(again, "g"), ino);
}

TYPED_TEST_P(MetadataStoreContract, given_crash_then_a_prefix_at_least_up_to_the_sync_survives) {
  if (!TypeParam::kCanCrash) GTEST_SKIP() << "cannot simulate a power cut";
  auto& store = this->fresh();
  for (int i = 0; i < 3; ++i) this->create(store, "synced" + std::to_string(i));
  store.sync();
  for (int i = 0; i < 5; ++i) this->create(store, "late" + std::to_string(i));
  auto& after = this->factory_.crash();
  const auto names = this->names_in(after, kRoot);
  ASSERT_GE(names.size(), 3U);
  // In commit order: the synced ones, then some prefix of the later ones.
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i], i < 3 ? "synced" + std::to_string(i) : "late" + std::to_string(i - 3));
  }
  EXPECT_TRUE(after.check_own_consistency(MetadataStore::CheckDepth::kFull).empty());
}

TYPED_TEST_P(MetadataStoreContract, given_each_commit_durability_then_commit_survives_crash) {
  if (!TypeParam::kCanCrash) GTEST_SKIP() << "cannot simulate a power cut";
  auto& store = this->fresh();
  store.set_durability(Durability::kEachCommit);
  this->create(store, "durable");
  auto& after = this->factory_.crash();
  EXPECT_EQ(this->names_in(after, kRoot), std::vector<std::string>{"durable"});
}

TYPED_TEST_P(MetadataStoreContract, given_tickets_when_synced_then_durable_seq_covers_them) {
  auto& store = this->fresh();
  std::vector<CommitTicket> tickets(3);
  for (auto& t : tickets) {
    store.transact([](MetadataTxn& txn) { txn.allocate_inode(file_record()); }, &t);
  }
  const SyncResult synced = store.sync();
  for (const auto& t : tickets) EXPECT_LE(t.seq, synced.durable_seq);
  EXPECT_FALSE(synced.lost_commits);
  CommitTicket later;
  store.transact([](MetadataTxn& txn) { txn.allocate_inode(file_record()); }, &later);
  EXPECT_GT(later.seq, synced.durable_seq);
  EXPECT_GE(store.sync().durable_seq, later.seq);
}

TYPED_TEST_P(MetadataStoreContract, given_lost_commits_then_sync_reports_it_once) {
  auto& store = this->fresh();
  store.sync();
  this->create(store, "lost");
  if (!this->factory_.lose_unsynced_commits()) GTEST_SKIP() << "cannot drop commits";
  const SyncResult first = store.sync();
  EXPECT_TRUE(first.lost_commits);
  EXPECT_FALSE(store.sync().lost_commits);
  EXPECT_TRUE(this->names_in(store, kRoot).empty());
  // The store works on.
  this->create(store, "after");
  EXPECT_FALSE(store.sync().lost_commits);
  EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"after"});
}

TYPED_TEST_P(MetadataStoreContract, given_commit_then_unsynced_changes_until_sync) {
  auto& store = this->fresh();
  store.sync();
  EXPECT_FALSE(store.has_unsynced_changes());
  this->create(store, "f");
  EXPECT_TRUE(store.has_unsynced_changes());
  store.sync();
  EXPECT_FALSE(store.has_unsynced_changes());
}

// --- Errors ---

TYPED_TEST_P(MetadataStoreContract, given_failing_medium_when_writing_then_kind_and_no_change) {
  for (const StorageErrc kind : {StorageErrc::kNoSpace, StorageErrc::kIo}) {
    auto& store = this->fresh();
    const Ino ino = this->create(store, "f");
    store.sync();
    if (!this->factory_.start_failing(kind)) continue;
    const std::string big(256 * 1024, 'x');  // needs new pages wherever it is stored
    EXPECT_EQ(this->kind_thrown([&] {
      store.transact([&](MetadataTxn& txn) {
        txn.set_xattr(ino, "user.big", big);
        txn.add_entry(kRoot, "g", txn.allocate_inode(file_record()));
      });
    }),
              kind);
    this->factory_.stop_failing();
    EXPECT_FALSE(store.read([&](MetadataReader& r) { return r.xattr(ino, "user.big"); }));
    EXPECT_EQ(this->names_in(store, kRoot), std::vector<std::string>{"f"});
    this->create(store, "h");  // works again
    store.sync();
    EXPECT_EQ(this->names_in(store, kRoot), (std::vector<std::string>{"f", "h"}));
  }
}

TYPED_TEST_P(MetadataStoreContract, given_read_only_store_when_writing_then_read_only_error) {
  if (!TypeParam::kCanReopen) GTEST_SKIP() << "no storage to reopen";
  auto& store = this->fresh();
  this->create(store, "f");
  store.sync();
  auto& ro = this->factory_.reopen(true);
  EXPECT_TRUE(ro.read_only());
  EXPECT_EQ(this->names_in(ro, kRoot), std::vector<std::string>{"f"});
  EXPECT_EQ(this->kind_thrown([&] { this->create(ro, "g"); }), StorageErrc::kReadOnly);
  EXPECT_EQ(this->names_in(ro, kRoot), std::vector<std::string>{"f"});
}

// --- Concurrency (run under ThreadSanitizer too) ---

TYPED_TEST_P(MetadataStoreContract,
             given_threads_transacting_while_scanning_then_all_commits_land) {
  auto& store = this->fresh();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<bool> writers_done{false};
  std::atomic<int> scans{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = std::to_string(t) + "-" + std::to_string(i);
        const Ino ino = this->create(store, name);
        store.transact([&](MetadataTxn& txn) {
          txn.put_block(ino, 0,
                        block_ref(this->data_file_, static_cast<std::uint64_t>(t * 1000 + i), 1));
          auto rec = *txn.inode(ino);
          rec.size = 1;
          txn.update_inode(rec);
        });
        EXPECT_EQ(store.read([&](MetadataReader& r) { return r.lookup(kRoot, name)->child; }), ino);
        if (i % 10 == 0) store.sync();
      }
    });
  }
  std::thread scanner([&] {
    // At least one scan, and more while the writers run.
    do {
      std::uint64_t seen = 0;
      store.for_each_block([&](const StoredBlock&) { ++seen; });
      EXPECT_LE(seen, std::uint64_t{kThreads * kPerThread});
      (void)store.all_inodes();
      scans.fetch_add(1);
    } while (!writers_done.load());
  });
  for (auto& th : threads) th.join();
  writers_done.store(true);
  scanner.join();
  EXPECT_GE(scans.load(), 1);
  EXPECT_EQ(store.block_count(), std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(store.all_entries().size(), std::size_t{kThreads * kPerThread});
}

REGISTER_TYPED_TEST_SUITE_P(MetadataStoreContract,
                            given_inode_when_inserted_updated_removed_then_reads_follow,
                            given_missing_inode_when_updated_then_io_error,
                            given_allocations_when_inodes_removed_then_numbers_only_grow,
                            given_inode_named_by_entry_when_removed_then_refused,
                            given_nlink_zero_inodes_then_listed_as_orphans,
                            given_existing_name_when_added_again_then_refused,
                            given_entries_when_removed_moved_retargeted_then_ids_behave,
                            given_directory_when_listed_then_bounds_and_order_hold,
                            given_symlink_and_xattrs_when_changed_then_reads_follow,
                            given_block_map_when_changed_then_returns_and_sums_follow,
                            given_stale_expected_when_relocating_then_nothing_changes,
                            given_blocks_in_groups_when_scanned_then_exactly_live_refs,
                            given_missing_rows_when_referenced_then_refused,
                            given_data_file_accounting_when_changed_then_rows_follow,
                            given_error_result_when_transacting_then_every_write_rolls_back,
                            given_exception_in_body_then_rolls_back_and_propagates,
                            given_commit_then_later_reads_and_tickets_see_it,
                            given_forced_retry_then_body_runs_twice_and_commits_once,
                            given_body_calling_its_store_again_then_refused_not_deadlocked,
                            given_sync_when_reopened_then_everything_is_there,
                            given_crash_then_a_prefix_at_least_up_to_the_sync_survives,
                            given_each_commit_durability_then_commit_survives_crash,
                            given_tickets_when_synced_then_durable_seq_covers_them,
                            given_lost_commits_then_sync_reports_it_once,
                            given_commit_then_unsynced_changes_until_sync,
                            given_failing_medium_when_writing_then_kind_and_no_change,
                            given_read_only_store_when_writing_then_read_only_error,
                            given_threads_transacting_while_scanning_then_all_commits_land);

}  // namespace squeezefs::index::contract
