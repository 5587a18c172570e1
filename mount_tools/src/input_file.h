#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "byte_stream.h"

namespace squeezefs::tools {

// An input file opened for reading, or standard input for "-" or an empty path. Open and read
// failures throw CommandError (exit code 1) naming the path.
class InputFile final : public ByteSource {
 public:
  explicit InputFile(const std::string& path);

  std::size_t read(std::span<std::byte> out) override;
  [[nodiscard]] const std::string& display_name() const noexcept { return name_; }

 private:
  struct Closer {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
  };
  std::string name_;
  std::unique_ptr<std::FILE, Closer> owned_;
  std::FILE* file_ = nullptr;
};

[[nodiscard]] bool is_std_stream(const std::string& path) noexcept;

}  // namespace squeezefs::tools
