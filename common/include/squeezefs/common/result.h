#pragma once

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace squeezefs {

// The error side of a Result, mirroring std::unexpected so Result can become std::expected later.
struct Unexpected {
  std::error_code error;
};

inline Unexpected fail(std::errc e) {
  return Unexpected{std::make_error_code(e)};
}

// A value or a POSIX-meaningful error (std::errc). Mirrors the std::expected API subset we use.
template <class T>
class Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like expected
  Result(Unexpected u)
      : state_(std::in_place_index<1>, u.error) {}  // NOLINT: implicit like expected

  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] std::error_code error() const { return std::get<1>(state_); }

 private:
  std::variant<T, std::error_code> state_;
};

// Result<void>: success or an error.
template <>
class Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(u.error) {}  // NOLINT: implicit like expected

  [[nodiscard]] bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] std::error_code error() const { return error_; }

 private:
  std::error_code error_;
};

}  // namespace squeezefs
