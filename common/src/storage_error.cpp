#include "squeezefs/common/storage_error.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace squeezefs {

StorageError::StorageError(StorageErrc kind, const std::string& what,
                           std::vector<std::string> details, const char* file, int line)
    : std::runtime_error(what),
      kind_(kind),
      details_(std::move(details)),
      file_(file),
      line_(line) {}

std::errc StorageError::posix() const noexcept {
  switch (kind_) {
    case StorageErrc::kNoSpace:
      return std::errc::no_space_on_device;
    case StorageErrc::kReadOnly:
      return std::errc::read_only_file_system;
    default:
      return std::errc::io_error;
  }
}

std::string StorageError::where() const {
  const char* slash = std::strrchr(file_, '/');
  return std::string(slash != nullptr ? slash + 1 : file_) + ":" + std::to_string(line_);
}

std::string log_text(const std::exception& e) {
  if (const auto* storage_error = dynamic_cast<const StorageError*>(&e))
    return std::string(e.what()) + " (" + storage_error->where() + ")";
  return e.what();
}

std::error_code posix_error_of(const std::exception& e) noexcept {
  if (const auto* storage_error = dynamic_cast<const StorageError*>(&e))
    return std::make_error_code(storage_error->posix());
  if (const auto* system_error = dynamic_cast<const std::system_error*>(&e)) {
    const int value = system_error->code().value();
    const bool posix = system_error->code().category() == std::generic_category() ||
                       system_error->code().category() == std::system_category();
    if (posix && (value == ENOSPC || value == EDQUOT))
      return std::make_error_code(std::errc::no_space_on_device);
  }
  return std::make_error_code(std::errc::io_error);
}

}  // namespace squeezefs
