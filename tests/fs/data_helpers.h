// Small helpers shared by the file data tests: compressible sample bytes and polling for
// background work (encoding, committing) to finish.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace squeezefs::fs {

// Compressible text: runs of five equal letters, starting at the letter `seed` picks.
inline std::vector<std::byte> text(std::size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>('a' + (seed + i / 5) % 26);
  return v;
}

// Polls `done` every 5 ms until it holds or `limit` has passed; returns its last answer.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace squeezefs::fs
