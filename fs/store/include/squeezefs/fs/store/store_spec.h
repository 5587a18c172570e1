#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace squeezefs::fs::store {

// What the user named as a store: a directory (the local store) or a URL of a backend.
//
// parse() takes a path (relative or absolute, holding any bytes a path may hold: spaces, '?',
// '#', '%' and ':' are all part of the name) or a URL `scheme://...`. A URL is an argument that
// starts with a scheme (a letter, then letters, digits, '+', '-' or '.') followed by "://"; to
// name a directory that looks like one, write it as "./xyz://...".
//   "/srv/s", "s", "./xyz://s"  -> scheme "file", metadata the path as given (not made absolute)
//   "file:///srv/s"             -> scheme "file", metadata "/srv/s" (percent-decoded; the host
//                                  must be empty or "localhost", and '?' and '#' must be encoded)
//   "xyz://..."                 -> StorageError kNotAStore naming the scheme and the schemes this
//                                  build supports
// An empty argument, one holding a NUL byte and a malformed file URL are StorageError kNotAStore.
struct StoreSpec {
  std::string scheme;  // the backend: "file" for a local store
  // What the backend opens: the store's directory for "file"; a URL for server backends.
  std::string metadata;
  // Where a split backend keeps its blocks ("rados://pool?conf=..."), given only to mkfs; the
  // metadata records it for later opens. Never set for "file".
  std::optional<std::string> blocks;

  static StoreSpec parse(std::string_view arg);
};

}  // namespace squeezefs::fs::store
