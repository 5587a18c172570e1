#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace squeezefs::fs::check {

// One inconsistency found in a store.
struct Problem {
  std::string path;     // the affected file ("/a/b", "<inode 12>", "data/000003.dat"), or ""
  std::string message;  // what is wrong and, when repaired, what was done
  bool repaired = false;
  // A state an interrupted mount legitimately leaves behind and the next mount clears (an inode
  // unlinked while open): reported, but not an error.
  bool expected = false;
};

// The outcome of a store check: every problem found, in the order found. Not thread-safe.
class CheckReport {
 public:
  void add(std::string path, std::string message, bool repaired) {
    problems_.push_back(Problem{std::move(path), std::move(message), repaired});
  }

  // Records a state the next mount clears by itself (see Problem::expected).
  void add_expected(std::string path, std::string message) {
    problems_.push_back(Problem{std::move(path), std::move(message), false, true});
  }

  [[nodiscard]] const std::vector<Problem>& problems() const { return problems_; }
  // No errors, found or repaired (expected leftovers of an interrupted mount may remain).
  [[nodiscard]] bool clean() const { return repaired_count() == 0 && left_count() == 0; }
  [[nodiscard]] std::size_t expected_count() const {
    std::size_t n = 0;
    for (const auto& p : problems_) n += (p.expected && !p.repaired) ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::size_t repaired_count() const {
    std::size_t n = 0;
    for (const auto& p : problems_) n += p.repaired ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::size_t left_count() const {
    return problems_.size() - repaired_count() - expected_count();
  }

  // Files whose data is damaged and could not be saved (never deleted, only named).
  std::vector<std::string> unsaved_files;
  // True when the index itself is damaged and the remaining checks were skipped.
  bool index_damaged = false;

 private:
  std::vector<Problem> problems_;
};

}  // namespace squeezefs::fs::check
