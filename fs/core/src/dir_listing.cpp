#include "squeezefs/fs/dir_listing.h"

#include <sys/stat.h>

namespace squeezefs::fs {

Result<std::unique_ptr<DirListing>> DirListing::open(Namespace& names, std::uint64_t dir) {
  auto listing = std::make_unique<DirListing>(names, dir);
  listing->restart();
  auto rec = names.getattr(dir);
  if (!rec) return Unexpected{rec.error()};
  if (!S_ISDIR(rec->mode)) return fail(std::errc::not_a_directory);
  return listing;
}

}  // namespace squeezefs::fs
