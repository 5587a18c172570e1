#include "atomic_output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "commands.h"
#include "input_file.h"

namespace squeezefs::tools {
namespace {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

AtomicOutputFile::AtomicOutputFile(const std::string& path, const std::string& input_path)
    : path_(path), to_stdout_(is_std_stream(path)) {
  if (to_stdout_) {
    file_ = stdout;
    return;
  }
  if (!is_std_stream(input_path) && same_file(path, input_path)) {
    throw CommandError("refusing to overwrite the input file '" + path + "'", kExitFailure);
  }
  temp_path_ = path + ".tmp.XXXXXX";
  std::vector<char> name(temp_path_.begin(), temp_path_.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) fail("cannot create a temporary file for");
  temp_path_.assign(name.data());
  // mkstemp creates 0600; give the result the usual permissions of a new file.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, static_cast<mode_t>(0666U & ~static_cast<unsigned>(mask)));
  file_ = fdopen(fd, "wb");
  if (file_ == nullptr) {
    const int saved = errno;
    close(fd);
    unlink(temp_path_.c_str());
    errno = saved;
    fail("cannot open");
  }
}

AtomicOutputFile::~AtomicOutputFile() {
  if (to_stdout_ || committed_ || file_ == nullptr) return;
  std::fclose(file_);
  unlink(temp_path_.c_str());
}

void AtomicOutputFile::fail(const std::string& what) const {
  const std::string target = to_stdout_ ? std::string("standard output") : "'" + path_ + "'";
  throw CommandError(what + " " + target + ": " + std::strerror(errno), kExitFailure);
}

void AtomicOutputFile::write(std::span<const std::byte> data) {
  if (data.empty()) return;
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) fail("cannot write");
}

void AtomicOutputFile::commit() {
  if (committed_) return;
  if (to_stdout_) {
    if (std::fflush(file_) != 0) fail("cannot write");
    committed_ = true;
    return;
  }
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) fail("cannot write");
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0 || std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int saved = errno;
    unlink(temp_path_.c_str());
    errno = saved;
    fail("cannot write");
  }
  committed_ = true;
}

}  // namespace squeezefs::tools
