// The fixture most mount tests share: a fresh store, mounted, unmounted again by MountedStore.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "mounted_store.h"

namespace squeezefs::testing {

class MountedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.mkfs(), 0);
    ASSERT_EQ(store_.mount(), 0);
  }
  // lstat of a path inside the mount; a failure fails the test.
  struct stat stat_of(const std::string& name) {
    struct stat st {};
    EXPECT_EQ(::lstat(store_.path(name).c_str(), &st), 0) << name;
    return st;
  }
  MountedStore store_;
};

}  // namespace squeezefs::testing
