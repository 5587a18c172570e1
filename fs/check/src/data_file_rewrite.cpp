#include "squeezefs/fs/check/data_file_rewrite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "squeezefs/common/unique_fd.h"
#include "squeezefs/fs/check/data_file_names.h"

namespace squeezefs::fs::check {

std::optional<std::vector<index::StoredBlock>> copy_blocks(
    BlockStore& in, BlockStore& out, std::uint32_t id,
    const std::vector<index::StoredBlock>& blocks, std::string& why) {
  std::vector<index::StoredBlock> copies;
  copies.reserve(blocks.size());
  std::vector<std::byte> buf;
  for (const auto& b : blocks) {
    buf.resize(b.ref.stored_length);
    if (!in.load(StoredLocation{id, b.ref.offset, b.ref.stored_length}, buf)) {
      why = data_file_label(id) + ": stored bytes of inode " + std::to_string(b.ino) + " block " +
            std::to_string(b.block) + " cannot be read (run squeezefs fsck)";
      return std::nullopt;
    }
    const StoredLocation loc = out.store(buf);
    index::StoredBlock copy = b;
    copy.ref.data_file = loc.data_file;
    copy.ref.offset = loc.offset;
    copies.push_back(copy);
  }
  return copies;
}

std::uint64_t switch_blocks(index::Index& index, std::uint32_t id,
                            const std::vector<index::StoredBlock>& blocks,
                            const std::vector<index::StoredBlock>& copies) {
  std::uint64_t moved = 0;
  index::Txn txn(index.db());
  for (std::size_t i = 0; i < copies.size(); ++i) {
    const auto& copy = copies[i];
    index.account_written(copy.ref.data_file, copy.ref.stored_length);
    // A block rewritten, truncated away or removed while it was copied keeps its new state.
    if (index.block(blocks[i].ino, blocks[i].block) != blocks[i].ref) {
      index.account_freed(copy.ref.data_file, copy.ref.stored_length);
      continue;
    }
    index.put_block(copy.ino, copy.block, copy.ref);
    ++moved;
  }
  index.remove_data_file(id);
  txn.commit();
  return moved;
}

void delete_data_files(const std::filesystem::path& data_dir,
                       const std::vector<std::uint32_t>& ids) {
  if (ids.empty()) return;
  for (const auto id : ids) {
    const auto path = data_file_path(data_dir, id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      throw std::system_error(errno, std::generic_category(), "unlink " + path.string());
  }
  const UniqueFd fd(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0)
    throw std::system_error(errno, std::generic_category(), "fsync " + data_dir.string());
}

}  // namespace squeezefs::fs::check
