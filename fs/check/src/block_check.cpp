#include "block_check.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "squeezefs/fs/check/block_verifier.h"
#include "squeezefs/fs/check/data_file_names.h"
#include "squeezefs/fs/file_block_store.h"

namespace squeezefs::fs::check {
namespace {

constexpr std::uint64_t kProgressEvery = 256;
constexpr std::size_t kListedDamage = 4;

struct InodeFacts {
  std::uint64_t size = 0;
  bool regular = false;
};

class BlockChecker {
 public:
  BlockChecker(index::MetadataStore& metadata, const StoreLayout& layout,
               const CheckOptions& options, const PathNames& names, CheckReport& report)
      : metadata_(metadata),
        options_(options),
        names_(names),
        report_(report),
        block_size_(metadata.config().block_size),
        disk_files_(list_data_files(layout.data())),
        // Only reads: a request for a new data file is a bug.
        store_(layout.data(),
               []() -> std::uint32_t {
                 throw std::logic_error("the store check never writes blocks");
               }),
        verifier_(store_) {
    for (const auto& r : metadata_.all_inodes())
      inodes_[r.ino] = InodeFacts{r.size, S_ISREG(r.mode)};
    for (const auto& f : metadata_.read([](index::MetadataReader& r) { return r.data_files(); }))
      table_files_.insert(f.id);
  }

  std::map<std::uint32_t, std::uint64_t> run(const CheckProgress& progress) {
    const std::uint64_t total = metadata_.block_count();
    std::uint64_t done = 0;
    metadata_.for_each_block([&](const index::StoredBlock& b) {
      visit(b);
      if (progress && ++done % kProgressEvery == 0) progress("blocks", done, total);
    });
    if (progress) progress("blocks", total, total);
    drop_blocks_past_size();
    report_damage();
    return live_;
  }

 private:
  void visit(const index::StoredBlock& b) {
    const auto owner = inodes_.find(b.ino);
    // Blocks that repair drops still count for the accounting when they stay.
    if (owner == inodes_.end()) {
      missing_owner_.push_back(b);
      if (!options_.repair) live_[b.ref.data_file] += b.ref.stored_length;
      return;
    }
    if (!owner->second.regular) {
      report_.add(names_.path(b.ino),
                  "block " + std::to_string(b.block) + " on a non-regular inode", false);
    } else if (past_size(b, owner->second.size)) {
      past_size_.push_back(b);
      if (!options_.repair) live_[b.ref.data_file] += b.ref.stored_length;
      return;  // content beyond the end never matters; it is dropped or reported
    }
    live_[b.ref.data_file] += b.ref.stored_length;
    if (owner->second.regular) check_tail(b, owner->second.size);
    if (auto why = problem_with(b))
      damage_[b.ino].push_back("block " + std::to_string(b.block) + ": " + *why);
    check_overlap(b);
  }

  [[nodiscard]] bool past_size(const index::StoredBlock& b, std::uint64_t size) const {
    const std::uint64_t blocks = (size + block_size_ - 1) / block_size_;
    return b.block >= blocks;
  }

  // The last block must end at the file size: bytes stored past it read as nothing now, but
  // would come back as file content if the file grew again.
  void check_tail(const index::StoredBlock& b, std::uint64_t size) {
    const std::uint64_t end = b.block * block_size_ + b.ref.raw_length;
    if (end <= size) return;
    report_.add(names_.path(b.ino),
                "block " + std::to_string(b.block) + " holds " + std::to_string(end - size) +
                    " bytes past the file size " + std::to_string(size) +
                    "; rewrite the end of the file to drop them",
                false);
  }

  std::optional<std::string> problem_with(const index::StoredBlock& b) {
    const auto& ref = b.ref;
    if (ref.raw_length == 0 || ref.raw_length > block_size_)
      return "raw length " + std::to_string(ref.raw_length) + " is not a valid block length";
    if (ref.stored_length == 0) return std::string("no stored bytes");
    const auto file = disk_files_.find(ref.data_file);
    if (!table_files_.contains(ref.data_file) || file == disk_files_.end())
      return "data file " + data_file_label(ref.data_file) + " is missing";
    if (ref.offset + ref.stored_length > file->second) {
      return "stored bytes end at " + std::to_string(ref.offset + ref.stored_length) +
             ", past the end of " + data_file_label(ref.data_file) + " (" +
             std::to_string(file->second) + " bytes)";
    }
    if (options_.quick) return std::nullopt;
    return verifier_.verify(ref);
  }

  // Entries arrive in (data file, offset) order, so an overlap is always with an earlier one.
  void check_overlap(const index::StoredBlock& b) {
    if (last_ && last_->ref.data_file == b.ref.data_file &&
        last_->ref.offset + last_->ref.stored_length > b.ref.offset) {
      report_.add(names_.path(b.ino),
                  "block " + std::to_string(b.block) + " overlaps block " +
                      std::to_string(last_->block) + " of " + names_.path(last_->ino) + " in " +
                      data_file_label(b.ref.data_file),
                  false);
    }
    if (!last_ || last_->ref.data_file != b.ref.data_file ||
        b.ref.offset + b.ref.stored_length > last_->ref.offset + last_->ref.stored_length) {
      last_ = b;
    }
  }

  void drop_blocks_past_size() {
    if (past_size_.empty() && missing_owner_.empty()) return;
    if (options_.repair) {
      metadata_.transact([&](index::MetadataTxn& txn) {
        for (const auto* dropped : {&missing_owner_, &past_size_}) {
          for (const auto& b : *dropped) {
            txn.remove_block(b.ino, b.block);
            txn.account_freed(b.ref.data_file, b.ref.stored_length);
          }
        }
      });
    }
    for (const auto& b : missing_owner_) {
      report_.add(inode_name(b.ino),
                  "block " + std::to_string(b.block) + " belongs to a missing inode" +
                      (options_.repair ? "; dropped" : ""),
                  options_.repair);
    }
    for (const auto& b : past_size_) {
      report_.add(names_.path(b.ino),
                  "block " + std::to_string(b.block) + " lies past the file size " +
                      std::to_string(inodes_[b.ino].size) + (options_.repair ? "; dropped" : ""),
                  options_.repair);
    }
  }

  void report_damage() {
    for (const auto& [ino, problems] : damage_) {
      std::string message = std::to_string(problems.size()) + " damaged block" +
                            (problems.size() == 1 ? "" : "s") + " (";
      for (std::size_t i = 0; i < problems.size() && i < kListedDamage; ++i)
        message += (i == 0 ? "" : "; ") + problems[i];
      if (problems.size() > kListedDamage) message += "; ...";
      message += ")";
      if (options_.repair) message += "; not repaired, the data cannot be recovered";
      report_.add(names_.path(ino), message, false);
      report_.unsaved_files.push_back(names_.path(ino));
    }
    std::sort(report_.unsaved_files.begin(), report_.unsaved_files.end());
  }

  index::MetadataStore& metadata_;
  const CheckOptions& options_;
  const PathNames& names_;
  CheckReport& report_;
  std::uint64_t block_size_;
  std::map<std::uint32_t, std::uint64_t> disk_files_;
  std::set<std::uint32_t> table_files_;
  std::unordered_map<std::uint64_t, InodeFacts> inodes_;
  FileBlockStore store_;
  BlockVerifier verifier_;

  std::map<std::uint32_t, std::uint64_t> live_;
  std::map<std::uint64_t, std::vector<std::string>> damage_;
  std::vector<index::StoredBlock> past_size_;
  std::vector<index::StoredBlock> missing_owner_;
  std::optional<index::StoredBlock> last_;
};

}  // namespace

std::map<std::uint32_t, std::uint64_t> check_blocks(index::MetadataStore& metadata,
                                                    const StoreLayout& layout,
                                                    const CheckOptions& options,
                                                    const PathNames& names, CheckReport& report,
                                                    const CheckProgress& progress) {
  return BlockChecker(metadata, layout, options, names, report).run(progress);
}

}  // namespace squeezefs::fs::check
