#include "squeezefs/index/sqlite/testing/sqlite_test_access.h"

#include <cerrno>
#include <fstream>
#include <random>
#include <system_error>

#include "squeezefs/index/db.h"

namespace squeezefs::index::testing {
namespace {

std::int64_t page_size_of(Db& db) {
  auto& st = db.cached("PRAGMA page_size");
  st.step();
  const std::int64_t size = st.column_int64(0);
  st.reset();
  return size;
}

}  // namespace

void SqliteTestAccess::exec(const std::string& path, std::string_view sql) {
  Db db(path);
  db.exec(sql);
}

std::int64_t SqliteTestAccess::page_size(const std::string& path) {
  Db db(path, nullptr, DbAccess::kImmutable);
  return page_size_of(db);
}

std::optional<std::int64_t> SqliteTestAccess::leaf_page_nearest(const std::string& path,
                                                                std::string_view table,
                                                                std::int64_t near) {
  Db db(path, nullptr, DbAccess::kImmutable);
  auto& st = db.cached(
      "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' "
      "ORDER BY abs(pageno - ?2) LIMIT 1");
  st.bind(1, table);
  st.bind(2, near);
  std::optional<std::int64_t> page;
  if (st.step()) page = st.column_int64(0);
  st.reset();
  return page;
}

void SqliteTestAccess::corrupt_page(const std::string& path, std::int64_t page,
                                    std::uint32_t seed) {
  const std::int64_t size = page_size(path);
  std::mt19937 random(seed);
  std::string junk(static_cast<std::size_t>(size), '\0');
  for (auto& c : junk) c = static_cast<char>(random());
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp((page - 1) * size);
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  f.flush();
  if (!f) throw std::system_error(EIO, std::generic_category(), "cannot write page of " + path);
}

}  // namespace squeezefs::index::testing
