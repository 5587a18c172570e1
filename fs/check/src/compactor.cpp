#include "squeezefs/fs/check/compactor.h"

#include <set>
#include <stdexcept>

#include "squeezefs/fs/check/data_file_names.h"
#include "squeezefs/fs/check/data_file_rewrite.h"
#include "squeezefs/fs/file_block_store.h"
#include "squeezefs/index/index.h"

namespace squeezefs::fs::check {
namespace {

std::uint64_t total_size(const std::map<std::uint32_t, std::uint64_t>& files) {
  std::uint64_t sum = 0;
  for (const auto& [id, size] : files) sum += size;
  return sum;
}

class Compactor {
 public:
  Compactor(const StoreLayout& layout, const CompactOptions& options)
      : dir_(layout.data()),
        options_(options),
        index_(index::Index::open(layout.index().string())) {
    // The old files are unlinked right after the commit: it must survive a power failure.
    index_.use_durable_commits();
  }

  CompactStats run(const CompactProgress& progress) {
    stats_.bytes_before = total_size(list_data_files(dir_));
    remove_leftovers();
    const auto victims = choose_victims();
    // The writer starts a fresh data file; new ids come from the index (committed at once, so
    // a crash leaves a file that only the next run's leftover sweep sees).
    FileBlockStore out(dir_, [this] { return index_.add_data_file(); });
    std::uint64_t done = 0;
    for (const auto id : victims) {
      rewrite(out, id);
      if (progress) progress(++done, victims.size());
    }
    stats_.bytes_after = total_size(list_data_files(dir_));
    return stats_;
  }

 private:
  // Files the index does not know and rows nothing references (an interrupted write or
  // compaction). Rows go first: a file without a row is garbage to every later run.
  void remove_leftovers() {
    std::map<std::uint32_t, std::uint64_t> referenced;
    index_.for_each_stored_block(
        [&](const index::StoredBlock& b) { referenced[b.ref.data_file] += b.ref.stored_length; });
    std::set<std::uint32_t> known;
    {
      index::Txn txn(index_.db());
      for (const auto& row : index_.data_files()) {
        if (referenced.contains(row.id)) {
          known.insert(row.id);
        } else {
          index_.remove_data_file(row.id);
        }
      }
      txn.commit();
    }
    std::vector<std::uint32_t> leftovers;
    for (const auto& [id, size] : list_data_files(dir_)) {
      if (!known.contains(id) && !referenced.contains(id)) leftovers.push_back(id);
    }
    delete_data_files(dir_, leftovers);
    stats_.files_removed += leftovers.size();
    live_ = std::move(referenced);
  }

  std::vector<std::uint32_t> choose_victims() {
    std::vector<std::uint32_t> out;
    for (const auto& [id, size] : list_data_files(dir_)) {
      const auto live = live_.find(id);
      if (live == live_.end() || size == 0) continue;
      if (static_cast<double>(live->second) < options_.threshold * static_cast<double>(size))
        out.push_back(id);
    }
    return out;
  }

  void rewrite(FileBlockStore& out, std::uint32_t id) {
    const auto blocks = index_.blocks_in_data_file(id);
    FileBlockStore in(dir_, []() -> std::uint32_t {
      throw std::logic_error("the compaction source is read-only");
    });
    std::string why;
    const auto copies = copy_blocks(in, out, id, blocks, why);
    if (!copies) {
      stats_.skipped.push_back(why);
      return;
    }
    out.sync();
    stats_.blocks_moved += switch_blocks(index_, id, blocks, *copies);
    delete_data_files(dir_, {id});
    ++stats_.files_rewritten;
    ++stats_.files_removed;
  }

  std::filesystem::path dir_;
  CompactOptions options_;
  index::Index index_;
  std::map<std::uint32_t, std::uint64_t> live_;
  CompactStats stats_;
};

}  // namespace

CompactStats compact_store(const StoreLayout& layout, const CompactOptions& options,
                           const CompactProgress& progress) {
  return Compactor(layout, options).run(progress);
}

}  // namespace squeezefs::fs::check
