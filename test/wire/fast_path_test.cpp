#include <doctest/doctest.h>

#include <cstring>

#include <ringactor/binary_format.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;
using namespace wire_test;

namespace {

/// Trivially copyable, but with padding after `flag`: not a memcpy type.
struct padded {
  bool flag = false;
  std::int64_t value = 0;
};

template <class Inspector>
bool inspect(Inspector& f, padded& x) {
  return f.object(x).fields(f.field("flag", x.flag), f.field("value", x.value));
}

/// Trivially copyable and unpadded, but inspected out of memory order.
struct reordered {
  std::int32_t a = 0;
  std::int32_t b = 0;
};

template <class Inspector>
bool inspect(Inspector& f, reordered& x) {
  return f.object(x).fields(f.field("b", x.b), f.field("a", x.a));
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("a trivially copyable type without padding is written as its memory") {
  static_assert(std::is_trivially_copyable_v<pod> && sizeof(pod) == 8 + 8 + 4 + 4 + 1 + 1 + 6);
  CHECK(wire::fast_layout_of<pod>().eligible);
  pod x{42, 9.5, -3, 0.25f, true, color::green, {1, 2, 3}};
  auto bytes = to_bytes(x);
  REQUIRE(bytes.has_value());
  REQUIRE(bytes->size() == sizeof(pod));
  CHECK(std::memcmp(bytes->data(), &x, sizeof(pod)) == 0);
  pod y;
  REQUIRE(from_bytes(*bytes, y).has_value());
  CHECK(y == x);
}

TEST_CASE("padding or another field order takes the field-by-field path") {
  CHECK_FALSE(wire::fast_layout_of<padded>().eligible);
  CHECK_FALSE(wire::fast_layout_of<reordered>().eligible);
  CHECK_FALSE(wire::fast_layout_of<order>().eligible);
  auto p = to_bytes(padded{true, 7});
  REQUIRE(p.has_value());
  CHECK(p->size() == 1 + 8); // no padding bytes on the wire
  padded q;
  REQUIRE(from_bytes(*p, q).has_value());
  CHECK(q.flag);
  CHECK(q.value == 7);
  auto r = to_bytes(reordered{1, 2});
  REQUIRE(r.has_value());
  std::int32_t first = 0;
  std::memcpy(&first, r->data(), 4);
  CHECK(first == 2); // b comes first, as inspect says
}

TEST_CASE("the fast path writes the bytes the field-by-field path would") {
  // A vector of pods goes element by element through the fast path; the
  // same values as separate fields of a slow type give the same bytes.
  pod x{1, 2.0, 3, 4.0f, false, color::blue, {5, 6, 7}};
  auto fast = to_bytes(x);
  REQUIRE(fast.has_value());
  std::vector<std::byte> slow;
  wire_limits limits;
  wire::binary_writer f{slow, limits, "pod"};
  REQUIRE(inspect(f, x)); // inspect() directly: no fast path at the top
  CHECK(slow == *fast);
}

TEST_CASE("a memcpy message that is short, long or past the limit gets the inspector's errors") {
  pod x{42, 9.5, -3, 0.25f, true, color::green, {1, 2, 3}};
  auto bytes = to_bytes(x);
  REQUIRE(bytes.has_value());
  pod y;
  auto longer = *bytes;
  longer.push_back(std::byte{0});
  auto r = from_bytes(longer, y);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::trailing_bytes);
  CHECK(r.error().context() == "wire_test.pod: at byte 32: 1 bytes are left after the value");
  auto shorter = *bytes;
  shorter.resize(30);
  r = from_bytes(shorter, y);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::truncated);
  CHECK(r.error().context()
        == "wire_test.pod: pod.dims[2]: at byte 30: the input ends inside a value");
  wire_limits tiny;
  tiny.max_message_size = 31;
  std::vector<std::byte> out{std::byte{7}};
  auto w = to_bytes(x, out, tiny);
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == wire_errc::limit_exceeded);
  CHECK(out.size() == 1); // left as it was
  r = from_bytes(*bytes, y, tiny);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::limit_exceeded);
}

TEST_CASE("to_bytes appends a memcpy message after what the buffer holds") {
  pod x{1, 2.0, 3, 4.0f, false, color::blue, {5, 6, 7}};
  std::vector<std::byte> out{std::byte{0xab}};
  REQUIRE(to_bytes(x, out).has_value());
  REQUIRE(out.size() == 1 + sizeof(pod));
  CHECK(out[0] == std::byte{0xab});
  CHECK(std::memcmp(out.data() + 1, &x, sizeof(pod)) == 0);
  pod y;
  REQUIRE(from_bytes(std::span<const std::byte>{out}.subspan(1), y).has_value());
  CHECK(y == x);
}

TEST_SUITE_END();
