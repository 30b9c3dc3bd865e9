#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include <ringactor/type_registry.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;

namespace wire_test {

template <int N>
struct generated {
  std::int32_t value = N;
};

template <class Inspector, int N>
bool inspect(Inspector& f, generated<N>& x) {
  return f.object(x).fields(f.field("value", x.value));
}

template <int... Ns>
void register_generated(std::integer_sequence<int, Ns...>) {
  (register_type<generated<Ns>>(fmt::format("wire_test.generated.{}", Ns), "wire_test.generated"),
   ...);
}

// Each registered type instantiates its codecs: 16 keep the writer busy while
// the readers look (64 cost four minutes of UBSan compile time in CI).
constexpr int generated_types = 16;

} // namespace wire_test

using wire_test::generated_types;

TEST_SUITE_BEGIN("wire");

TEST_CASE("registry lookups from many threads while types register see consistent entries") {
  auto& reg = type_registry::global();
  std::atomic<bool> done{false}; // pairs: the writer's store(release), the readers' load(acquire)
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!done.load(std::memory_order_acquire)) {
        auto e = reg.find("wire_test.order");
        auto by_id = reg.find(type_id_of<wire_test::order>());
        auto by_stable = reg.find_stable(wire::fnv1a64("wire_test.order"));
        if (!e || !by_id || !by_stable || by_id->name != "wire_test.order"
            || by_stable->id != type_id_of<wire_test::order>())
          bad.fetch_add(1, std::memory_order_relaxed);
        for (auto& x : reg.list("wire_test.generated"))
          if (x.name.rfind("wire_test.generated.", 0) != 0 || x.schema == nullptr)
            bad.fetch_add(1, std::memory_order_relaxed);
        (void) reg.digest();
      }
    });
  }
  wire_test::register_generated(std::make_integer_sequence<int, generated_types>{});
  done.store(true, std::memory_order_release);
  for (auto& t : readers)
    t.join();
  CHECK(bad.load() == 0);
  CHECK(reg.list("wire_test.generated").size() == static_cast<std::size_t>(generated_types));
  auto e = reg.find(fmt::format("wire_test.generated.{}", generated_types - 1));
  REQUIRE(e.has_value());
  CHECK(e->id == type_id_of<wire_test::generated<generated_types - 1>>());
}

TEST_SUITE_END();
