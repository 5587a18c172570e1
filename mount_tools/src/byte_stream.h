#pragma once

#include <cstddef>
#include <span>

namespace squeezefs::tools {

// A source of bytes read front to back (a file, standard input, a buffer in tests).
class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;

  // Fills `out` completely unless the source ends first; returns the number of bytes read
  // (less than out.size() only at the end). Throws CommandError on an I/O error.
  virtual std::size_t read(std::span<std::byte> out) = 0;
};

// A sink of bytes written front to back. Throws CommandError on an I/O error.
class ByteSink {
 public:
  ByteSink() = default;
  ByteSink(const ByteSink&) = delete;
  ByteSink& operator=(const ByteSink&) = delete;
  virtual ~ByteSink() = default;

  virtual void write(std::span<const std::byte> data) = 0;
};

}  // namespace squeezefs::tools
