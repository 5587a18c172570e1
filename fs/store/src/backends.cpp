#include "backends.h"

#include <algorithm>
#include <array>

#include "local_backend.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs::store {
namespace {

// A new backend (postgresql://, rados://) is one more row.
constexpr std::array kBackends = {
    Backend{"file", open_local, create_local, runtime_dir_local},
};

}  // namespace

std::span<const Backend> backends() {
  return kBackends;
}

const Backend& backend_for(std::string_view scheme) {
  const auto* found = std::find_if(kBackends.begin(), kBackends.end(),
                                   [&](const Backend& b) { return b.scheme == scheme; });
  if (found != kBackends.end()) return *found;
  std::string supported;
  for (const auto& backend : kBackends) {
    if (!supported.empty()) supported += ", ";
    supported += std::string(backend.scheme) + "://";
  }
  throw StorageError(StorageErrc::kNotAStore, "unknown store scheme " + std::string(scheme) +
                                                  "://; this build supports " + supported +
                                                  " and paths of local directories");
}

}  // namespace squeezefs::fs::store
