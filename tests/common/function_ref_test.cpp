#include "squeezefs/common/function_ref.h"

#include <gtest/gtest.h>

#include <string>

namespace squeezefs {
namespace {

int apply(FunctionRef<int(int)> f, int x) {
  return f(x);
}

TEST(FunctionRefTest, given_a_capturing_lambda_when_called_then_it_sees_and_changes_its_captures) {
  int calls = 0;
  const int offset = 40;
  EXPECT_EQ(apply(
                [&](int x) {
                  ++calls;
                  return x + offset;
                },
                2),
            42);
  EXPECT_EQ(calls, 1);
}

TEST(FunctionRefTest, given_a_move_only_argument_when_forwarded_then_it_arrives_intact) {
  std::string seen;
  auto take = [&](std::string s) { seen = std::move(s); };
  const FunctionRef<void(std::string)> f(take);
  f(std::string(100, 'x'));
  EXPECT_EQ(seen, std::string(100, 'x'));
}

TEST(FunctionRefTest, given_a_function_returning_a_reference_when_called_then_the_same_object) {
  int value = 7;
  auto get = [&]() -> int& { return value; };
  const FunctionRef<int&()> f(get);
  f() = 9;
  EXPECT_EQ(value, 9);
}

}  // namespace
}  // namespace squeezefs
