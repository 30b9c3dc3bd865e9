// ringactor wire: a parsed JSON document and read-only views of its values,
// what the JSON reader walks. The parser (Boost.JSON, compiled into the
// library only: no public header includes it) checks the input against
// wire_limits before and while it parses:
//   - the text is at most max_message_size bytes;
//   - objects and arrays nest at most max_depth deep (checked by the parser
//     before it descends, so a nesting bomb costs no stack);
//   - strings and keys are valid UTF-8 (else invalid_utf8);
//   - one JSON value, nothing but whitespace after it (else trailing_bytes).
// A parse error names the byte offset and the JSON pointer of the value the
// parser was in, e.g. "shop.order: order.tags[3]: at /tags/3 (byte 27): ...".
//
//   auto doc = wire::parse_json(text, limits, "shop.order");
//   if (doc) walk(doc->root());
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ringactor/expected.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

/// The type of a JSON value. Numbers keep their exact form: an integer that
/// fits int64 is int64, one that fits only uint64 is uint64, anything else
/// (a fraction, an exponent, or past 64 bits) is a double.
enum class json_type { null, boolean, int64, uint64, floating, string, array, object };

/// A JSON type's name for error messages: "null", "a bool", "an integer", ...
std::string_view json_type_name(json_type t) noexcept;

/// A read-only view of one value in a json_document; empty (false) where a
/// lookup found nothing. Valid as long as its document.
class json_node {
public:
  json_node() noexcept = default;
  explicit json_node(const void* impl) noexcept : impl_(impl) {}

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  json_type type() const noexcept;
  bool as_bool() const noexcept;
  std::int64_t as_int64() const noexcept;
  std::uint64_t as_uint64() const noexcept;
  double as_double() const noexcept;
  std::string_view as_string() const noexcept;

  /// Elements of an array or members of an object; 0 for anything else.
  std::size_t size() const noexcept;
  /// The i-th element of an array (i < size()).
  json_node at(std::size_t i) const noexcept;
  /// The i-th member of an object (i < size()), in document order.
  std::string_view key_at(std::size_t i) const noexcept;
  json_node value_at(std::size_t i) const noexcept;
  /// The member named `key` of an object, or an empty node.
  json_node find(std::string_view key) const noexcept;

private:
  const void* impl_ = nullptr;
};

/// A parsed JSON text: owns every value its nodes view.
class json_document {
public:
  json_document(json_document&&) noexcept;
  json_document& operator=(json_document&&) noexcept;
  ~json_document();

  json_node root() const noexcept;

private:
  friend expected<json_document> parse_json(std::string_view text, const wire_limits& limits,
                                            std::string_view type);
  struct impl;
  explicit json_document(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

/// Parses `text` within `limits`; `type` names the message in errors.
expected<json_document> parse_json(std::string_view text, const wire_limits& limits,
                                   std::string_view type);

/// Appends `key` to a JSON pointer as one reference token: "/" then the key
/// with "~" written "~0" and "/" written "~1" (RFC 6901).
void append_pointer_token(std::string& pointer, std::string_view key);

} // namespace ringactor::wire
