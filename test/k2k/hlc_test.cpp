#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <ringactor/k2k/hlc.hpp>

using namespace ringactor;
using namespace ringactor::k2k;
using namespace std::chrono_literals;

namespace {

/// A physical clock the test sets by hand (microseconds since the epoch).
struct manual_time {
  std::shared_ptr<std::atomic<std::uint64_t>> now = std::make_shared<std::atomic<std::uint64_t>>(
    1'700'000'000'000'000);

  hlc_config config(std::chrono::microseconds max_skew = 60s) const {
    hlc_config cfg;
    cfg.max_skew = max_skew;
    cfg.physical_time = [now = now] { return now->load(); };
    return cfg;
  }
  void advance(std::chrono::microseconds d) const {
    now->fetch_add(static_cast<std::uint64_t>(d.count()));
  }
  std::uint64_t get() const { return now->load(); }
};

/// The clock's packed word for a stamp (unique per clock).
std::uint64_t word_of(const hlc_timestamp& x) {
  return (x.physical << hlc_timestamp::logical_bits) | x.logical;
}

} // namespace

TEST_SUITE_BEGIN("k2k");

TEST_CASE("8 threads ticking 1,000,000 times each get unique, per-thread increasing stamps") {
  constexpr std::size_t threads = 8;
  constexpr std::size_t ticks = 1'000'000;
  hybrid_clock clock{3};
  std::vector<std::vector<std::uint64_t>> seen(threads);
  std::vector<std::thread> workers;
  std::atomic<bool> go{false};
  for (std::size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      auto& out = seen[t];
      out.reserve(ticks);
      while (!go.load(std::memory_order_acquire))
        std::this_thread::yield();
      for (std::size_t i = 0; i < ticks; ++i) {
        auto stamp = clock.tick();
        out.push_back(word_of(stamp));
      }
    });
  go.store(true, std::memory_order_release);
  for (auto& w : workers)
    w.join();
  std::vector<std::uint64_t> all;
  all.reserve(threads * ticks);
  std::size_t non_monotonic = 0;
  for (auto& out : seen) {
    REQUIRE(out.size() == ticks);
    for (std::size_t i = 1; i < out.size(); ++i)
      if (out[i] <= out[i - 1])
        ++non_monotonic;
    all.insert(all.end(), out.begin(), out.end());
  }
  CHECK(non_monotonic == 0);
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(word_of(clock.peek()) == all.back());
}

TEST_CASE("ticks and concurrent updates from other nodes stay unique and increasing") {
  constexpr std::size_t per_thread = 200'000;
  hybrid_clock clock{1};
  hybrid_clock remote{2};
  std::vector<std::vector<std::uint64_t>> seen(4);
  std::atomic<std::size_t> refused{0};
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < seen.size(); ++t)
    workers.emplace_back([&, t] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        if (t % 2 == 0) {
          seen[t].push_back(word_of(clock.tick()));
        } else if (auto merged = clock.update(remote.tick())) {
          seen[t].push_back(word_of(*merged));
        } else {
          refused.fetch_add(1);
        }
      }
    });
  for (auto& w : workers)
    w.join();
  CHECK(refused.load() == 0);
  std::vector<std::uint64_t> all;
  for (auto& out : seen) {
    CHECK(std::is_sorted(out.begin(), out.end()));
    CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
    all.insert(all.end(), out.begin(), out.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

TEST_CASE("a tick follows physical time and counts events within one microsecond") {
  manual_time t;
  hybrid_clock clock{5, t.config()};
  auto a = clock.tick();
  CHECK(a.physical == t.get());
  CHECK(a.logical == 0);
  CHECK(a.node == 5);
  auto b = clock.tick();
  CHECK(b.physical == t.get());
  CHECK(b.logical == 1);
  t.advance(10us);
  auto c = clock.tick();
  CHECK(c.physical == t.get());
  CHECK(c.logical == 0);
  CHECK(a < b);
  CHECK(b < c);
}

TEST_CASE("a tick never goes backwards when physical time does") {
  manual_time t;
  hybrid_clock clock{0, t.config()};
  auto a = clock.tick();
  t.now->store(t.get() - 1'000'000); // the wall clock steps back one second
  auto b = clock.tick();
  CHECK(b > a);
  CHECK(b.physical == a.physical);
  CHECK(b.logical == a.logical + 1);
}

TEST_CASE("a full logical counter carries into the physical part") {
  manual_time t;
  hybrid_clock clock{0, t.config()};
  hlc_timestamp last = clock.tick();
  std::size_t bad = 0;
  for (std::uint32_t i = 0; i < hlc_timestamp::max_logical + 10; ++i) {
    auto next = clock.tick();
    if (!(next > last) || !next.valid())
      ++bad;
    last = next;
  }
  CHECK(bad == 0);
  CHECK(last.physical == t.get() + 1);
  CHECK(last.logical == 9);
}

TEST_CASE("update merges a remote stamp ahead of local time") {
  manual_time t;
  hybrid_clock clock{1, t.config()};
  clock.tick();
  hlc_timestamp remote{t.get() + 2'000'000, 7, 9};
  auto merged = clock.update(remote);
  REQUIRE(merged.has_value());
  CHECK(merged->physical == remote.physical);
  CHECK(merged->logical == 8);
  CHECK(merged->node == 1);
  CHECK(*merged > remote);
  // Later local events stay after the received one.
  CHECK(clock.tick() > *merged);
}

TEST_CASE("update with a remote stamp behind local time keeps the local one") {
  manual_time t;
  hybrid_clock clock{1, t.config()};
  auto local = clock.tick();
  hlc_timestamp remote{t.get() - 500, 40, 2};
  auto merged = clock.update(remote);
  REQUIRE(merged.has_value());
  CHECK(merged->physical == local.physical);
  CHECK(merged->logical == local.logical + 1);
  // Equal physical parts: the larger counter wins, plus one.
  hlc_timestamp same{local.physical, 30, 2};
  auto merged2 = clock.update(same);
  REQUIRE(merged2.has_value());
  CHECK(merged2->physical == local.physical);
  CHECK(merged2->logical == 31);
}

TEST_CASE("a remote stamp beyond the skew bound is a clock_skew error") {
  manual_time t;
  hybrid_clock clock{1, t.config()};
  auto before = clock.tick();
  hlc_timestamp far{t.get() + 61'000'000, 0, 2};
  auto merged = clock.update(far);
  REQUIRE(!merged.has_value());
  CHECK(merged.error() == errc::clock_skew);
  // The clock did not move towards the refused stamp.
  auto after = clock.tick();
  CHECK(after.physical == before.physical);
  CHECK(after.logical == before.logical + 1);
  // Within the bound (the default of 60 s) it is accepted.
  hlc_timestamp near{t.get() + 59'000'000, 0, 2};
  CHECK(clock.update(near).has_value());
}

TEST_CASE("the skew bound is configurable") {
  manual_time t;
  hybrid_clock clock{1, t.config(100ms)};
  CHECK(clock.max_skew() == 100ms);
  CHECK(clock.update({t.get() + 90'000, 0, 2}).has_value());
  auto refused = clock.update({t.get() + 200'000, 0, 2});
  REQUIRE(!refused.has_value());
  CHECK(refused.error() == errc::clock_skew);
}

TEST_CASE("an out-of-range remote stamp is an invalid_timestamp error") {
  hybrid_clock clock{1};
  auto bad_logical = clock.update({hybrid_clock::system_time_us(), 5000, 2});
  REQUIRE(!bad_logical.has_value());
  CHECK(bad_logical.error() == errc::invalid_timestamp);
  auto bad_physical = clock.update({hlc_timestamp::max_physical + 1, 0, 2});
  REQUIRE(!bad_physical.has_value());
  CHECK(bad_physical.error() == errc::invalid_timestamp);
}

TEST_CASE("stamps are totally ordered by physical time, logical counter, then node id") {
  std::vector<hlc_timestamp> xs{
    {100, 0, 2}, {99, 5, 9}, {100, 1, 0}, {100, 0, 1}, {101, 0, 0}, {99, 5, 1},
  };
  std::sort(xs.begin(), xs.end());
  std::vector<hlc_timestamp> expected_order{
    {99, 5, 1}, {99, 5, 9}, {100, 0, 1}, {100, 0, 2}, {100, 1, 0}, {101, 0, 0},
  };
  CHECK(xs == expected_order);
  CHECK(hlc_timestamp{100, 0, 1} != hlc_timestamp{100, 0, 2});
  CHECK(hlc_timestamp{5, 0, 0} == hlc_timestamp{5, 0, 0});
}

TEST_CASE("a packed stamp unpacks to the same stamp and packed bytes sort like stamps") {
  hybrid_clock clock{0xfeedbeef};
  std::vector<hlc_timestamp> xs;
  for (int i = 0; i < 100; ++i)
    xs.push_back(clock.tick());
  xs.push_back({hlc_timestamp::max_physical, hlc_timestamp::max_logical, 0xffffffff});
  xs.push_back({0, 0, 0});
  for (auto& x : xs) {
    auto bytes = x.pack();
    auto back = k2k::unpack_timestamp(bytes);
    REQUIRE(back.has_value());
    CHECK(*back == x);
  }
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
    auto a = xs[i].pack();
    auto b = xs[i + 1].pack();
    auto bytewise = std::memcmp(a.data(), b.data(), a.size());
    CHECK((bytewise < 0) == (xs[i] < xs[i + 1]));
  }
  // The layout is fixed: big-endian physical, logical, node.
  auto bytes = hlc_timestamp{0x0102030405060708, 0x0a0b, 0x11223344}.pack();
  CHECK(bytes[0] == std::byte{0x01});
  CHECK(bytes[7] == std::byte{0x08});
  CHECK(bytes[10] == std::byte{0x0a});
  CHECK(bytes[11] == std::byte{0x0b});
  CHECK(bytes[12] == std::byte{0x11});
  CHECK(bytes[15] == std::byte{0x44});
}

TEST_CASE("unpacking a malformed binary stamp is an invalid_timestamp error") {
  std::array<std::byte, 15> short_form{};
  auto a = k2k::unpack_timestamp(short_form);
  REQUIRE(!a.has_value());
  CHECK(a.error() == errc::invalid_timestamp);
  auto out_of_range = hlc_timestamp{1, 0, 0}.pack();
  out_of_range[8] = std::byte{0xff}; // logical counter far beyond max_logical
  auto b = k2k::unpack_timestamp(out_of_range);
  REQUIRE(!b.has_value());
  CHECK(b.error() == errc::invalid_timestamp);
  CHECK(to_string(b.error()).find("k2k") != std::string::npos);
}

TEST_CASE("a stamp prints as physical.logical@node") {
  CHECK(fmt::format("{}", hlc_timestamp{12, 3, 4}) == "12.3@4");
}

TEST_SUITE_END();
