#include <doctest/doctest.h>

#include <cstring>

#include <ringactor/binary_format.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;
using namespace wire_test;

namespace {

template <class T>
T round_trip(const T& x) {
  auto bytes = to_bytes(x);
  REQUIRE_MESSAGE(bytes.has_value(), to_string(bytes.error()));
  T back{};
  auto r = from_bytes(*bytes, back);
  REQUIRE_MESSAGE(r.has_value(), to_string(r.error()));
  return back;
}

everything sample() {
  everything x;
  x.b = true;
  x.i8 = -7;
  x.u16 = 65535;
  x.i64 = -(std::int64_t{1} << 62);
  x.f32 = 1.5f;
  x.f64 = -2.25;
  x.c = color::blue;
  x.s = "h\xc3\xa9llo";
  x.ints = {1, -2, 3};
  x.strs = {"a", "", "ccc"};
  x.pts = {point{1, 2}, point{-3, 4}};
  x.maybe = "yes";
  x.var = point{5, 6};
  x.m = {{"one", 1}, {"two", 2}};
  x.um = {{7u, point{7, 7}}, {8u, point{8, 8}}};
  x.ms = std::chrono::milliseconds{1234};
  x.secs = std::chrono::duration<double>{0.5};
  x.addr = actor_address{3, 42};
  x.err = error{sec::request_timeout, "after 1s"};
  x.nested = point{9, 10};
  return x;
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("every field kind survives a binary round trip") {
  auto x = sample();
  auto y = round_trip(x);
  CHECK(y.b == x.b);
  CHECK(y.i8 == x.i8);
  CHECK(y.u16 == x.u16);
  CHECK(y.i64 == x.i64);
  CHECK(y.f32 == x.f32);
  CHECK(y.f64 == x.f64);
  CHECK(y.c == x.c);
  CHECK(y.s == x.s);
  CHECK(y.ints == x.ints);
  CHECK(y.strs == x.strs);
  CHECK(y.pts == x.pts);
  CHECK(y.maybe == x.maybe);
  CHECK_FALSE(y.no_point.has_value());
  CHECK(y.var == x.var);
  CHECK(y.m == x.m);
  CHECK(y.um == x.um);
  CHECK(y.ms == x.ms);
  CHECK(y.secs == x.secs);
  CHECK(y.addr == x.addr);
  CHECK(y.err == sec::request_timeout);
  CHECK(y.err.context() == "after 1s");
  CHECK(y.nested == x.nested);
}

TEST_SUITE_END();
