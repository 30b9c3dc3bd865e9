#include <doctest/doctest.h>

#include <chrono>
#include <limits>
#include <string>

#include <ringactor/json_format.hpp>

#include "json_test_types.hpp"

using namespace ringactor;
using namespace json_test;

namespace {

/// Reads `text` as a T and checks the error: its code, and that its context
/// names the type, the field path and the JSON pointer.
template <class T = json_test::order>
void check_rejected(std::string_view text, wire_errc code, const std::string& path,
                    const std::string& pointer, const wire_limits& limits = {}) {
  T x{};
  auto r = from_json(text, x, limits);
  REQUIRE_FALSE_MESSAGE(r.has_value(), "accepted: ", text);
  auto ctx = std::string{r.error().context()};
  INFO("context: ", ctx);
  CHECK(r.error() == code);
  CHECK(ctx.find(wire::wire_name_of<T>()) == 0);
  CHECK(ctx.find(": " + path + ": ") != std::string::npos);
  CHECK(ctx.find("at " + pointer) != std::string::npos);
}

constexpr std::string_view reading_tail = R"("tag":{"0":1},"names":[],"levels":{})";

std::string reading_with(std::string_view fields) {
  return "{" + std::string{fields} + "," + std::string{reading_tail} + "}";
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("a JSON value of the wrong type names the field and its pointer") {
  check_rejected(R"({"id":1,"qty":2,"tags":["a","b","c",4]})", wire_errc::type_mismatch,
                 "order.tags[3]", "/tags/3");
  check_rejected(R"({"id":"1","qty":2,"tags":[]})", wire_errc::type_mismatch, "order.id", "/id");
  check_rejected(R"({"id":1,"qty":2,"tags":{}})", wire_errc::type_mismatch, "order.tags", "/tags");
  check_rejected(R"({"id":1.5,"qty":2,"tags":[]})", wire_errc::type_mismatch, "order.id", "/id");
  check_rejected(R"([1,2])", wire_errc::type_mismatch, "order", "/");
  check_rejected<json_test::reading>(reading_with(R"("value":true,"gain":1)"),
                                     wire_errc::type_mismatch, "reading.value", "/value");
  check_rejected<json_test::reading>(R"({"value":1,"gain":1,"tag":{"0":1},"names":{},"levels":{}})",
                                     wire_errc::type_mismatch, "reading.names", "/names");
  check_rejected<json_test::reading>(
    R"({"value":1,"gain":1,"tag":{"0":1},"names":[[1,"a"],[2]],"levels":{}})",
    wire_errc::invalid_value, "reading.names[1]", "/names/1");
  check_rejected<json_test::reading>(
    R"({"value":1,"gain":1,"tag":{"0":1},"names":[[1,"a"],[1,"b"]],"levels":{}})",
    wire_errc::invalid_value, "reading.names[1]", "/names/1");
}

TEST_CASE("a missing JSON field is an error unless the field is optional") {
  check_rejected(R"({"id":1,"tags":[]})", wire_errc::missing_field, "order.qty", "/qty");
  check_rejected<json_test::reading>(R"({"gain":1,"tag":{"0":1},"names":[],"levels":{}})",
                                     wire_errc::missing_field, "reading.value", "/value");
}

TEST_CASE("an unknown JSON field is an error by default") {
  check_rejected(R"({"id":1,"qty":2,"colour":"red","tags":[]})", wire_errc::unknown_field, "order",
                 "/colour");
  check_rejected<json_test::reading>(reading_with(R"("value":1,"gain":1,"levels_typo":{})"),
                                     wire_errc::unknown_field, "reading", "/levels_typo");
}

TEST_CASE("an integer past its field's range is integer_overflow") {
  check_rejected(R"({"id":1,"qty":2147483648,"tags":[]})", wire_errc::integer_overflow, "order.qty",
                 "/qty");
  check_rejected(R"({"id":1,"qty":-2147483649,"tags":[]})", wire_errc::integer_overflow,
                 "order.qty", "/qty");
  check_rejected(R"({"id":-1,"qty":0,"tags":[]})", wire_errc::integer_overflow, "order.id", "/id");
  check_rejected(R"({"id":18446744073709551616,"qty":0,"tags":[]})", wire_errc::integer_overflow,
                 "order.id", "/id");
  check_rejected<json_test::reading>(reading_with(R"("value":1,"gain":1,"note":-2147483649)"),
                                     wire_errc::integer_overflow, "reading.note", "/note");
  check_rejected<json_test::reading>(
    R"({"value":1,"gain":1,"tag":{"0":1},"names":[],"levels":{"a":256}})",
    wire_errc::integer_overflow, "reading.levels[0]", "/levels/a");
}

TEST_CASE("invalid UTF-8 in a JSON string is rejected with its pointer") {
  check_rejected("{\"id\":1,\"qty\":2,\"tags\":[\"a\",\"b\",\"c\",\"\xff\"]}",
                 wire_errc::invalid_utf8, "order.tags[3]", "/tags/3");
  check_rejected("{\"id\":1,\"qty\":2,\"tags\":[\"ok\",\"\xed\xa0\x80\"]}", // a surrogate
                 wire_errc::invalid_utf8, "order.tags[1]", "/tags/1");
  check_rejected("{\"id\":1,\"qty\":2,\"tags\":[\"\xc0\xaf\"]}", // an overlong '/'
                 wire_errc::invalid_utf8, "order.tags[0]", "/tags/0");
  wire_limits skip;
  skip.allow_unknown_fields = true; // skipped fields are checked too
  check_rejected("{\"id\":1,\"qty\":2,\"tags\":[],\"x\":\"\xfe\"}", wire_errc::invalid_utf8,
                 "order.x", "/x", skip);
}

TEST_CASE("NaN and infinities in JSON are refused unless allow_nan is set") {
  check_rejected<json_test::reading>(reading_with(R"("value":"NaN","gain":1)"),
                                     wire_errc::nan_not_allowed, "reading.value", "/value");
  check_rejected<json_test::reading>(reading_with(R"("value":1,"gain":"-Infinity")"),
                                     wire_errc::nan_not_allowed, "reading.gain", "/gain");
  check_rejected<json_test::reading>(reading_with(R"("value":1e400,"gain":1)"),
                                     wire_errc::nan_not_allowed, "reading.value", "/value");
  check_rejected<json_test::reading>(reading_with(R"("value":"nan","gain":1)"),
                                     wire_errc::type_mismatch, "reading.value", "/value");
  check_rejected<json_test::reading>(reading_with(R"("value":1,"gain":1e39)"),
                                     wire_errc::invalid_value, "reading.gain", "/gain");
  json_test::reading r;
  r.value = std::numeric_limits<double>::quiet_NaN();
  auto text = to_json(r);
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error() == wire_errc::nan_not_allowed);
  CHECK(std::string{text.error().context()}.find("reading.value: at /value") != std::string::npos);
}

TEST_CASE("a JSON nesting bomb stops at max_depth without recursing") {
  // The error is at the first array past the limit (64 by default).
  auto repeat = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
      out += s;
    return out;
  };
  std::string bomb(1'000'000, '[');
  check_rejected(bomb, wire_errc::depth_exceeded, "order" + repeat("[0]", 64),
                 repeat("/0", 64) + " (byte 64)");
  std::string deep = R"({"id":1,"qty":2,"tags":)" + std::string(100, '[');
  check_rejected(deep, wire_errc::depth_exceeded, "order.tags" + repeat("[0]", 63),
                 "/tags" + repeat("/0", 63) + " (byte");
  wire_limits shallow;
  shallow.max_depth = 1;
  check_rejected(R"({"id":1,"qty":2,"tags":["a"]})", wire_errc::depth_exceeded, "order.tags",
                 "/tags", shallow);
  // Writing is bounded too: a json_test::tree deeper than max_depth is refused.
  json_test::tree t;
  json_test::tree* leaf = &t;
  for (int i = 0; i < 100; ++i)
    leaf = &leaf->children.emplace_back();
  auto text = to_json(t);
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error() == wire_errc::depth_exceeded);
}

TEST_CASE("JSON past max_message_size or max_container_length is limit_exceeded") {
  wire_limits small;
  small.max_message_size = 16;
  json_test::order o;
  auto r = from_json(R"({"id":1,"qty":2,"tags":["a"]})", o, small);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::limit_exceeded);
  CHECK(to_json(json_test::order{1, 2, {"a"}}, small).error() == wire_errc::limit_exceeded);
  wire_limits few;
  few.max_container_length = 2;
  check_rejected(R"({"id":1,"qty":2,"tags":["a","b","c"]})", wire_errc::limit_exceeded,
                 "order.tags", "/tags", few);
  check_rejected(R"({"id":1,"qty":2,"tags":["abc"]})", wire_errc::limit_exceeded, "order.tags[0]",
                 "/tags/0", few);
  CHECK(to_json(json_test::order{1, 2, {"a", "b", "c"}}, few).error() == wire_errc::limit_exceeded);
}

TEST_CASE("truncated JSON, trailing text and broken syntax are errors with a position") {
  check_rejected(R"({"id":1,"qty":2,"tags":["a")", wire_errc::truncated, "order.tags[0]",
                 "/tags/0");
  check_rejected(R"({"id":1,"qty":2,"tags":[]} {})", wire_errc::trailing_bytes, "order", "/");
  check_rejected(R"({"id":1,"qty":2,"tags":[tru]})", wire_errc::invalid_value, "order.tags[0]",
                 "/tags/0");
  check_rejected("", wire_errc::truncated, "order", "/");
}

TEST_CASE("a variant key that names no alternative is invalid_value") {
  check_rejected<json_test::reading>(R"({"value":1,"gain":1,"tag":{"3":1},"names":[],"levels":{}})",
                                     wire_errc::invalid_value, "reading.tag", "/tag");
  check_rejected<json_test::reading>(
    R"({"value":1,"gain":1,"tag":{"01":1},"names":[],"levels":{}})", wire_errc::invalid_value,
    "reading.tag", "/tag");
  check_rejected<json_test::reading>(
    R"({"value":1,"gain":1,"tag":{"0":1,"1":"a"},"names":[],"levels":{}})",
    wire_errc::invalid_value, "reading.tag", "/tag");
  check_rejected<json_test::reading>(R"({"value":1,"gain":1,"tag":{"1":5},"names":[],"levels":{}})",
                                     wire_errc::type_mismatch, "reading.tag", "/tag/1");
}

TEST_CASE("writing a string that is not valid UTF-8 to JSON is refused") {
  auto text = to_json(json_test::order{1, 2, {"ok", "bad\xff"}});
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error() == wire_errc::invalid_utf8);
  CHECK(std::string{text.error().context()}.find("order.tags[1]: at /tags/1") != std::string::npos);
}

TEST_CASE("reading a JSON error of an unknown category is invalid_value") {
  wire_test::everything x;
  auto text = to_json(x).value();
  auto pos = text.find(R"("err":null)");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 10, R"("err":{"category":"no_such_category","code":1})");
  auto r = from_json(text, x);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(std::string{r.error().context()}.find("everything.err: at /err/category")
        != std::string::npos);
}

TEST_SUITE_END();
