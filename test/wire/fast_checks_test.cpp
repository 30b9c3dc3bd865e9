// The checks of the memcpy path (fast_layout.hpp): a small type's bools,
// floats and doubles are checked through masks over its bytes, a large one
// through offset lists; both refuse the same bytes the
// field-by-field reader refuses, and accept every value it accepts.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <ringactor/binary_format.hpp>

using namespace ringactor;

namespace fast_checks {

/// Small: checked through masks. Bools at two places, floats and doubles
/// on their natural lanes.
struct reading {
  bool first = false;
  std::uint8_t tag = 0;
  std::uint16_t unit = 0;
  float gain = 0;
  double value = 0;
  std::int32_t count = 0;
  float offset = 0;
  bool last = false;
  std::array<std::uint8_t, 7> pad{};
  friend bool operator==(const reading&, const reading&) = default;
};
static_assert(sizeof(reading) == 32);

template <class Inspector>
bool inspect(Inspector& f, reading& x) {
  return f.object(x).fields(f.field("first", x.first), f.field("tag", x.tag),
                            f.field("unit", x.unit), f.field("gain", x.gain),
                            f.field("value", x.value), f.field("count", x.count),
                            f.field("offset", x.offset), f.field("last", x.last),
                            f.field("pad", x.pad));
}

/// Past the mask size: checked through the lists.
struct samples {
  std::array<float, 100> values{};
  bool valid = false;
  std::array<std::uint8_t, 3> pad{};
  friend bool operator==(const samples&, const samples&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, samples& x) {
  return f.object(x).fields(f.field("values", x.values), f.field("valid", x.valid),
                            f.field("pad", x.pad));
}

template <class T>
std::vector<std::byte> memory_of(const T& x) {
  std::vector<std::byte> b(sizeof(T));
  std::memcpy(b.data(), &x, sizeof(T));
  return b;
}

template <class T>
void put(std::vector<std::byte>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}

/// from_bytes's verdict on `b`, and the field path its error names.
template <class T>
std::string refusal(const std::vector<std::byte>& b, const wire_limits& limits = {}) {
  T x{};
  auto r = from_bytes(std::span<const std::byte>{b}, x, limits);
  return r ? std::string{"accepted"} : std::string{r.error().context()};
}

RINGACTOR_TYPE_NAME(reading, "fast_checks.reading")
RINGACTOR_TYPE_NAME(samples, "fast_checks.samples")

} // namespace fast_checks

using namespace fast_checks;

TEST_SUITE_BEGIN("wire");

TEST_CASE("a small memcpy type refuses a bool byte with any bit but the lowest, at each bool") {
  REQUIRE(wire::fast_plan_of<reading>().eligible);
  REQUIRE(wire::fast_plan_of<reading>().masked);
  auto good = memory_of(reading{true, 7, 3, 1.5f, 2.25, -4, 0.5f, true, {}});
  CHECK(refusal<reading>(good) == "accepted");
  for (int bit = 1; bit < 8; ++bit) {
    auto b = good;
    b[0] = static_cast<std::byte>(1 << bit);
    CHECK(refusal<reading>(b).find("reading.first: at byte 0") != std::string::npos);
    b = good;
    b[24] = static_cast<std::byte>((1 << bit) | 1);
    CHECK(refusal<reading>(b).find("reading.last: at byte 24") != std::string::npos);
  }
  // The bytes beside a bool are not bools: any value is fine there.
  auto b = good;
  b[1] = std::byte{0xFF};
  b[25] = std::byte{0xFF};
  CHECK(refusal<reading>(b) == "accepted");
}

TEST_CASE("a small memcpy type refuses NaN and infinity in each float and double, and only them") {
  auto good = memory_of(reading{false, 0, 0, 1.0f, 1.0, 0, 1.0f, false, {}});
  auto nan_f = std::numeric_limits<float>::quiet_NaN();
  auto inf_d = -std::numeric_limits<double>::infinity();
  auto b = good;
  put(b, 4, nan_f);
  CHECK(refusal<reading>(b).find("reading.gain: at byte 4") != std::string::npos);
  b = good;
  put(b, 20, std::numeric_limits<float>::infinity());
  CHECK(refusal<reading>(b).find("reading.offset: at byte 20") != std::string::npos);
  b = good;
  put(b, 8, inf_d);
  CHECK(refusal<reading>(b).find("reading.value: at byte 8") != std::string::npos);
  b = good;
  put(b, 8, std::bit_cast<double>(std::uint64_t{0x7FF0000000000001})); // a signalling NaN
  CHECK(refusal<reading>(b).find("reading.value: at byte 8") != std::string::npos);
  // All exponent bits but one, the largest finite values, denormals: fine.
  b = good;
  put(b, 4, std::numeric_limits<float>::max());
  put(b, 8, -std::numeric_limits<double>::max());
  put(b, 20, std::numeric_limits<float>::denorm_min());
  CHECK(refusal<reading>(b) == "accepted");
  // The count field holds the bits of a float NaN: it is an integer.
  b = good;
  put(b, 16, std::bit_cast<std::int32_t>(nan_f));
  CHECK(refusal<reading>(b) == "accepted");
  wire_limits nan_ok;
  nan_ok.allow_nan = true;
  b = good;
  put(b, 4, nan_f);
  put(b, 8, inf_d);
  CHECK(refusal<reading>(b, nan_ok) == "accepted");
}

TEST_CASE("a large memcpy type is checked through offset lists, with the same verdicts") {
  REQUIRE(wire::fast_plan_of<samples>().eligible);
  CHECK_FALSE(wire::fast_plan_of<samples>().masked);
  samples s;
  s.values.fill(0.5f);
  s.valid = true;
  auto b = memory_of(s);
  CHECK(refusal<samples>(b) == "accepted");
  auto nan = b;
  put(nan, 4 * 97, std::numeric_limits<float>::infinity());
  CHECK(refusal<samples>(nan).find("samples.values[97]: at byte 388") != std::string::npos);
  auto bad = b;
  bad[400] = std::byte{3};
  CHECK(refusal<samples>(bad).find("samples.valid: at byte 400") != std::string::npos);
  samples back;
  REQUIRE(from_bytes(std::span<const std::byte>{b}, back).has_value());
  CHECK(back == s);
}
