#pragma once

namespace squeezefs::index::internal {

// Version 1 of the index schema. Changing it means bumping Index::kFormatVersion and adding a
// migration.
inline constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE config (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE inodes (
  ino        INTEGER PRIMARY KEY,
  mode       INTEGER NOT NULL,
  uid        INTEGER NOT NULL,
  gid        INTEGER NOT NULL,
  nlink      INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  atime_ns   INTEGER NOT NULL,
  mtime_ns   INTEGER NOT NULL,
  ctime_ns   INTEGER NOT NULL,
  rdev       INTEGER NOT NULL,
  generation INTEGER NOT NULL
);
CREATE INDEX inodes_orphans ON inodes(ino) WHERE nlink = 0;

-- entry_id orders readdir; it only grows (AUTOINCREMENT: never reused), so offsets stay valid
-- while the directory changes. An entry keeps its parent and name for life: rename removes it
-- and adds a new one.
CREATE TABLE dirents (
  entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
  parent   INTEGER NOT NULL REFERENCES inodes(ino),
  name     BLOB NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  child    INTEGER NOT NULL REFERENCES inodes(ino)
);
CREATE UNIQUE INDEX dirents_lookup ON dirents(parent, name);
CREATE INDEX dirents_child ON dirents(child);

CREATE TABLE symlinks (
  ino    INTEGER PRIMARY KEY REFERENCES inodes(ino) ON DELETE CASCADE,
  target BLOB NOT NULL
);

CREATE TABLE xattrs (
  ino   INTEGER NOT NULL REFERENCES inodes(ino) ON DELETE CASCADE,
  name  BLOB NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (ino, name)
) WITHOUT ROWID;

CREATE TABLE data_files (
  id          INTEGER PRIMARY KEY,
  live_bytes  INTEGER NOT NULL DEFAULT 0,
  total_bytes INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE blocks (
  ino           INTEGER NOT NULL REFERENCES inodes(ino) ON DELETE CASCADE,
  block_index   INTEGER NOT NULL,
  codec         INTEGER NOT NULL,
  raw_length    INTEGER NOT NULL,
  stored_length INTEGER NOT NULL,
  checksum      INTEGER NOT NULL,
  data_file     INTEGER NOT NULL REFERENCES data_files(id),
  file_offset   INTEGER NOT NULL,
  PRIMARY KEY (ino, block_index)
) WITHOUT ROWID;
)sql";

// Indexes added to version 1 later. An index holds no data of its own and builds that predate
// it maintain it like any other, so adding one needs no new format version: the index is
// created wherever it is missing (Index::create, and Index::open when it may write).
// dirents_order serves listings in entry_id order: without it each page of a listing sorts
// the whole directory.
inline constexpr const char* kAddedIndexes[][2] = {
    {"dirents_order", "CREATE INDEX dirents_order ON dirents(parent, entry_id)"},
};

}  // namespace squeezefs::index::internal
