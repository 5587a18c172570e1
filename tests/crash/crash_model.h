#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace squeezefs::testing {

// What each file name may hold after a crash. Every change appends a state; a completed sync
// keeps only the latest one. So a name with one state must read exactly that after a crash
// (its last change was synced), and a name with several may read any of them (old or new
// content, never garbage). std::nullopt stands for "no such file".
class CrashModel {
 public:
  using State = std::optional<std::string>;

  // Records a change of `name` to `state`.
  void change(const std::string& name, State state) {
    auto& states = states_[name];
    if (states.empty()) states.push_back(std::nullopt);  // absent before its first change
    states.push_back(std::move(state));
  }
  // Records a rename of `from` over `to`. Until a sync, `to` may show any state `from` had since
  // its last sync: renaming makes none of its unsynced writes durable.
  void move(const std::string& from, const std::string& to) {
    const auto history = states_[from];
    auto& target = states_[to];
    if (target.empty()) target.push_back(std::nullopt);
    for (const auto& state : history) {
      if (state) target.push_back(state);
    }
    if (history.empty() || !history.back()) target.push_back(std::nullopt);  // keeps current()
    change(from, std::nullopt);
  }
  // Every change so far is durable.
  void synced() {
    for (auto& [name, states] : states_) states.erase(states.begin(), states.end() - 1);
  }
  // The changes of `name` so far are durable.
  void synced(const std::string& name) {
    auto& states = states_[name];
    if (states.empty()) states.push_back(std::nullopt);
    states.erase(states.begin(), states.end() - 1);
  }
  // `name` is known to hold `state` now (read back after a crash).
  void settle(const std::string& name, State state) { states_[name] = {std::move(state)}; }
  [[nodiscard]] State current(const std::string& name) const {
    const auto it = states_.find(name);
    return it == states_.end() ? std::nullopt : it->second.back();
  }
  [[nodiscard]] const std::map<std::string, std::vector<State>>& states() const { return states_; }

 private:
  std::map<std::string, std::vector<State>> states_;
};

}  // namespace squeezefs::testing
