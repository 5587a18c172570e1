#include "squeezefs/blockstore/local/ledger.h"

#include <xxhash.h>

#include <array>
#include <limits>
#include <string_view>

namespace squeezefs::blockstore {
namespace {

constexpr std::string_view kMagic = "SQZLEDGR";
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kCleanFlag = 1;
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 8;
constexpr std::size_t kEntryBytes = 4 * 8;
constexpr std::size_t kChecksumBytes = 8;
// Far beyond any real store (a million data files take 32 MiB), and a bound on what a damaged
// size field can make a read allocate.
constexpr std::uint64_t kMaxLedgerBytes = std::uint64_t{1} << 30;

void put_le(std::vector<std::byte>& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>(value >> (8 * i)));
}

std::uint64_t get_le(std::span<const std::byte> in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<std::uint64_t>(in[at + static_cast<std::size_t>(i)]) << (8 * i);
  return value;
}

std::uint64_t checksum(std::span<const std::byte> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace

std::vector<std::byte> encode_ledger(const LedgerRecord& record, std::uint64_t sequence) {
  std::vector<std::byte> out;
  out.reserve(kHeaderBytes + record.containers.size() * kEntryBytes + kChecksumBytes);
  for (const char c : kMagic) out.push_back(static_cast<std::byte>(c));
  put_le(out, kVersion, 4);
  put_le(out, record.clean ? kCleanFlag : 0, 4);
  put_le(out, sequence, 8);
  put_le(out, record.high_water, 8);
  put_le(out, record.containers.size(), 8);
  for (const auto& [id, account] : record.containers) {
    put_le(out, id, 8);
    put_le(out, account.live, 8);
    put_le(out, account.total, 8);
    put_le(out, account.dead, 8);
  }
  put_le(out, checksum(out), 8);
  return out;
}

std::optional<DecodedLedger> decode_ledger(std::span<const std::byte> bytes) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes) return std::nullopt;
  const std::size_t body = bytes.size() - kChecksumBytes;
  if (get_le(bytes, body, 8) != checksum(bytes.first(body))) return std::nullopt;
  for (std::size_t i = 0; i < kMagic.size(); ++i)
    if (bytes[i] != static_cast<std::byte>(kMagic[i])) return std::nullopt;
  if (get_le(bytes, 8, 4) != kVersion) return std::nullopt;
  const std::uint64_t flags = get_le(bytes, 12, 4);
  if ((flags & ~std::uint64_t{kCleanFlag}) != 0) return std::nullopt;
  DecodedLedger decoded;
  decoded.record.clean = (flags & kCleanFlag) != 0;
  decoded.sequence = get_le(bytes, 16, 8);
  decoded.record.high_water = get_le(bytes, 24, 8);
  const std::uint64_t count = get_le(bytes, 32, 8);
  if (count > (body - kHeaderBytes) / kEntryBytes || kHeaderBytes + count * kEntryBytes != body)
    return std::nullopt;
  std::uint64_t previous = 0;
  for (std::size_t at = kHeaderBytes; at < body; at += kEntryBytes) {
    const std::uint64_t id = get_le(bytes, at, 8);
    // Ids ascend, start at 1, fit a data file name, and lie below the high-water mark.
    if (id <= previous || id > std::numeric_limits<std::uint32_t>::max() ||
        id >= decoded.record.high_water)
      return std::nullopt;
    previous = id;
    decoded.record.containers[static_cast<std::uint32_t>(id)] = ContainerAccount{
        get_le(bytes, at + 8, 8), get_le(bytes, at + 16, 8), get_le(bytes, at + 24, 8)};
  }
  return decoded;
}

LedgerFile::LedgerFile(std::filesystem::path data_dir, FileIo& io)
    : dir_(std::move(data_dir)), io_(io) {}

std::filesystem::path LedgerFile::copy_path(const std::filesystem::path& data_dir, int copy) {
  return data_dir / (copy == 0 ? "ledger.0" : "ledger.1");
}

std::optional<DecodedLedger> LedgerFile::read_copy(int copy) {
  const auto file = io_.open(copy_path(dir_, copy), OpenMode::kRead);
  if (!file) return std::nullopt;
  const std::uint64_t size = file->size();
  if (size > kMaxLedgerBytes) return std::nullopt;
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  if (file->pread(bytes, 0) != bytes.size()) return std::nullopt;
  return decode_ledger(bytes);
}

std::optional<LedgerRecord> LedgerFile::read() {
  std::array<std::optional<DecodedLedger>, 2> copies = {read_copy(0), read_copy(1)};
  newest_.reset();
  newest_sequence_ = 0;
  for (int copy = 0; copy < 2; ++copy) {
    const auto& decoded = copies[static_cast<std::size_t>(copy)];
    if (decoded && (!newest_ || decoded->sequence > newest_sequence_)) {
      newest_ = copy;
      newest_sequence_ = decoded->sequence;
    }
  }
  located_ = true;
  if (!newest_) return std::nullopt;
  return copies[static_cast<std::size_t>(*newest_)]->record;
}

void LedgerFile::write(const LedgerRecord& record) {
  if (!located_) (void)read();
  const int target = newest_ == 0 ? 1 : 0;
  const auto bytes = encode_ledger(record, newest_sequence_ + 1);
  const auto path = copy_path(dir_, target);
  auto file = io_.open(path, OpenMode::kReadWrite);
  const bool created = file == nullptr;
  if (created) file = io_.open(path, OpenMode::kCreate);
  file->truncate(0);
  file->pwrite(bytes, 0);
  file->datasync();
  if (created) io_.sync_dir(dir_);
  newest_ = target;
  newest_sequence_ += 1;
}

}  // namespace squeezefs::blockstore
