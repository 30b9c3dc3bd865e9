#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <ringactor/binary_format.hpp>
#include <ringactor/k2k/error.hpp>
#include <ringactor/type_registry.hpp>
#include <ringactor/wire/encoding.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;
using namespace wire_test;

namespace {

using bytes_t = std::vector<std::byte>;

template <class T>
bytes_t bytes_of(const T& x) {
  auto r = to_bytes(x);
  REQUIRE(r.has_value());
  return std::move(*r);
}

bytes_t raw(std::initializer_list<int> xs) {
  bytes_t out;
  for (int x : xs)
    out.push_back(static_cast<std::byte>(x));
  return out;
}

template <class T>
error decode_error(const bytes_t& in, const wire_limits& limits = {}) {
  T x{};
  auto r = from_bytes(in, x, limits);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

/// The error has `code` and its context begins with `prefix` (type, path
/// and offset).
void check(const error& e, wire_errc code, std::string_view prefix) {
  CHECK_MESSAGE(e == code, to_string(e));
  CHECK_MESSAGE(e.context().substr(0, prefix.size()) == prefix, to_string(e));
}

/// order{1, 2, {"a", "bb", "ccc", "dddd"}}: id at 0, qty at 8, the tags'
/// count at 12, the tags at 13, 15, 18 and 22 (length) / 23 (bytes): 27 bytes.
bytes_t sample_order() {
  auto b = bytes_of(order{1, 2, {"a", "bb", "ccc", "dddd"}});
  REQUIRE(b.size() == 27);
  return b;
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("truncated input yields truncated naming the field and the offset") {
  auto b = sample_order();
  b.pop_back();
  check(decode_error<order>(b), wire_errc::truncated,
        "wire_test.order: order.tags[3]: at byte 22: a length of 4 is past the 3 bytes left");
  check(decode_error<order>(bytes_t(b.begin(), b.begin() + 5)), wire_errc::truncated,
        "wire_test.order: order.id: at byte 0");
  // Every prefix of a valid message is truncated: never a crash, never a value.
  auto full = bytes_of(everything{});
  for (std::size_t n = 0; n < full.size(); ++n) {
    everything x;
    auto r = from_bytes(std::span{full.data(), n}, x);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == wire_errc::truncated);
  }
}

TEST_CASE("bytes after the value yield trailing_bytes at their offset") {
  auto b = sample_order();
  b.push_back(std::byte{0});
  check(decode_error<order>(b), wire_errc::trailing_bytes,
        "wire_test.order: at byte 27: 1 bytes are left after the value");
}

TEST_CASE("lengths past the limits yield limit_exceeded before anything is allocated") {
  wire_limits three;
  three.max_container_length = 3;
  check(decode_error<order>(sample_order(), three), wire_errc::limit_exceeded,
        "wire_test.order: order.tags: at byte 12: a length of 4 is past max_container_length");
  auto one_long = bytes_of(order{1, 2, {"abcd"}});
  check(decode_error<order>(one_long, three), wire_errc::limit_exceeded,
        "wire_test.order: order.tags[0]: at byte 13");
  wire_limits small;
  small.max_message_size = 10;
  check(decode_error<order>(sample_order(), small), wire_errc::limit_exceeded,
        "wire_test.order: at byte 0: the message has 27 bytes");
  // A length of 2^40 elements: refused by the limit, nothing reserved.
  auto sample = sample_order();
  auto b = bytes_t(sample.begin(), sample.begin() + 12);
  wire::append_varint(b, std::uint64_t{1} << 40);
  check(decode_error<order>(b), wire_errc::limit_exceeded,
        "wire_test.order: order.tags: at byte 12");
  // Within the limit but past the input: truncated, nothing reserved.
  b.resize(12);
  wire::append_varint(b, 1000);
  check(decode_error<order>(b), wire_errc::truncated, "wire_test.order: order.tags: at byte 12");
  // The writer keeps to the same limits.
  auto w = to_bytes(order{1, 2, {"a", "b", "c", "d"}}, three);
  REQUIRE_FALSE(w.has_value());
  check(w.error(), wire_errc::limit_exceeded, "wire_test.order: order.tags");
}

TEST_CASE("an unknown type name yields unknown_type") {
  auto m = from_bytes("wire_test.no_such_type", sample_order());
  REQUIRE_FALSE(m.has_value());
  check(m.error(), wire_errc::unknown_type, "no type is registered as 'wire_test.no_such_type'");
}

TEST_CASE("invalid UTF-8 in a string yields invalid_utf8 at the first bad byte") {
  auto b = sample_order();
  b[23] = std::byte{0xff};
  auto e = decode_error<order>(b);
  CHECK(e == wire_errc::invalid_utf8);
  CHECK(e.context() == "wire_test.order: order.tags[3]: at byte 23: string is not valid UTF-8");
  // An overlong form, a surrogate, a code point past U+10FFFF, a cut sequence.
  for (auto bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    auto x = bytes_of(order{1, 2, {std::string{"ok"} + bad}});
    check(decode_error<order>(x), wire_errc::invalid_utf8,
          "wire_test.order: order.tags[0]: at byte 16");
  }
  order fine;
  CHECK(from_bytes(bytes_of(order{1, 2, {"\xf0\x9f\x99\x82 \xe2\x82\xac"}}), fine).has_value());
}

TEST_CASE("the UTF-8 check finds the first bad byte wherever it falls in a long ASCII run") {
  // The check skips ASCII 16 bytes at a time: a bad byte or a multi-byte
  // character at every offset around those steps.
  for (std::size_t at = 0; at < 48; ++at) {
    std::string s(48, 'a');
    s[at] = '\xff';
    CHECK_EQ(wire::utf8_invalid_at(s), at);
    std::string euro = std::string(at, 'a') + "\xe2\x82\xac" + std::string(40, 'b');
    CHECK_EQ(wire::utf8_invalid_at(euro), euro.size());
    euro[at + 3 + (at % 19)] = '\x80'; // a continuation byte without a lead
    CHECK_EQ(wire::utf8_invalid_at(euro), at + 3 + (at % 19));
    CHECK_EQ(wire::utf8_invalid_at(std::string(at, 'c') + "\xe2\x82"), at); // cut short
  }
}

TEST_CASE("a varint over 64 bits yields integer_overflow; one not in shortest form is refused") {
  auto sample = sample_order();
  auto head = bytes_t(sample.begin(), sample.begin() + 12);
  auto b = head;
  for (int i = 0; i < 10; ++i)
    b.push_back(std::byte{0xff});
  b.push_back(std::byte{0x01});
  check(decode_error<order>(b), wire_errc::integer_overflow,
        "wire_test.order: order.tags: at byte 12: a varint has more than 64 bits");
  b = head;
  for (int i = 0; i < 9; ++i)
    b.push_back(std::byte{0x80});
  b.push_back(std::byte{0x02}); // bit 64
  check(decode_error<order>(b), wire_errc::integer_overflow,
        "wire_test.order: order.tags: at byte 12");
  b = head;
  b.push_back(std::byte{0x80});
  b.push_back(std::byte{0x00});
  check(decode_error<order>(b), wire_errc::invalid_value,
        "wire_test.order: order.tags: at byte 12");
  // An index past what its field can hold (here: 2^40 for a variant of two).
  auto v = bytes_t{};
  wire::append_varint(v, std::uint64_t{1} << 40);
  std::variant<std::int32_t, std::string> var;
  auto r = from_bytes(v, var);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context().find("at byte 0: a variant's index is past") != std::string_view::npos);
}

TEST_CASE("NaN and infinities are refused unless allowed") {
  pod x{1, std::numeric_limits<double>::quiet_NaN(), 3, 4.0f, false, color::red, {}};
  auto b = bytes_of(x);
  check(decode_error<pod>(b), wire_errc::nan_not_allowed,
        "wire_test.pod: pod.price: at byte 8: a float is NaN or infinite");
  x.price = 1;
  x.weight = std::numeric_limits<float>::infinity();
  check(decode_error<pod>(bytes_of(x)), wire_errc::nan_not_allowed,
        "wire_test.pod: pod.weight: at byte 20");
  wire_limits nan_ok;
  nan_ok.allow_nan = true;
  pod y;
  REQUIRE(from_bytes(b, y, nan_ok).has_value());
  CHECK(std::isnan(y.price));
  std::vector<double> ds{1.0, std::nan(""), 3.0};
  std::vector<double> back;
  auto r = from_bytes(bytes_of(ds), back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::nan_not_allowed);
  CHECK(r.error().context().find("[1]: at byte 9") != std::string_view::npos);
}

TEST_CASE("a nesting bomb yields depth_exceeded, bounded in time and memory") {
  bytes_t b(1'000'000, std::byte{0x01}); // a million levels of one child each
  b.push_back(std::byte{0});
  tree t;
  auto r = from_bytes(b, t);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::depth_exceeded);
  // Each level is an object and a list: the 65th nesting is at level 32.
  CHECK(r.error().context().find("at byte 32: nesting is deeper than max_depth")
        != std::string_view::npos);
  CHECK(r.error().context().substr(0, 43) == "wire_test.tree: tree.children[0].children[0");
  // The writer refuses to make one too.
  tree deep;
  tree* at = &deep;
  for (int i = 0; i < 40; ++i)
    at = &at->children.emplace_back();
  auto w = to_bytes(deep);
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == wire_errc::depth_exceeded);
}

TEST_CASE("a bool that is neither 0 nor 1 yields invalid_value, on either path") {
  auto b = bytes_of(pod{});
  b[24] = std::byte{2}; // the fast path's bool
  check(decode_error<pod>(b), wire_errc::invalid_value,
        "wire_test.pod: pod.urgent: at byte 24: a bool is neither 0 nor 1");
  auto e = bytes_of(everything{});
  e[0] = std::byte{2};
  check(decode_error<everything>(e), wire_errc::invalid_value,
        "wire_test.everything: everything.b: at byte 0: a bool is neither 0 nor 1");
  std::optional<std::int32_t> o;
  auto r = from_bytes(raw({2}), o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
}

TEST_CASE("a variant index past its alternatives yields invalid_value") {
  std::variant<std::int32_t, std::string> v;
  auto r = from_bytes(raw({2, 0, 0, 0, 0}), v);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context().find("at byte 0: a variant's index is past its alternatives")
        != std::string_view::npos);
}

TEST_CASE("a map with a key twice yields invalid_value at the second") {
  std::map<std::int32_t, std::int32_t> m;
  auto r = from_bytes(raw({2, 1, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0}), m);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context().find("[1]: at byte 9: a map has a key twice")
        != std::string_view::npos);
}

TEST_CASE("errors cross by category name; an unknown category is refused") {
  error e{k2k::errc::clock_skew, "3s ahead"};
  error back;
  REQUIRE(from_bytes(bytes_of(e), back).has_value());
  CHECK(back == k2k::errc::clock_skew);
  CHECK(back.context() == "3s ahead");
  auto b = raw({3, 'f', 'o', 'o', 1, 0, 0, 0, 0});
  auto r = from_bytes(b, back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context().find("at byte 0: no error category is registered as 'foo'")
        != std::string_view::npos);
  auto zero = raw({3, 's', 'e', 'c', 0, 0, 0, 0, 0});
  r = from_bytes(zero, back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().context().find("at byte 4: an error with a category has code 0")
        != std::string_view::npos);
}

TEST_CASE("an actor handle is written as its address and read only as actor_address") {
  actor none;
  auto b = bytes_of(none);
  CHECK(b.size() == 16);
  actor_address addr{1, 2};
  REQUIRE(from_bytes(b, addr).has_value());
  CHECK(addr == actor_address{0, 0});
  actor back;
  auto r = from_bytes(b, back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context().find("declare the field as actor_address") != std::string_view::npos);
}

TEST_CASE("an enum without RINGACTOR_ENUM is read as it is, outside its enumerators too") {
  color c = color::red;
  REQUIRE(from_bytes(raw({7}), c).has_value());
  CHECK(static_cast<int>(c) == 7);
}

TEST_SUITE_END();
