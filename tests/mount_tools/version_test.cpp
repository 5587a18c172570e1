// `squeezefs --version` and `squeezefs version`, running the built binary: the version, the
// commit the sources were at when it was built, the codecs and the formats.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

namespace {

const std::string kBin = std::string(SQUEEZEFS_BIN_DIR) + "/squeezefs";

// Runs `command`; returns its exit code and stdout.
std::pair<int, std::string> run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (const auto n = std::fread(buf.data(), 1, buf.size(), pipe.get()))
    out.append(buf.data(), n);
  const int status = ::pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(VersionTest, given_version_flag_or_command_then_version_commit_codecs_and_formats) {
  const auto [head_rc, head] = run("git -C " SQUEEZEFS_SOURCE_DIR " rev-parse --short=12 HEAD");
  ASSERT_EQ(head_rc, 0) << "the tests are built from a git checkout";
  const std::string commit = head.substr(0, head.find('\n'));
  for (const char* how : {" --version", " version"}) {
    const auto [rc, out] = run(kBin + how);
    EXPECT_EQ(rc, 0) << how;
    EXPECT_EQ(out.rfind("squeezefs " SQUEEZEFS_VERSION " (commit " + commit, 0), 0U) << out;
    EXPECT_NE(out.find("codecs: none (0), zstd (1)"), std::string::npos) << out;
    EXPECT_NE(out.find("lzh (4)"), std::string::npos) << out;
    EXPECT_NE(out.find("formats: store index 1, framed files 1"), std::string::npos) << out;
  }
}

}  // namespace
