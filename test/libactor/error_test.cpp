// error values: a code and a category, no error when empty, context kept.
#include <doctest/doctest.h>

#include <system_error>

#include <ringactor/error.hpp>
#include <ringactor/expected.hpp>

using namespace ringactor;

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a default error is no error and has the default code") {
  error e;
  CHECK_FALSE(e);
  CHECK(e.code() == std::error_code{});
  CHECK(e.context().empty());
  CHECK(e == error{std::error_code{}});
  expected<void> ok;
  CHECK(ok.has_value());
  CHECK_FALSE(ok.error());
}

TEST_CASE("an error from an enum keeps its code, category and message") {
  error e = sec::request_timeout;
  REQUIRE(e);
  CHECK(e.code() == make_error_code(sec::request_timeout));
  CHECK(e.code().value() == static_cast<int>(sec::request_timeout));
  CHECK(&e.code().category() == &sec_category());
  CHECK(e.category_name() == sec_category().name());
  CHECK(e.message() == make_error_code(sec::request_timeout).message());
  CHECK(e == sec::request_timeout);
  CHECK_FALSE(e == sec::dead_receiver);
  CHECK_FALSE(e == exit_reason::unhandled_exception); // same value 1, another category
  expected<void> failed = sec::queue_full;
  CHECK_FALSE(failed.has_value());
  CHECK(failed.error() == sec::queue_full);
}

TEST_CASE("errors compare by code and category, not by context") {
  error a{sec::invalid_argument, "field .x"};
  error b{sec::invalid_argument, "field .y"};
  CHECK(a == b);
  CHECK(a.context() == "field .x");
  CHECK_FALSE(a == error{exit_reason::unknown});
  CHECK(error{std::error_code{static_cast<int>(sec::invalid_argument), sec_category()}} == a);
}

TEST_CASE("a zero code of any category is no error, and equals that enum's zero") {
  error none = sec::none;
  error normal = exit_reason::normal;
  CHECK_FALSE(none);
  CHECK_FALSE(normal);
  CHECK(none == error{});
  CHECK(normal == exit_reason::normal);
  CHECK(error{} == sec::none);
  CHECK_FALSE(error{sec::dead_receiver} == sec::none);
}

TEST_CASE("an error of a foreign category keeps that category") {
  error e{std::make_error_code(std::errc::connection_refused)};
  REQUIRE(e);
  CHECK(&e.code().category() == &std::generic_category());
  CHECK(e.code() == std::errc::connection_refused);
  CHECK(e.category_name() == "generic");
}

TEST_SUITE_END();
