// Power-loss tests: the store runs over fault-injecting layers (a SQLite VFS under the index, a
// FileIo under the data files) that can cut the power before any write, truncation or sync and
// then drop everything not synced. After each simulated power loss the store is reopened
// normally and must hold every synced file exactly, and nothing unreadable.
//
// SQUEEZEFS_CRASH_SCALE (default 1) multiplies the number of random seeds and crash points.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <random>

#include "core_workload.h"
#include "power_loss_file_io.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/index/testing/fault_vfs.h"
#include "store_check.h"

namespace squeezefs::testing {
namespace {

using index::testing::FaultOp;

constexpr std::uint32_t kBlockSize = 4096;
// Small data files, so workloads roll over to new ones (directory syncs, syncs of older files).
constexpr std::uint64_t kDataFileLimit = 48 * 1024;

int crash_scale() {
  const char* value = std::getenv("SQUEEZEFS_CRASH_SCALE");
  const int scale = value != nullptr ? std::atoi(value) : 1;
  return scale > 0 ? scale : 1;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "squeezefs-crash-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Where the power fails: before the `sync`-th sync, or before the `event`-th write, truncation
// or sync, counting both layers together (0-based). Neither: it stays on.
struct PowerPlan {
  std::optional<std::size_t> sync;
  std::optional<std::size_t> event;
  index::testing::PowerLoss loss;  // which unsynced writes survive
};

// The kinds of loss the tests rotate through: everything unsynced lost; each file keeping a
// random prefix of its unsynced writes (finds index commits that reach the disk before the data
// they reference was synced); a random half kept; most kept with the last write torn.
index::testing::PowerLoss loss_kind(std::size_t kind, std::uint64_t seed) {
  switch (kind % 4) {
    case 0:
      return {0.0, seed, false, false};
    case 1:
      return {0.0, seed, false, true};
    case 2:
      return {0.5, seed, false, false};
    default:
      return {0.9, seed, true, false};
  }
}

std::string describe(const index::testing::PowerLoss& loss) {
  if (loss.per_file_prefix) return "each file keeping a random prefix of its unsynced writes";
  return "keeping " + std::to_string(static_cast<int>(loss.keep * 100)) + "% of unsynced writes" +
         (loss.tear ? ", tearing the last" : "");
}

struct TrialCounts {
  std::size_t syncs = 0;
  std::size_t events = 0;
  bool lost_power = false;  // during the workload
  bool hit = false;         // the planned crash point was reached
};

using Script = std::function<void(CoreWorkload&)>;

// Runs `script` on a new store over the fault layers, cuts the power per `plan` (and at the
// end in any case), reverts the unsynced changes and checks the reopened store.
TrialCounts run_trial(const Script& script, std::uint64_t seed, const PowerPlan& plan,
                      const fs::DataPathOptions& options = {}) {
  static std::atomic<int> vfs_serial{0};
  TempDir dir;
  const auto root = dir.path() / "store";
  index::StoreConfig config;
  config.block_size = kBlockSize;
  if (!fs::make_store(root, config, fs::Caller{}).has_value())
    throw std::runtime_error("mkfs failed");

  TrialCounts counts;
  index::testing::UnsyncedChanges changes;
  index::testing::FaultVfs vfs("squeezefs-fault-" + std::to_string(++vfs_serial), changes);
  std::function<void()> cut_power;
  const index::testing::PowerHook hook = [&](FaultOp op, const std::string&) {
    bool fail = plan.event && counts.events == *plan.event;
    if (op == FaultOp::kSync) fail = fail || (plan.sync && counts.syncs == *plan.sync);
    ++counts.events;
    if (op == FaultOp::kSync) ++counts.syncs;
    if (fail) {
      counts.hit = true;
      cut_power();
    }
    return !fail;
  };
  vfs.set_hook(hook);
  PowerLossFileIo io(changes, hook);
  cut_power = [&] {
    vfs.cut_power();
    io.cut_power();
  };

  CrashModel model;
  {
    fs::StorageOptions storage;
    storage.index_vfs = vfs.name();
    storage.data_io = &io;
    storage.data_file_limit = kDataFileLimit;
    fs::Filesystem filesystem(root, std::nullopt, options, storage);
    CoreWorkload workload(filesystem, model, seed);
    try {
      script(workload);
    } catch (const std::exception& e) {
      if (vfs.powered() && io.powered()) throw;  // a real failure, not the power cut
      counts.lost_power = true;
    }
    cut_power();  // whatever is still unsynced is lost, even when the script finished
  }               // closing with the power off changes nothing on disk
  changes.revert(plan.loss);
  vfs.power_on();
  io.power_on();

  check_files_match(root, model);
  check_index_and_blocks(root);
  return counts;
}

// A fixed script touching every kind of change, with fsync points in between.
void scripted(CoreWorkload& w) {
  const std::uint64_t b = kBlockSize;
  w.create("a");
  w.write("a", 0, w.content(3 * b + 100));
  w.sync();
  w.create("b");
  w.write("b", 0, w.content(100));
  w.write("a", 5000, w.content(1000));  // in place, inside a block
  w.sync();
  w.create("a.tmp");  // whole rewrite: temporary file, fsync, rename over
  w.write("a.tmp", 0, w.content(2 * b + 808));
  w.sync();
  w.rename("a.tmp", "a");
  w.sync();
  w.truncate("a", 5000);
  w.write("b", 100, w.content(5000));
  w.sync();
  w.unlink("b");
  w.create("c");
  w.sync();
  w.write("c", 0, w.content(10000));
  w.truncate("c", 0);
  w.write("c", 0, w.content(3));
  w.create("d");
  w.write("d", 0, w.content(20 * b));  // passes the data file limit
  w.sync();
  w.rename("a", "e");
  w.write("e", 6000, w.content(500));
  w.write("d", 3 * b, w.content(b));
  w.sync();
  w.truncate("d", 30 * b + 7);  // grows: a hole
  w.create("empty");
  w.sync();
  w.write("d", 0, w.content(b / 2));  // unsynced at the end
  w.create("new");
}

TEST(PowerLossTest,
     given_scripted_workload_when_power_fails_at_each_sync_then_synced_files_survive) {
  const auto full = run_trial(scripted, 1, PowerPlan{});
  ASSERT_FALSE(full.lost_power);
  ASSERT_GT(full.syncs, 10U);
  // Background threads (the committer's grouping, the space reclaimer) make the number of syncs
  // vary a little from run to run, so a late crash point may not be reached in every run.
  std::size_t reached = 0;
  for (std::size_t k = 0; k < full.syncs; ++k) {
    const auto loss = loss_kind(k / 2, k);
    SCOPED_TRACE("power fails before sync " + std::to_string(k) + " of " +
                 std::to_string(full.syncs) + ", " + describe(loss));
    const auto counts = run_trial(scripted, 1, PowerPlan{k, std::nullopt, loss});
    if (counts.lost_power) {
      ++reached;
    } else {
      EXPECT_LE(counts.syncs, k) << "sync " << k << " happened but the power stayed on";
    }
    if (::testing::Test::HasFailure()) break;  // one reported crash point is enough to debug
  }
  EXPECT_GE(reached * 4, full.syncs * 3) << "too few crash points reached";
}

TEST(PowerLossTest,
     given_changes_nobody_syncs_when_power_fails_after_the_background_sync_then_all_survive) {
  // Writes, a rename over a file and a removal, and no sync or fsync: the store syncs them by
  // itself within the commit interval.
  const Script script = [](CoreWorkload& w) {
    w.create("a");
    w.write("a", 0, w.content(3 * kBlockSize + 100));
    w.create("b");
    w.write("b", 0, w.content(100));
    w.create("c");
    w.write("c", 0, w.content(kBlockSize));
    w.create("c.tmp");
    w.write("c.tmp", 0, w.content(2 * kBlockSize + 7));
    w.rename("c.tmp", "c");
    w.unlink("b");
    if (!w.await_background_sync(std::chrono::seconds(30)))
      throw std::runtime_error("the store did not sync by itself");
  };
  fs::DataPathOptions options;
  options.commit_interval = std::chrono::milliseconds(200);
  // Everything not synced when the power goes is lost.
  const auto counts = run_trial(script, 1, PowerPlan{}, options);
  EXPECT_FALSE(counts.lost_power);
}

TEST(PowerLossTest,
     given_random_workload_when_power_fails_at_random_points_then_store_is_consistent) {
  const int seeds = 3 * crash_scale();
  const int points = 6 * crash_scale();
  constexpr int kSteps = 40;
  // As above, background threads vary the event count a little: a late point may be missed.
  int tried = 0;
  int reached = 0;
  for (int seed = 1; seed <= seeds && !::testing::Test::HasFailure(); ++seed) {
    const Script script = [](CoreWorkload& w) {
      for (int i = 0; i < kSteps; ++i) w.random_step(kBlockSize);
    };
    const auto full = run_trial(script, static_cast<std::uint64_t>(seed), PowerPlan{});
    ASSERT_FALSE(full.lost_power);
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919);
    for (int p = 0; p < points && !::testing::Test::HasFailure(); ++p) {
      const std::size_t event = rng() % full.events;
      const auto loss = loss_kind(static_cast<std::size_t>(p), rng());
      SCOPED_TRACE("seed " + std::to_string(seed) + ": power fails before event " +
                   std::to_string(event) + " of " + std::to_string(full.events) + ", " +
                   describe(loss));
      const auto counts =
          run_trial(script, static_cast<std::uint64_t>(seed), PowerPlan{std::nullopt, event, loss});
      ++tried;
      if (counts.hit) ++reached;
    }
  }
  EXPECT_GE(reached * 4, tried * 3) << "too few crash points reached";
}

}  // namespace
}  // namespace squeezefs::testing
