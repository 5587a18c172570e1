#include "input_file.h"

#include <cerrno>
#include <cstring>

#include "commands.h"

namespace squeezefs::tools {

bool is_std_stream(const std::string& path) noexcept {
  return path.empty() || path == "-";
}

InputFile::InputFile(const std::string& path)
    : name_(is_std_stream(path) ? std::string("standard input") : "'" + path + "'") {
  if (is_std_stream(path)) {
    file_ = stdin;
    return;
  }
  owned_.reset(std::fopen(path.c_str(), "rb"));
  if (!owned_) {
    throw CommandError("cannot open " + name_ + ": " + std::strerror(errno), kExitFailure);
  }
  file_ = owned_.get();
}

std::size_t InputFile::read(std::span<std::byte> out) {
  const std::size_t got = std::fread(out.data(), 1, out.size(), file_);
  if (got < out.size() && std::ferror(file_) != 0) {
    throw CommandError("cannot read " + name_ + ": " + std::strerror(errno), kExitFailure);
  }
  return got;
}

}  // namespace squeezefs::tools
