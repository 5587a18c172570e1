#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace squeezefs {

template <class Signature>
class FunctionRef;

// A non-owning reference to a callable, for callbacks that run before the call that takes them
// returns (transaction bodies, visitors). Unlike std::function it never allocates. It must not
// outlive the callable it refers to.
template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
           std::is_invocable_r_v<R, F&, Args...>) FunctionRef(F&& f)
  noexcept  // NOLINT: implicit, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace squeezefs
