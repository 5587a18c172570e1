#pragma once
// A match found by the lzh match finders.

namespace squeezefs::codecs::lzh {

struct Match {
  unsigned length = 0;  // 0: no match of at least kMinMatch bytes
  unsigned distance = 0;
};

}  // namespace squeezefs::codecs::lzh
