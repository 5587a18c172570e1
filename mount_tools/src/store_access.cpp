#include "store_access.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "commands.h"
#include "squeezefs/fs/store_layout.h"

namespace squeezefs::tools {

std::optional<std::string> unwritable_part(const std::filesystem::path& store) {
  const fs::StoreLayout layout(store);
  for (const auto& path : {store, layout.index(), layout.data()}) {
    if (::access(path.c_str(), W_OK) != 0)
      return path.string() + ": " + std::error_code(errno, std::generic_category()).message();
  }
  return std::nullopt;
}

void require_writable(const std::filesystem::path& store, std::string_view command, int code) {
  const auto unwritable = unwritable_part(store);
  if (!unwritable) return;
  throw CommandError("store " + store.string() + " is not writable (" + *unwritable + "); " +
                         std::string(command) +
                         " needs to write to the store (a read-only one can only be mounted "
                         "with -o ro)",
                     code);
}

}  // namespace squeezefs::tools
