#include "posix_acl.h"

#include <cstddef>

namespace squeezefs::fs {
namespace {

// The xattr form (linux/posix_acl_xattr.h): a little-endian u32 version 2, then entries of
// u16 tag, u16 permissions and u32 id.
constexpr std::uint32_t kVersion = 2;
constexpr std::size_t kHeader = 4;
constexpr std::size_t kEntry = 8;
constexpr std::uint16_t kUserObj = 0x01;
constexpr std::uint16_t kUser = 0x02;
constexpr std::uint16_t kGroupObj = 0x04;
constexpr std::uint16_t kGroup = 0x08;
constexpr std::uint16_t kMask = 0x10;
constexpr std::uint16_t kOther = 0x20;

std::uint32_t load_le(std::string_view s, std::size_t at, std::size_t bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

void store_le16(std::string& s, std::size_t at, std::uint32_t v) {
  s[at] = static_cast<char>(v & 0xff);
  s[at + 1] = static_cast<char>((v >> 8) & 0xff);
}

bool well_formed(std::string_view v) {
  return v.size() >= kHeader && (v.size() - kHeader) % kEntry == 0 && load_le(v, 0, 4) == kVersion;
}

}  // namespace

std::optional<AclMode> acl_mode(std::string_view v) {
  if (!well_formed(v)) return std::nullopt;
  std::optional<std::uint32_t> user, group, mask, other;
  std::size_t entries = 0;
  for (std::size_t at = kHeader; at < v.size(); at += kEntry, ++entries) {
    const auto tag = static_cast<std::uint16_t>(load_le(v, at, 2));
    const std::uint32_t perm = load_le(v, at + 2, 2) & 7;
    switch (tag) {
      case kUserObj:
        user = perm;
        break;
      case kGroupObj:
        group = perm;
        break;
      case kMask:
        mask = perm;
        break;
      case kOther:
        other = perm;
        break;
      case kUser:
      case kGroup:
        break;
      default:
        return std::nullopt;
    }
  }
  if (!user || !group || !other) return std::nullopt;
  AclMode out;
  out.perm_bits = (*user << 6) | ((mask ? *mask : *group) << 3) | *other;
  out.equivalent_to_mode = entries == 3;
  return out;
}

// Sets (or, with `intersect`, narrows to) `mode`'s bits the owner, mask (or group without a
// mask) and other entries.
std::string apply_mode(std::string_view v, std::uint32_t mode, bool intersect) {
  std::string out(v);
  if (!well_formed(v)) return out;
  bool has_mask = false;
  for (std::size_t at = kHeader; at < v.size(); at += kEntry)
    has_mask = has_mask || load_le(v, at, 2) == kMask;
  for (std::size_t at = kHeader; at < v.size(); at += kEntry) {
    const auto tag = static_cast<std::uint16_t>(load_le(v, at, 2));
    const std::uint32_t old_perm = intersect ? load_le(v, at + 2, 2) : 7;
    if (tag == kUserObj) store_le16(out, at + 2, old_perm & (mode >> 6) & 7);
    if (tag == kOther) store_le16(out, at + 2, old_perm & mode & 7);
    if (tag == (has_mask ? kMask : kGroupObj)) store_le16(out, at + 2, old_perm & (mode >> 3) & 7);
  }
  return out;
}

std::string acl_chmod(std::string_view v, std::uint32_t mode) {
  return apply_mode(v, mode, false);
}

std::optional<InheritedAcl> acl_inherit(std::string_view default_acl, std::uint32_t mode) {
  InheritedAcl out;
  out.access = apply_mode(default_acl, mode, true);
  const auto bits = acl_mode(out.access);
  if (!bits) return std::nullopt;
  out.mode = *bits;
  return out;
}

}  // namespace squeezefs::fs
