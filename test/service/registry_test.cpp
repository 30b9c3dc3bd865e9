// service::registry without HTTP: a typed actor registered by name, called
// with JSON, its reply as JSON; bad input a wire error with the field path.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include <chrono>
#include <future>

#include <ringactor/all.hpp>
#include <ringactor/service/registry.hpp>
#include <ringactor/type_registry.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace registry_test {

struct mul {
  std::int64_t x = 0;
  std::int64_t y = 0;
};

template <class Inspector>
bool inspect(Inspector& f, mul& m) {
  return f.object(m).fields(f.field("x", m.x), f.field("y", m.y));
}
RINGACTOR_TYPE(mul, "registry_test.mul")

using calc = typed_actor<result<std::int64_t>(mul)>;

calc::behavior_type calc_impl(calc::pointer) {
  return {[](mul m) -> std::int64_t { return m.x * m.y; }};
}

} // namespace registry_test

namespace {

service::invoke_outcome call(actor_system& sys, const service::registry& reg, std::string_view id,
                             std::string_view message, std::string_view input) {
  std::promise<service::invoke_outcome> p;
  auto f = p.get_future();
  reg.invoke(sys, id, message, input, 2s,
             [&p](service::invoke_outcome r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

service::invoke_outcome call_binary(actor_system& sys, const service::registry& reg,
                                    std::string_view id, std::string_view message,
                                    std::vector<std::byte> input) {
  std::promise<service::invoke_outcome> p;
  auto f = p.get_future();
  reg.invoke_binary(sys, id, message, input, 2s,
                    [&p](service::invoke_outcome r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("a registered typed actor is called with the binary wire format and answers its bytes") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  service::registry reg;
  reg.add<registry_test::calc>("calc", sys.spawn(registry_test::calc_impl),
                               {.backend = "host", .device = "", .description = ""});
  // Two little-endian i64 fields, as to_bytes writes them.
  auto in = to_bytes(registry_test::mul{6, 7});
  REQUIRE(in);
  CHECK(in->size() == 16);
  auto r = call_binary(sys, reg, "calc", "registry_test.mul", *in);
  REQUIRE(r.output);
  REQUIRE(r.output->size() == 8);
  std::int64_t out = 0;
  std::memcpy(&out, r.output->data(), 8);
  CHECK(out == 42);
  CHECK(r.worker != 0);
  // Bytes that do not decode: a wire error, and the actor is never asked.
  in->pop_back();
  r = call_binary(sys, reg, "calc", "registry_test.mul", *in);
  REQUIRE_FALSE(r.output);
  CHECK(r.output.error().category_name() == "wire");
  CHECK(r.worker == 0);
  r = call_binary(sys, reg, "nope", "registry_test.mul", {});
  CHECK(r.output.error() == sec::no_such_actor);
  r = call_binary(sys, reg, "calc", "registry_test.div", {});
  CHECK(r.output.error() == sec::unexpected_message);
}

TEST_CASE("a registered typed actor is called with JSON and answers JSON") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  service::registry reg;
  reg.add<registry_test::calc>("calc", sys.spawn(registry_test::calc_impl),
                               {.backend = "host", .device = "", .description = ""});
  auto s = reg.find("calc");
  REQUIRE(s != nullptr);
  REQUIRE(s->messages.size() == 1);
  CHECK(s->messages[0].name == "registry_test.mul");
  CHECK(s->messages[0].output_type == "i64");
  CHECK(s->messages[0].input_json
        == R"({"name":"registry_test.mul","fields":[{"name":"x","type":"i64"},)"
           R"({"name":"y","type":"i64"}],"nested":[],"enumerators":[]})");
  auto r = call(sys, reg, "calc", "registry_test.mul", R"({"x":6,"y":7})");
  REQUIRE(r.output);
  CHECK(*r.output == "42");
  r = call(sys, reg, "calc", "registry_test.mul", R"({"x":6,"y":"7"})");
  REQUIRE_FALSE(r.output);
  CHECK(r.output.error().category_name() == "wire");
  CHECK(std::string{r.output.error().context()}.starts_with("registry_test.mul: mul.y: at /y"));
  r = call(sys, reg, "nope", "registry_test.mul", "{}");
  CHECK(r.output.error() == sec::no_such_actor);
  r = call(sys, reg, "calc", "registry_test.div", "{}");
  CHECK(r.output.error() == sec::unexpected_message);
  CHECK_THROWS_AS(reg.add<registry_test::calc>("calc", sys.spawn(registry_test::calc_impl)),
                  std::invalid_argument);
}
