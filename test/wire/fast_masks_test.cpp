// The masks of the memcpy path (fast_plan.hpp) against the offset lists
// (fast_layout.hpp): for every input tried, the vector check, the lane by
// lane check and the lists give the same verdict, and from_bytes accepts
// exactly what the lists accept. Also: a type's first decodes, from many
// threads at once, and to_bytes's copy into a buffer with and without room.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include <ringactor/binary_format.hpp>

using namespace ringactor;

namespace fast_masks_test {

/// 24 bytes, not a whole number of vectors: two bools in one lane, a bool
/// in a lane's upper byte beside an integer, a float and a double.
struct mixed_lanes {
  double d = 0;
  float f = 0;
  bool a = false;
  bool b = false;
  std::uint16_t u = 0;
  std::int32_t i = 0;
  std::uint8_t tag = 0;
  bool c = false;
  std::array<std::uint8_t, 2> pad{};
};
static_assert(sizeof(mixed_lanes) == 24);

template <class Inspector>
bool inspect(Inspector& f, mixed_lanes& x) {
  return f.object(x).fields(f.field("d", x.d), f.field("f", x.f), f.field("a", x.a),
                            f.field("b", x.b), f.field("u", x.u), f.field("i", x.i),
                            f.field("tag", x.tag), f.field("c", x.c), f.field("pad", x.pad));
}

/// 3 bytes: less than one vector.
struct tiny {
  bool first = false;
  std::uint8_t middle = 0;
  bool last = false;
};

template <class Inspector>
bool inspect(Inspector& f, tiny& x) {
  return f.object(x).fields(f.field("first", x.first), f.field("middle", x.middle),
                            f.field("last", x.last));
}

/// Decoded for the first time by several threads at once.
struct first_use {
  float gain = 0;
  bool on = false;
  std::array<std::uint8_t, 3> pad{};
};

template <class Inspector>
bool inspect(Inspector& f, first_use& x) {
  return f.object(x).fields(f.field("gain", x.gain), f.field("on", x.on), f.field("pad", x.pad));
}

RINGACTOR_TYPE_NAME(mixed_lanes, "fast_masks_test.mixed_lanes")
RINGACTOR_TYPE_NAME(tiny, "fast_masks_test.tiny")
RINGACTOR_TYPE_NAME(first_use, "fast_masks_test.first_use")

/// Counts the inputs tried and checks that every check agrees on each.
template <class T>
struct agreement {
  int tried = 0;
  int refused = 0;

  void check(const std::array<std::byte, sizeof(T)>& bytes) {
    const auto& plan = wire::fast_plan_of<T>();
    for (bool allow_nan : {false, true}) {
      wire_limits limits;
      limits.allow_nan = allow_nan;
      bool lists = wire::fast_bytes_valid(bytes.data(), *plan.layout, limits);
      const auto& masks = allow_nan ? plan.nan_ok : plan.strict;
      wire::fast_padded<T> padded;
      std::memcpy(padded.bytes, bytes.data(), sizeof(T));
      CHECK(wire::fast_masks_pass(padded.bytes, masks) == lists);
      CHECK(wire::fast_masks_pass_lanes(padded.bytes, masks) == lists);
      T out{};
      CHECK(from_bytes(std::span<const std::byte>{bytes}, out, limits).has_value() == lists);
      if (lists)
        CHECK(std::memcmp(&out, bytes.data(), sizeof(T)) == 0);
      ++tried;
      refused += lists ? 0 : 1;
    }
  }
};

template <class T>
std::array<std::byte, sizeof(T)> bytes_of(const T& x) {
  std::array<std::byte, sizeof(T)> b;
  std::memcpy(b.data(), &x, sizeof(T));
  return b;
}

/// Every value of every single byte, from a valid value.
template <class T>
void each_byte(agreement<T>& a, const T& base) {
  for (std::size_t at = 0; at < sizeof(T); ++at)
    for (int v = 0; v < 256; ++v) {
      auto b = bytes_of(base);
      b[at] = static_cast<std::byte>(v);
      a.check(b);
    }
}

} // namespace fast_masks_test

using namespace fast_masks_test;

TEST_SUITE_BEGIN("wire");

TEST_CASE(
  "the masks refuse exactly the bytes the offset lists refuse, one byte changed at a time") {
  REQUIRE(wire::fast_plan_of<mixed_lanes>().masked);
  REQUIRE(wire::fast_plan_of<tiny>().masked);
  agreement<mixed_lanes> m;
  each_byte(m, mixed_lanes{1.5, 1.0f, true, false, 7, -3, 9, true, {}});
  agreement<tiny> t;
  each_byte(t, tiny{true, 5, false});
  // Each bool byte is refused for 254 of its 256 values, with or without
  // allow_nan. The top byte of 1.5 (a double) and 1.0f at 0x7F or 0xFF
  // sets every exponent bit (the byte below has the rest): NaN or
  // infinity, refused without allow_nan.
  CHECK(t.refused == 2 * 2 * 254);
  CHECK(m.refused == 3 * 2 * 254 + 2 + 2);
  CHECK(m.tried == 2 * 24 * 256);
}

TEST_CASE("the masks refuse exactly the bytes the offset lists refuse, for random values") {
  agreement<mixed_lanes> a;
  std::mt19937_64 rng{20261206};
  std::array<float, 6> floats{
    std::numeric_limits<float>::quiet_NaN(),  std::numeric_limits<float>::infinity(),
    -std::numeric_limits<float>::infinity(),  std::numeric_limits<float>::max(),
    std::numeric_limits<float>::denorm_min(), std::bit_cast<float>(std::uint32_t{0x7F800001})};
  std::array<double, 6> doubles{std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::denorm_min(),
                                std::bit_cast<double>(std::uint64_t{0xFFF0000000000001})};
  for (int n = 0; n < 20000; ++n) {
    std::array<std::byte, sizeof(mixed_lanes)> b;
    for (auto& x : b)
      x = static_cast<std::byte>(rng());
    // Random bools are mostly invalid: make them valid half the time, and
    // the float and double special a quarter of the time each.
    if (rng() % 2 == 0)
      for (std::size_t at : {12, 13, 21})
        b[at] = static_cast<std::byte>(rng() % 2);
    if (rng() % 4 == 0)
      std::memcpy(b.data() + 8, &floats[rng() % floats.size()], 4);
    if (rng() % 4 == 0)
      std::memcpy(b.data(), &doubles[rng() % doubles.size()], 8);
    a.check(b);
  }
  CHECK(a.tried == 40000);
  CHECK(a.refused > 0);
  CHECK(a.refused < a.tried);
}

TEST_CASE("a type's first decodes, from several threads at once, give every thread the right "
          "verdict") {
  auto good = bytes_of(first_use{0.5f, true, {}});
  auto bad = good;
  bad[4] = std::byte{2};     // `on` is neither 0 nor 1
  std::atomic<int> wrong{0}; // pairs: each thread's fetch_add, the join before the check
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        first_use x;
        if (!from_bytes(std::span<const std::byte>{good}, x).has_value() || x.gain != 0.5f || !x.on)
          wrong.fetch_add(1);
        if (from_bytes(std::span<const std::byte>{bad}, x).has_value())
          wrong.fetch_add(1);
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE(
  "to_bytes appends a memcpy type's bytes to a buffer with room and to one that must grow") {
  mixed_lanes x{-2.0, 0.25f, false, true, 3, 4, 5, false, {6, 7}};
  for (bool room : {true, false}) {
    std::vector<std::byte> out(5, std::byte{0xAB});
    if (room)
      out.reserve(5 + 3 * sizeof(x));
    else
      out.shrink_to_fit();
    for (int i = 0; i < 3; ++i)
      REQUIRE(to_bytes(x, out).has_value());
    REQUIRE(out.size() == 5 + 3 * sizeof(x));
    CHECK(out[4] == std::byte{0xAB});
    for (int i = 0; i < 3; ++i)
      CHECK(std::memcmp(out.data() + 5 + i * sizeof(x), &x, sizeof(x)) == 0);
  }
}
