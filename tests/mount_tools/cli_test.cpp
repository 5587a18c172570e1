// End-to-end tests of the `squeezefs codec` commands, running the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::string kBin = std::string(SQUEEZEFS_BIN_DIR) + "/squeezefs";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("squeezefs_cli_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string text;
    std::mt19937 rng(5);
    while (text.size() < 300000)
      text += "line " + std::to_string(rng() % 1000) + " of the sample\n";
    write("sample", text);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void write(const std::string& name, const std::string& data) const {
    std::ofstream(path(name), std::ios::binary) << data;
  }
  [[nodiscard]] std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Runs `squeezefs ARGS` in the test directory; returns the exit code, stderr in err_.
  int run(const std::string& args) {
    const std::string cmd =
        "cd '" + dir_.string() + "' && '" + kBin + "' " + args + " 2>stderr.txt";
    const int status = std::system(cmd.c_str());
    err_ = read("stderr.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  [[nodiscard]] bool only_expected_files(std::initializer_list<std::string> names) const {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name == "stderr.txt") continue;
      if (std::find(names.begin(), names.end(), name) == names.end()) return false;
      ++count;
    }
    return count == names.size();
  }

  fs::path dir_;
  std::string err_;
};

TEST_F(CliTest, given_file_when_compressed_and_decompressed_then_identical) {
  ASSERT_EQ(run("codec compress --codec zstd:5 sample s.sqz"), 0) << err_;
  ASSERT_EQ(run("codec info s.sqz > info.txt"), 0) << err_;
  const std::string info = read("info.txt");
  EXPECT_NE(info.find("zstd"), std::string::npos);
  EXPECT_NE(info.find("level:       5"), std::string::npos);
  EXPECT_NE(info.find("blocks:      3 (0 stored raw)"), std::string::npos) << info;
  EXPECT_NE(info.find("complete"), std::string::npos);
  ASSERT_EQ(run("codec decompress s.sqz restored"), 0) << err_;
  EXPECT_EQ(read("restored"), read("sample"));
  EXPECT_LT(fs::file_size(path("s.sqz")), fs::file_size(path("sample")));
}

TEST_F(CliTest, given_stdin_when_piped_then_round_trips_through_stdout) {
  ASSERT_EQ(run("codec compress --codec lz4 --block-size 64K < sample | '" + kBin +
                "' codec decompress - - > restored"),
            0)
      << err_;
  EXPECT_EQ(read("restored"), read("sample"));
}

TEST_F(CliTest, given_raw_mode_when_round_tripped_then_identical) {
  for (const std::string codec : {"zlib", "zstd", "lz4"}) {
    ASSERT_EQ(run("codec compress --raw --codec " + codec + " sample s.raw"), 0) << err_;
    ASSERT_EQ(run("codec decompress --raw --codec " + codec + " s.raw restored"), 0) << err_;
    EXPECT_EQ(read("restored"), read("sample")) << codec;
  }
  // A zlib stream of the 300 KB sample does not fit in 64K: refused for its size, not as corrupt.
  ASSERT_EQ(run("codec compress --raw --codec zlib sample z.raw"), 0) << err_;
  EXPECT_EQ(run("codec decompress --raw --codec zlib --max-size 64K z.raw small"), 1);
  EXPECT_NE(err_.find("exceeds --max-size"), std::string::npos) << err_;
  EXPECT_FALSE(fs::exists(path("small")));
  EXPECT_EQ(run("codec decompress --raw z.raw x"), 2);
  EXPECT_NE(err_.find("--raw needs --codec"), std::string::npos) << err_;
  // Outputs go to a temporary "NAME.tmp.XXXXXX" first: none may be left behind.
  EXPECT_TRUE(only_expected_files({"sample", "s.raw", "restored", "z.raw"}));
}

TEST_F(CliTest, given_bad_arguments_then_usage_exit_code) {
  EXPECT_EQ(run("codec compress --codec nosuch sample out"), 2);
  EXPECT_NE(err_.find("unknown codec 'nosuch'"), std::string::npos) << err_;
  EXPECT_EQ(run("codec compress --codec zlib:42 sample out"), 2);
  EXPECT_NE(err_.find("invalid level"), std::string::npos) << err_;
  EXPECT_EQ(run("codec compress --block-size 3000 sample out"), 2);
  EXPECT_NE(err_.find("invalid block size '3000'"), std::string::npos) << err_;
  EXPECT_EQ(run("codec compress --block-size 32M sample out"), 2);
  EXPECT_NE(err_.find("invalid block size '32M'"), std::string::npos) << err_;
  EXPECT_EQ(run("codec bench --codec zstd,bogus sample"), 2);
  EXPECT_NE(err_.find("unknown codec 'bogus'"), std::string::npos) << err_;
  EXPECT_EQ(run("codec bench --codec zstd,,lz4 sample"), 2);
  EXPECT_NE(err_.find("empty codec name"), std::string::npos) << err_;
  EXPECT_TRUE(only_expected_files({"sample"}));
}

TEST_F(CliTest, given_missing_input_then_failure_and_no_output) {
  EXPECT_EQ(run("codec compress --codec zstd missing out"), 1);
  EXPECT_NE(err_.find("cannot open 'missing'"), std::string::npos) << err_;
  EXPECT_EQ(run("codec info missing"), 1);
  EXPECT_NE(err_.find("cannot open 'missing'"), std::string::npos) << err_;
  const std::string before = read("sample");
  EXPECT_EQ(run("codec compress sample sample"), 1);
  EXPECT_NE(err_.find("refusing to overwrite"), std::string::npos) << err_;
  EXPECT_EQ(read("sample"), before);
  EXPECT_TRUE(only_expected_files({"sample"}));
}

TEST_F(CliTest, given_corrupt_frame_then_failure_names_block_and_leaves_no_output) {
  ASSERT_EQ(run("codec compress --codec zstd sample s.sqz"), 0) << err_;
  std::string framed = read("s.sqz");
  framed[framed.size() / 2] = static_cast<char>(framed[framed.size() / 2] ^ 0x20);
  write("bad.sqz", framed);
  EXPECT_EQ(run("codec decompress bad.sqz restored"), 1);
  EXPECT_EQ(err_.rfind("squeezefs: corrupt frame: block ", 0), 0U) << err_;
  EXPECT_FALSE(fs::exists(path("restored")));
  write("cut.sqz", read("s.sqz").substr(0, 1000));
  EXPECT_EQ(run("codec decompress cut.sqz restored"), 1);
  EXPECT_NE(err_.find("truncated"), std::string::npos) << err_;
  EXPECT_EQ(run("codec info cut.sqz > info.txt"), 1);
  EXPECT_NE(read("info.txt").find("damaged"), std::string::npos);
  fs::remove(path("info.txt"));
  EXPECT_TRUE(only_expected_files({"sample", "s.sqz", "bad.sqz", "cut.sqz"}));
}

TEST_F(CliTest, given_bench_json_then_lists_codecs_with_zlib_baseline) {
  ASSERT_EQ(run("codec bench --codec lz4,zstd:1 --min-time 0.05 --json sample > bench.json"), 0)
      << err_;
  const auto doc = nlohmann::json::parse(read("bench.json"));
  EXPECT_EQ(doc["raw_bytes"], fs::file_size(path("sample")));
  EXPECT_EQ(doc["baseline"]["codec"], "zlib");
  ASSERT_EQ(doc["results"].size(), 3U);
  EXPECT_EQ(doc["results"][0]["codec"], "lz4");
  EXPECT_EQ(doc["results"][1]["level"], 1);
  const auto& zlib = doc["results"][2];
  EXPECT_EQ(zlib["codec"], "zlib");
  EXPECT_EQ(zlib["level"], 6);
  EXPECT_DOUBLE_EQ(zlib["compress_vs_baseline"].get<double>(), 1.0);
  for (const auto& r : doc["results"]) {
    EXPECT_GT(r["ratio"].get<double>(), 1.0);
    EXPECT_GT(r["compress_mbps"].get<double>(), 0.0);
    EXPECT_GT(r["decompress_mbps"].get<double>(), 0.0);
  }
  ASSERT_EQ(run("codec bench --min-time 0.01 . > table.txt"), 0) << err_;
  EXPECT_NE(read("table.txt").find("1.00x"), std::string::npos);
}

}  // namespace
