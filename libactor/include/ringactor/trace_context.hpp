// ringactor: a W3C Trace Context (level 1) value: the trace a message
// belongs to, the span that sent it, and the trace flags. It travels with
// every message (mailbox_element::trace), so that one request can be
// followed through actors, pools, the K2K broker and the log.
//
//   auto ctx = trace_context::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//   if (!ctx) return ctx.error();      // says which part of the header is wrong
//   auto child = ctx->make_child();    // same trace id, a new random span id
//   child.to_string();                 // "00-4bf92f35...-<new span>-01"
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ringactor/expected.hpp"

namespace ringactor {

/// A trace id, a span id (W3C: parent-id) and trace flags. A
/// default-constructed context is empty (`valid()` false): a message
/// without a trace. Trivially copyable, 32 bytes, no allocation.
class trace_context {
public:
  /// The only flag of trace-flags that level 1 defines.
  static constexpr std::uint8_t sampled_flag = 0x01;

  /// The length of a version-00 traceparent header.
  static constexpr std::size_t header_size = 55;

  constexpr trace_context() noexcept = default;

  /// A context from its parts: the trace id as two big-endian halves
  /// (`trace_high` holds its first 8 bytes), the span id, the flags. All-zero
  /// ids make an empty context.
  constexpr trace_context(std::uint64_t trace_high, std::uint64_t trace_low, std::uint64_t span_id,
                          std::uint8_t flags) noexcept
    : trace_high_(trace_high), trace_low_(trace_low), span_id_(span_id), flags_(flags) {}

  /// Parses a `traceparent` header strictly: lowercase hex, exact lengths,
  /// `-` separators, no all-zero trace id or parent id, no version ff. A
  /// version above 00 is read as 00 (its first 55 characters, which must be
  /// followed by `-` or end the header), as the specification asks. The
  /// error (sec::invalid_argument) names the part that is wrong.
  static expected<trace_context> parse(std::string_view traceparent);

  /// A new trace: random trace id and span id, flags `sampled_flag` if
  /// `sampled`.
  static trace_context make_root(bool sampled = true);

  /// A span of the same trace: same trace id and flags, a new random span
  /// id. An empty context's child is empty.
  trace_context make_child() const;

  // -- observers ------------------------------------------------------------

  /// True for a context that came from parse, make_root or make_child: its
  /// trace id and span id are both non-zero.
  constexpr bool valid() const noexcept { return (trace_high_ | trace_low_) != 0 && span_id_ != 0; }
  constexpr explicit operator bool() const noexcept { return valid(); }

  constexpr bool sampled() const noexcept { return (flags_ & sampled_flag) != 0; }
  constexpr std::uint8_t flags() const noexcept { return flags_; }

  /// The first and last 8 bytes of the 16-byte trace id, big-endian.
  constexpr std::uint64_t trace_id_high() const noexcept { return trace_high_; }
  constexpr std::uint64_t trace_id_low() const noexcept { return trace_low_; }
  /// The 8-byte span id (W3C parent-id), big-endian.
  constexpr std::uint64_t span_id() const noexcept { return span_id_; }

  /// The trace id as 32 lowercase hex digits.
  std::array<char, 32> trace_id_hex() const noexcept;
  /// The span id as 16 lowercase hex digits.
  std::array<char, 16> span_id_hex() const noexcept;

  /// The version-00 `traceparent` header for this context (55 characters);
  /// empty for an empty context.
  std::string to_string() const;

  friend constexpr bool operator==(const trace_context&, const trace_context&) noexcept = default;

private:
  std::uint64_t trace_high_ = 0;
  std::uint64_t trace_low_ = 0;
  std::uint64_t span_id_ = 0;
  std::uint8_t flags_ = 0;
};

inline std::string_view as_string_view(const std::array<char, 32>& x) noexcept {
  return {x.data(), x.size()};
}
inline std::string_view as_string_view(const std::array<char, 16>& x) noexcept {
  return {x.data(), x.size()};
}

} // namespace ringactor

/// Formats as the traceparent header ("" for an empty context).
template <>
struct fmt::formatter<ringactor::trace_context> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ringactor::trace_context& x, FormatContext& ctx) const {
    auto str = x.to_string();
    return fmt::formatter<std::string_view>::format(str, ctx);
  }
};
