#pragma once

#include "squeezefs/common/storage_error.h"

namespace squeezefs::index::internal {

// Marks a MetadataStore as entered by this thread for the guard's scope (while the store holds
// its locks). Entering the same store again from inside, as a transaction body or a reader that
// calls its own store would, throws StorageError kIo instead of deadlocking on the store's
// non-recursive lock: the outer transaction then rolls back and the mistake shows at once.
// For the implementations of MetadataStore only.
class ReentryGuard {
 public:
  explicit ReentryGuard(const void* store) : store_(store), outer_(innermost_) {
    for (const ReentryGuard* g = innermost_; g != nullptr; g = g->outer_) {
      if (g->store_ == store_) {
        throw StorageError(StorageErrc::kIo,
                           "a metadata store callback called its own store again");
      }
    }
    innermost_ = this;
  }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;
  ~ReentryGuard() { innermost_ = outer_; }

 private:
  static inline thread_local const ReentryGuard* innermost_ = nullptr;
  const void* store_;
  const ReentryGuard* outer_;
};

}  // namespace squeezefs::index::internal
