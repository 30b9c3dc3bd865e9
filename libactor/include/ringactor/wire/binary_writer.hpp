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
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/wire/fast_layout.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class binary_writer : public inspector_base<binary_writer> {
public:
  static constexpr bool is_loading = false;

  /// Appends to `out`; `type` names the message in errors.
  binary_writer(std::vector<std::byte>& out, const wire_limits& limits,
                std::string_view type) noexcept
    : out_(out), limits_(limits), type_(type) {}
  /// The limits are kept by reference: a temporary would dangle.
  binary_writer(std::vector<std::byte>&, const wire_limits&&, std::string_view) = delete;

  const error& get_error() const noexcept { return err_; }

  // -- the inspector protocol ---------------------------------------------------

  bool begin_object(std::string_view) { return enter(); }
  bool end_object() {
    --depth_;
    return true;
  }
  bool begin_field(std::string_view) { return true; }
  bool end_field() { return true; }

  template <class T>
  bool value(T& x) {
    constexpr auto k = kind_of<T>;
    if constexpr (k == field_kind::boolean) {
      out_.push_back(static_cast<std::byte>(x ? 1 : 0));
      return true;
    } else if constexpr (k == field_kind::integer || k == field_kind::floating) {
      append_scalar(out_, x);
      return true;
    } else if constexpr (k == field_kind::enumeration) {
      if constexpr (described_enum<T>)
        if (!is_listed_enumerator(x))
          return fail(wire_errc::invalid_value, not_an_enumerator(x));
      append_scalar(out_, static_cast<std::underlying_type_t<T>>(x));
      return true;
    } else if constexpr (k == field_kind::duration) {
      auto count = x.count();
      return value(count);
    } else if constexpr (k == field_kind::string) {
      return length(x.size()) && bytes(x.data(), x.size());
    } else if constexpr (k == field_kind::list) {
      if (!length(x.size()))
        return false;
      using elem = typename T::value_type;
      if constexpr (std::is_arithmetic_v<elem> && !std::is_same_v<elem, bool>)
        return bytes(x.data(), x.size() * sizeof(elem));
      else
        return elements(x);
    } else if constexpr (k == field_kind::array) {
      return elements(x);
    } else if constexpr (k == field_kind::optional) {
      out_.push_back(static_cast<std::byte>(x.has_value() ? 1 : 0));
      return !x.has_value() || value(*x);
    } else if constexpr (k == field_kind::variant) {
      append_varint(out_, x.index());
      return std::visit([this](auto& y) { return this->value(y); }, x);
    } else if constexpr (k == field_kind::map) {
      if (!length(x.size()) || !enter())
        return false;
      std::size_t i = 0;
      for (auto& [key, val] : x) {
        push_index(i++);
        auto& k_ref = const_cast<typename T::key_type&>(key); // a saving walk writes nothing
        if (!value(k_ref) || !value(val))
          return false;
        pop_path();
      }
      --depth_;
      return true;
    } else if constexpr (k == field_kind::actor_handle) {
      actor_address addr = address_of(x);
      append_scalar(out_, addr.node);
      append_scalar(out_, addr.id);
      return true;
    } else if constexpr (k == field_kind::error) {
      return error_value(x);
    } else if constexpr (k == field_kind::object) {
      if (const auto& layout = fast_layout_of<T>();
          layout.eligible && (layout.enums.empty() || fast_enums_valid(&x, layout)))
        return bytes(&x, sizeof(T));
      return inspect(*this, x);
    } else {
      return false; // not a field type: field() and the entry points said so at compile time
    }
  }

private:
  bool enter() {
    if (++depth_ > limits_.max_depth)
      return fail(wire_errc::depth_exceeded, "nesting is deeper than the limit");
    return true;
  }

  bool length(std::size_t n) {
    if (n > limits_.max_container_length)
      return fail(wire_errc::limit_exceeded, "length is past max_container_length");
    append_varint(out_, n);
    return true;
  }

  bool bytes(const void* data, std::size_t n) {
    if (n == 0)
      return true;
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
    for (auto& y : xs) {
      push_index(i++);
      if (!value(y))
        return false;
      pop_path();
    }
    --depth_;
    return true;
  }

  template <class Handle>
  static actor_address address_of(const Handle& x) {
    if constexpr (std::is_same_v<Handle, actor_address>)
      return x;
    else
      return actor_address{0, x.id()};
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

  bool fail(wire_errc code, std::string_view what) {
    err_ = make_error(code, type_, path(), {}, what);
    return false;
  }

  std::vector<std::byte>& out_;
  const wire_limits& limits_;
  std::string_view type_;
  std::size_t depth_ = 0;
  error err_;
};

} // namespace ringactor::wire
