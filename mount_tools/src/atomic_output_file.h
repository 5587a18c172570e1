#pragma once

#include <cstdio>
#include <string>

#include "byte_stream.h"

namespace squeezefs::tools {

// An output that is never left half-written. For a path, bytes go to a temporary file in the
// same directory, which commit() fsyncs and renames over the path; if commit() is never reached
// (an error, an exception) the destructor removes the temporary file and the path is untouched.
// "-" or an empty path writes to standard output, which commit() flushes. Failures throw
// CommandError (exit code 1). Not thread-safe.
class AtomicOutputFile final : public ByteSink {
 public:
  // Refuses (CommandError) an output path that names the same file as `input_path`.
  AtomicOutputFile(const std::string& path, const std::string& input_path);
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
  ~AtomicOutputFile() override;

  void write(std::span<const std::byte> data) override;
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool to_stdout_ = false;
  bool committed_ = false;
};

}  // namespace squeezefs::tools
