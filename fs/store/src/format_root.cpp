#include "format_root.h"

#include <sys/stat.h>

#include "squeezefs/fs/clock.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs::store {

void format_root(index::MetadataStore& metadata, Caller owner) {
  index::InodeRecord root;
  root.ino = Namespace::kRootIno;
  root.mode = S_IFDIR | 0755;
  root.uid = owner.uid;
  root.gid = owner.gid;
  root.nlink = 2;  // "." and its entry in itself as ".."
  root.atime_ns = root.mtime_ns = root.ctime_ns = now_ns();
  metadata.transact([&](index::MetadataTxn& txn) { txn.insert_inode(root); });
}

}  // namespace squeezefs::fs::store
