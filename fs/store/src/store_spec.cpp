#include "squeezefs/fs/store/store_spec.h"

#include <cctype>
#include <optional>
#include <string>

#include "backends.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs::store {
namespace {

constexpr std::string_view kFileScheme = "file";

[[noreturn]] void refuse(const std::string& what) {
  throw StorageError(StorageErrc::kNotAStore, what);
}

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// The scheme of `arg` in lower case (schemes are case-insensitive, RFC 3986 3.1) when it starts
// with `scheme://`; std::nullopt for a path.
std::optional<std::string> scheme_of(std::string_view arg) {
  if (arg.empty() || !is_alpha(arg.front())) return std::nullopt;
  std::size_t end = 1;
  while (end < arg.size() &&
         (is_alnum(arg[end]) || arg[end] == '+' || arg[end] == '-' || arg[end] == '.'))
    ++end;
  if (arg.substr(end, 3) != "://") return std::nullopt;
  std::string scheme(arg.substr(0, end));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path of `url` = "file://" + `rest` (RFC 8089): an absolute path, percent-decoded.
std::string file_url_path(std::string_view url, std::string_view rest) {
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos)
    refuse(std::string(url) + ": a file URL needs an absolute path (file:///path)");
  std::string host(rest.substr(0, slash));
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!host.empty() && host != "localhost")
    refuse(std::string(url) + ": a file URL names a store on this host only (file:///path)");
  const auto encoded = rest.substr(slash);
  // In a URL '?' and '#' start a query and a fragment, which a store has no use for; dropping
  // them silently would open another directory than the one meant.
  if (encoded.find_first_of("?#") != std::string_view::npos)
    refuse(std::string(url) + ": a file URL holds no query or fragment; write '?' as %3F and '#' " +
           "as %23, or give the path itself");
  std::string path;
  path.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      path += encoded[i];
      continue;
    }
    const int high = i + 2 < encoded.size() ? hex_value(encoded[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(encoded[i + 2]) : -1;
    if (low < 0) refuse(std::string(url) + ": '%' must start an escape of two hex digits");
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') refuse(std::string(url) + ": a path cannot hold a NUL byte (%00)");
    path += decoded;
    i += 2;
  }
  return path;
}

}  // namespace

StoreSpec StoreSpec::parse(std::string_view arg) {
  if (arg.empty()) refuse("no store given (the store argument is empty)");
  if (arg.find('\0') != std::string_view::npos) refuse("a store path cannot hold a NUL byte");
  const auto scheme = scheme_of(arg);
  if (!scheme) return StoreSpec{std::string(kFileScheme), std::string(arg), std::nullopt};
  backend_for(*scheme);  // refuses schemes this build does not know
  if (*scheme == kFileScheme)
    return StoreSpec{*scheme, file_url_path(arg, arg.substr(scheme->size() + 3)), std::nullopt};
  return StoreSpec{*scheme, std::string(arg), std::nullopt};
}

}  // namespace squeezefs::fs::store
