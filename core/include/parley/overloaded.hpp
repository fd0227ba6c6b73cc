// The visitor helper for std::visit over the core's variants.
#pragma once

namespace parley {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace parley
