// k2k_routing: two K2K brokers, a route from one to the other, delivery
// receipts, priorities and a routing loop that ends in max_hops_exceeded.
#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>

#include <cstdint>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;

namespace demo {

struct reading {
  std::uint32_t sensor;
  double celsius;
};

// Only declared routable types travel through a broker (checked at compile time).
RINGACTOR_K2K_ROUTABLE(reading, "sensors")

} // namespace demo

// An endpoint: any actor. Its answer confirms the delivery.
behavior thermometer_log(event_based_actor*) {
  return {[](const demo::reading& r) {
    fmt::print("  log: sensor {} reads {:.1f} C\n", r.sensor, r.celsius);
  }};
}

int main() {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto edge = k2k::spawn_broker(sys, {.name = "edge"});
  auto core = k2k::spawn_broker(sys, {.name = "core"});
  auto log = sys.spawn(thermometer_log);

  // "log" lives at the core broker; the edge broker routes it there.
  self->request(core, 1s, k2k::register_endpoint{"log", log}).get();
  self->request(edge, 1s, k2k::register_endpoint{"core", core}).get();
  self->request(edge, 1s, k2k::add_route{"log", "core"}).get();

  auto send = [&](const k2k::broker& via, std::string to, demo::reading r, k2k::priority p) {
    self->request(via, 5s, k2k::make_send(std::move(to), r, p))
      .receive(
        [](const k2k::receipt& rc) {
          fmt::print("receipt: {} to {} after {} hop(s){}{}\n", rc.status, rc.destination, rc.hops,
                     rc.reason ? " - " : "", rc.reason ? to_string(rc.reason) : "");
        },
        [](const error& e) { fmt::print("send failed: {}\n", e); });
  };
  send(edge, "log", {1, 21.5}, k2k::priority::normal); // edge -> core -> log
  send(edge, "log", {2, 88.0}, k2k::priority::high);
  send(edge, "nowhere", {3, 0.0}, k2k::priority::normal); // not_found

  // A loop: each broker routes "ghost" to the other. The hop limit ends it.
  self->request(core, 1s, k2k::register_endpoint{"edge", edge}).get();
  self->request(edge, 1s, k2k::add_route{"ghost", "core"}).get();
  self->request(core, 1s, k2k::add_route{"ghost", "edge"}).get();
  send(edge, "ghost", {4, 0.0}, k2k::priority::low);

  auto stats = self->request(edge, 1s, k2k::get_stats{}).get();
  if (stats)
    fmt::print("edge broker: accepted {}, forwarded {}, dropped {}\n", stats->accepted,
               stats->forwarded, stats->dropped.total());
}
