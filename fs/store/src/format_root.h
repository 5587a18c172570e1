#pragma once

#include "squeezefs/fs/caller.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::store {

// Writes the root directory of a new, empty store, owned by `owner`: the record
// Namespace::format writes into an Index, written here through any MetadataStore.
// TODO(#16): moves into the core as fs::format_root when Namespace::format goes (step 8b).
void format_root(index::MetadataStore& metadata, Caller owner);

}  // namespace squeezefs::fs::store
