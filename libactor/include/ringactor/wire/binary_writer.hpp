// ringactor wire: the binary format's writer, an inspector that appends a
// value's wire form to a byte buffer. The layout is in docs/architecture.md
// ("Wire format"); binary_format.hpp has the entry points (to_bytes).
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ringactor/actor.hpp"
#include "ringactor/error.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/encoding.hpp"
#include "ringactor/wire/fast_layout.hpp"
#include "ringactor/wire/format_base.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class binary_writer : public format_base<binary_writer> {
public:
  static constexpr bool is_loading = false;

  /// Appends to `out`; `type` names the message in errors.
  binary_writer(std::vector<std::byte>& out, const wire_limits& limits,
                std::string_view type) noexcept
    : format_base(limits, type), out_(out) {}
  /// The limits are kept by reference: a temporary would dangle.
  binary_writer(std::vector<std::byte>&, const wire_limits&&, std::string_view) = delete;

  /// An error at the current path.
  bool fail(wire_errc code, std::string_view what) {
    err_ = make_error(code, type_, path(), {}, what);
    return false;
  }

private:
  friend class format_base<binary_writer>;

  // -- one handler per kind (format_base::value dispatches) ---------------------

  bool boolean(bool x) {
    out_.push_back(static_cast<std::byte>(x ? 1 : 0));
    return true;
  }

  template <class T>
  bool integer(T x) {
    append_scalar(out_, x);
    return true;
  }

  template <class T>
  bool floating(T x) {
    append_scalar(out_, x);
    return true;
  }

  template <class E>
  bool enumerator(E x) {
    append_scalar(out_, static_cast<std::underlying_type_t<E>>(x));
    return true;
  }

  bool string(const std::string& x) { return length(x.size()) && bytes(x.data(), x.size()); }

  template <class T>
  bool list(T& x) {
    if (!length(x.size()))
      return false;
    using elem = typename T::value_type;
    if constexpr (std::is_arithmetic_v<elem> && !std::is_same_v<elem, bool>)
      return bytes(x.data(), x.size() * sizeof(elem));
    else
      return elements(x);
  }

  template <class T>
  bool array(T& x) {
    return elements(x);
  }

  template <class T>
  bool optional(T& x) {
    out_.push_back(static_cast<std::byte>(x.has_value() ? 1 : 0));
    return !x.has_value() || value(*x);
  }

  template <class T>
  bool variant(T& x) {
    append_varint(out_, x.index());
    return alternative_value(x);
  }

  template <class T>
  bool map(T& x) {
    if (!length(x.size()) || !enter())
      return false;
    std::size_t i = 0;
    for (auto& entry : x) { // not a structured binding: clang 14 cannot capture one
      auto& key = const_cast<typename T::key_type&>(entry.first); // a saving walk writes nothing
      auto& val = entry.second;
      if (!at_index(i++, [&] { return value(key) && value(val); }))
        return false;
    }
    leave();
    return true;
  }

  bool address(const actor_address& addr) {
    append_scalar(out_, addr.node);
    append_scalar(out_, addr.id);
    return true;
  }

  bool error_value(const ringactor::error& x) {
    if (!x) {
      append_varint(out_, 0); // an empty category name: no error
      return true;
    }
    auto cat = x.category_name();
    auto ctx = x.context();
    if (!length(cat.size()) || !bytes(cat.data(), cat.size()))
      return false;
    append_scalar(out_, static_cast<std::int32_t>(x.code().value()));
    return length(ctx.size()) && bytes(ctx.data(), ctx.size());
  }

  /// The memcpy path for the types that qualify (fast_layout.hpp).
  template <class T>
  bool object_value(T& x) {
    if (const auto& layout = fast_layout_of<T>();
        layout.eligible && (layout.enums.empty() || fast_enums_valid(&x, layout)))
      return bytes(&x, sizeof(T));
    return inspect(*this, x);
  }

  // -- the format's primitives --------------------------------------------------

  bool length(std::size_t n) {
    if (!check_length(n))
      return false;
    append_varint(out_, n);
    return true;
  }

  bool bytes(const void* data, std::size_t n) {
    if (n == 0)
      return true;
    if (n >= 1024) {
      // Long runs (strings, buffers) are copied once: resize() would first
      // zero the bytes, a second pass over memory that is often fresh.
      auto* p = static_cast<const std::byte*>(data);
      out_.insert(out_.end(), p, p + n);
      return true;
    }
    auto pos = out_.size();
    out_.resize(pos + n);
    std::memcpy(out_.data() + pos, data, n);
    return true;
  }

  template <class Range>
  bool elements(Range& xs) {
    if (!enter())
      return false;
    std::size_t i = 0;
    for (auto& y : xs)
      if (!at_index(i++, [&] { return value(y); }))
        return false;
    leave();
    return true;
  }

  std::vector<std::byte>& out_;
};

} // namespace ringactor::wire
