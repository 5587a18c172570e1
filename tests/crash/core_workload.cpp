#include "core_workload.h"

#include <sys/stat.h>

#include <stdexcept>
#include <thread>

namespace squeezefs::testing {
namespace {

constexpr std::uint64_t kRoot = fs::Namespace::kRootIno;

std::span<const std::byte> as_span(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// Runs `op`; records `outcome` in the model whether or not it succeeds (a failed operation may
// still have committed), then rethrows a failure.
template <class Op, class Record>
void attempt(Op&& op, Record&& record) {
  try {
    op();
  } catch (...) {
    record();
    throw;
  }
  record();
}

}  // namespace

void CoreWorkload::must(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what + " failed");
}

std::uint64_t CoreWorkload::ino(const std::string& name) {
  const auto rec = fs_.names().lookup(kRoot, name);
  must(rec.has_value(), "lookup " + name);
  return rec->ino;
}

void CoreWorkload::create(const std::string& name) {
  attempt(
      [&] {
        must(fs_.names().mknod(kRoot, name, S_IFREG | 0644, 0, fs::Caller{}).has_value(),
             "create " + name);
      },
      [&] { model_.change(name, std::string()); });
}

void CoreWorkload::write(const std::string& name, std::uint64_t offset, const std::string& bytes) {
  std::string next = model_.current(name).value();
  if (next.size() < offset + bytes.size()) next.resize(offset + bytes.size(), '\0');
  next.replace(offset, bytes.size(), bytes);
  attempt(
      [&] {
        must(fs_.data().write(ino(name), offset, as_span(bytes)).has_value(), "write " + name);
      },
      [&] { model_.change(name, next); });
}

void CoreWorkload::truncate(const std::string& name, std::uint64_t size) {
  std::string next = model_.current(name).value();
  next.resize(size, '\0');
  attempt([&] { must(fs_.data().truncate(ino(name), size).has_value(), "truncate " + name); },
          [&] { model_.change(name, next); });
}

void CoreWorkload::rename(const std::string& from, const std::string& to) {
  attempt(
      [&] {
        must(fs_.names().rename(kRoot, from, kRoot, to, fs::RenameMode::kReplace).has_value(),
             "rename " + from);
      },
      [&] { model_.move(from, to); });
}

void CoreWorkload::unlink(const std::string& name) {
  attempt([&] { must(fs_.names().unlink(kRoot, name).has_value(), "unlink " + name); },
          [&] { model_.change(name, std::nullopt); });
}

void CoreWorkload::sync() {
  fs_.sync();
  model_.synced();
}

bool CoreWorkload::await_background_sync(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (fs_.has_unsynced_changes()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  model_.synced();
  return true;
}

std::string CoreWorkload::content(std::size_t n) {
  static constexpr std::string_view kText =
      "the quick brown fox jumps over the lazy squeezefs dog. ";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    const std::size_t run = std::min<std::size_t>(n - out.size(), 1 + rng_() % 6000);
    switch (rng_() % 3) {
      case 0:
        for (std::size_t i = 0; i < run; ++i) out.push_back(static_cast<char>(rng_() & 0xff));
        break;
      case 1:
        for (std::size_t i = 0; i < run; ++i) out.push_back(kText[(out.size() + i) % kText.size()]);
        break;
      default:
        out.append(run, '\0');
        break;
    }
  }
  return out;
}

void CoreWorkload::random_step(std::uint32_t block_size) {
  static constexpr const char* kNames[] = {"f0", "f1", "f2", "f3", "f4"};
  const std::string name = kNames[rng_() % std::size(kNames)];
  const auto current = model_.current(name);
  const auto pick = rng_() % 100;
  if (!current) {
    create(name);
    write(name, 0, content(rng_() % (3 * block_size)));
    return;
  }
  const std::uint64_t size = current->size();
  if (pick < 30) {  // in-place or extending write
    const std::uint64_t offset = rng_() % (size + block_size);
    write(name, offset, content(1 + rng_() % (2 * block_size)));
  } else if (pick < 40) {  // append
    write(name, size, content(1 + rng_() % block_size));
  } else if (pick < 50) {
    truncate(name, rng_() % (size + block_size));
  } else if (pick < 62) {  // whole rewrite: temporary file, fsync, rename over
    const std::string tmp = name + ".tmp";
    create(tmp);
    write(tmp, 0, content(rng_() % (4 * block_size)));
    sync();
    rename(tmp, name);
    if (rng_() % 2 == 0) sync();
  } else if (pick < 70) {
    unlink(name);
  } else if (pick < 78) {
    const std::string to = kNames[rng_() % std::size(kNames)];
    if (to != name) rename(name, to);
  } else {
    sync();
  }
}

}  // namespace squeezefs::testing
