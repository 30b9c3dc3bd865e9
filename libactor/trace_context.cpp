#include "ringactor/trace_context.hpp"

#include <random>

#include <fmt/format.h>

#include "ringactor/error.hpp"
#include "ringactor/trace_scope.hpp"

namespace ringactor {

namespace detail {

// Constant-initialized, so that no access needs a TLS wrapper call.
[[gnu::tls_model(
  "initial-exec")]] thread_local constinit const trace_node* current_trace_slot = nullptr;

} // namespace detail

namespace {

/// A per-thread xoshiro256** seeded from std::random_device: ids need to be
/// unique with high probability, not unpredictable.
class id_source {
public:
  id_source() {
    std::random_device dev;
    for (auto& word : state_)
      word = (std::uint64_t{dev()} << 32) ^ dev();
    if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0)
      state_[0] = 1;
  }

  /// A random value other than zero (zero marks an absent id).
  std::uint64_t next_nonzero() noexcept {
    for (;;) {
      if (auto x = next(); x != 0)
        return x;
    }
  }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t next() noexcept {
    auto result = rotl(state_[1] * 5, 7) * 9;
    auto t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  std::uint64_t state_[4];
};

std::uint64_t random_id() {
  thread_local id_source source;
  return source.next_nonzero();
}

constexpr char hex_digits[] = "0123456789abcdef";

template <std::size_t N>
void write_hex(std::uint64_t x, char* out) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    out[N - 1 - i] = hex_digits[(x >> (4 * i)) & 0xf];
}

int lower_hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/// Reads `str` (at most 16 digits) as lowercase hex into `out`.
bool read_hex(std::string_view str, std::uint64_t& out) noexcept {
  std::uint64_t x = 0;
  for (char c : str) {
    auto v = lower_hex_value(c);
    if (v < 0)
      return false;
    x = (x << 4) | static_cast<std::uint64_t>(v);
  }
  out = x;
  return true;
}

error parse_error(std::string_view header, std::string_view what) {
  return error{sec::invalid_argument, fmt::format("traceparent \"{}\": {}", header, what)};
}

} // namespace

expected<trace_context> trace_context::parse(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" trace-flags
  //  0..1   2   3..34    35   36..51    52   53..54
  if (header.size() < 2)
    return parse_error(header, "version: expected 2 lowercase hex digits");
  std::uint64_t version = 0;
  if (!read_hex(header.substr(0, 2), version))
    return parse_error(header, "version: expected 2 lowercase hex digits");
  if (version == 0xff)
    return parse_error(header, "version: ff is not a valid version");
  if (header.size() < header_size)
    return parse_error(header, fmt::format("length: {} characters, a traceparent has {}",
                                           header.size(), header_size));
  if (version == 0 && header.size() != header_size)
    return parse_error(header, fmt::format("length: {} characters, version 00 has exactly {}",
                                           header.size(), header_size));
  if (header.size() > header_size && header[header_size] != '-')
    return parse_error(header, "length: a later version's fields must follow a '-' after "
                               "the first 55 characters");
  if (header[2] != '-' || header[35] != '-' || header[52] != '-')
    return parse_error(header, "separators: expected '-' after the version, the trace-id and "
                               "the parent-id");
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  if (!read_hex(header.substr(3, 16), high) || !read_hex(header.substr(19, 16), low))
    return parse_error(header, "trace-id: expected 32 lowercase hex digits");
  if ((high | low) == 0)
    return parse_error(header, "trace-id: all zeros is not a valid trace-id");
  std::uint64_t span = 0;
  if (!read_hex(header.substr(36, 16), span))
    return parse_error(header, "parent-id: expected 16 lowercase hex digits");
  if (span == 0)
    return parse_error(header, "parent-id: all zeros is not a valid parent-id");
  std::uint64_t flags = 0;
  if (!read_hex(header.substr(53, 2), flags))
    return parse_error(header, "trace-flags: expected 2 lowercase hex digits");
  return trace_context{high, low, span, static_cast<std::uint8_t>(flags)};
}

trace_context trace_context::make_root(bool sampled) {
  auto high = random_id();
  auto low = random_id();
  return trace_context{high, low, random_id(), sampled ? sampled_flag : std::uint8_t{0}};
}

trace_context trace_context::make_child() const {
  if (!valid())
    return {};
  return trace_context{trace_high_, trace_low_, random_id(), flags_};
}

std::array<char, 32> trace_context::trace_id_hex() const noexcept {
  std::array<char, 32> out;
  write_hex<16>(trace_high_, out.data());
  write_hex<16>(trace_low_, out.data() + 16);
  return out;
}

std::array<char, 16> trace_context::span_id_hex() const noexcept {
  std::array<char, 16> out;
  write_hex<16>(span_id_, out.data());
  return out;
}

std::string trace_context::to_string() const {
  if (!valid())
    return {};
  std::string out(header_size, '-');
  out[0] = '0';
  out[1] = '0';
  write_hex<16>(trace_high_, out.data() + 3);
  write_hex<16>(trace_low_, out.data() + 19);
  write_hex<16>(span_id_, out.data() + 36);
  write_hex<2>(flags_, out.data() + 53);
  return out;
}

// -- the thread's current context ---------------------------------------------------

trace_context current_trace() noexcept {
  auto* node = detail::current_trace_slot;
  return node != nullptr ? node->ctx : trace_context{};
}

} // namespace ringactor
