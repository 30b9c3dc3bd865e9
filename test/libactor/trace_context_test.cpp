// trace_context: the W3C Trace Context (level 1) traceparent header, with
// the specification's own examples.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <ringactor/all.hpp>

using namespace ringactor;

namespace {

constexpr std::string_view spec_example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The error context of parsing `header`, which must fail.
std::string parse_failure(std::string_view header) {
  auto ctx = trace_context::parse(header);
  REQUIRE_FALSE(ctx);
  CHECK(ctx.error() == sec::invalid_argument);
  return std::string{ctx.error().context()};
}

} // namespace

TEST_CASE("the specification's traceparent example parses into its parts and formats back") {
  auto ctx = trace_context::parse(spec_example);
  REQUIRE(ctx);
  CHECK(ctx->valid());
  CHECK(ctx->trace_id_high() == 0x4bf92f3577b34da6);
  CHECK(ctx->trace_id_low() == 0xa3ce929d0e0e4736);
  CHECK(ctx->span_id() == 0x00f067aa0ba902b7);
  CHECK(ctx->sampled());
  CHECK(as_string_view(ctx->trace_id_hex()) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(as_string_view(ctx->span_id_hex()) == "00f067aa0ba902b7");
  CHECK(ctx->to_string() == spec_example);
  CHECK(fmt::format("{}", *ctx) == spec_example);
  auto unsampled = trace_context::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  REQUIRE(unsampled);
  CHECK_FALSE(unsampled->sampled());
  CHECK(unsampled->to_string().ends_with("-00"));
}

TEST_CASE("a traceparent of a later version is read by its first 55 characters") {
  auto ctx = trace_context::parse(
    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like");
  REQUIRE(ctx);
  CHECK(ctx->to_string() == spec_example); // re-emitted as version 00
  CHECK(parse_failure("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-fut")
          .find("length")
        != std::string::npos);
}

TEST_CASE("an invalid traceparent is refused with an error naming the wrong part") {
  CHECK(parse_failure("").find("version") != std::string::npos);
  CHECK(parse_failure("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").find("version: ff")
        != std::string::npos);
  CHECK(parse_failure("0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").find("version")
        != std::string::npos);
  CHECK(parse_failure("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
          .find("version 00 has exactly 55")
        != std::string::npos);
  CHECK(parse_failure("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")
          .find("length: 54 characters")
        != std::string::npos);
  CHECK(parse_failure("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").find("separators")
        != std::string::npos);
  CHECK(parse_failure("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")
          .find("trace-id: expected 32 lowercase hex digits")
        != std::string::npos);
  CHECK(parse_failure("00-00000000000000000000000000000000-00f067aa0ba902b7-01")
          .find("trace-id: all zeros")
        != std::string::npos);
  CHECK(parse_failure("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01")
          .find("parent-id: expected 16 lowercase hex digits")
        != std::string::npos);
  CHECK(parse_failure("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")
          .find("parent-id: all zeros")
        != std::string::npos);
  CHECK(parse_failure("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x").find("trace-flags")
        != std::string::npos);
  // The error names the header it refused.
  CHECK(parse_failure("00-00000000000000000000000000000000-00f067aa0ba902b7-01")
          .find("00-00000000000000000000000000000000")
        != std::string::npos);
}

TEST_CASE("a child span keeps the trace id and flags and gets a new span id") {
  auto parent = *trace_context::parse(spec_example);
  std::set<std::uint64_t> spans{parent.span_id()};
  for (int i = 0; i < 100; ++i) {
    auto child = parent.make_child();
    CHECK(child.valid());
    CHECK(child.trace_id_high() == parent.trace_id_high());
    CHECK(child.trace_id_low() == parent.trace_id_low());
    CHECK(child.flags() == parent.flags());
    spans.insert(child.span_id());
    // What it formats to parses back to the same context.
    CHECK(trace_context::parse(child.to_string()).value() == child);
  }
  CHECK(spans.size() == 101);
  CHECK_FALSE(trace_context{}.make_child().valid());
}

TEST_CASE("a new root has a fresh non-zero trace id and the sampled flag asked for") {
  auto a = trace_context::make_root();
  auto b = trace_context::make_root(false);
  CHECK(a.valid());
  CHECK(b.valid());
  CHECK(a.sampled());
  CHECK_FALSE(b.sampled());
  CHECK((a.trace_id_high() != b.trace_id_high() || a.trace_id_low() != b.trace_id_low()));
  CHECK(trace_context::parse(a.to_string()).value() == a);
}

TEST_CASE("an empty context is invalid and formats as nothing") {
  trace_context none;
  CHECK_FALSE(none.valid());
  CHECK_FALSE(static_cast<bool>(none));
  CHECK(none.to_string().empty());
  // A zero span id alone makes a context invalid too.
  CHECK_FALSE(trace_context(1, 2, 0, 1).valid());
}

TEST_CASE("a trace scope sets the thread's context and restores the outer one") {
  CHECK_FALSE(current_trace().valid());
  auto outer = trace_context::make_root();
  {
    trace_scope a{outer};
    CHECK(current_trace() == outer);
    {
      auto inner = outer.make_child();
      trace_scope b{inner};
      CHECK(current_trace() == inner);
      {
        trace_scope none{trace_context{}};
        CHECK_FALSE(current_trace().valid());
      }
      CHECK(current_trace() == inner);
    }
    CHECK(current_trace() == outer);
  }
  CHECK_FALSE(current_trace().valid());
}
