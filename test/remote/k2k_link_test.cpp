// K2K routes across nodes (remote/k2k_link.hpp), with brokers in processes
// of their own (k2k_node_process) on 127.0.0.1 over TCP: delivery with both
// receipt policies, a payload that cannot travel, a routing loop over three
// nodes, priorities at the remote broker, HLC stamps across processes, and
// kill -9 of the remote node with messages in flight.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>
#include <ringactor/remote/k2k_link.hpp>
#include <ringactor/remote/node.hpp>

#include "child_process.hpp"
#include "k2k_test_types.hpp"

using namespace ringactor;
using namespace k2k_link_test;
using namespace std::chrono_literals;

namespace {

const char* const secret = "k2k-test-cluster-secret";

/// A k2k_node_process (child_process.hpp), driven by command lines (each
/// answered by one line, read within a bound).
class broker_process {
public:
  /// `clock_ahead`: the broker's clock runs that far ahead of the system clock.
  broker_process(const std::string& name, std::uint32_t clock_id,
                 std::chrono::microseconds clock_ahead = {})
    : child_{RINGACTOR_K2K_NODE,
             {name, secret, std::to_string(clock_id), std::to_string(clock_ahead.count())}} {
    auto line = child_.read_line(20s);
    REQUIRE_MESSAGE(line.rfind("port ", 0) == 0, "the node process printed no port: " << line);
    port_ = static_cast<std::uint16_t>(std::stoul(line.substr(5)));
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Sends one command and returns its answer ("" if none came in 10 s).
  std::string command(const std::string& cmd) {
    if (!child_.write_line(cmd))
      return {};
    return child_.read_line(10s);
  }

  /// The seqs an endpoint ("sink" or "gate") logged.
  std::vector<std::int64_t> log(const std::string& endpoint) {
    std::istringstream in{command("log " + endpoint)};
    std::string word;
    in >> word;
    std::vector<std::int64_t> out;
    std::int64_t x = 0;
    while (in >> x)
      out.push_back(x);
    return out;
  }

  /// Polls `queued` until the broker holds `n` queued messages (within 10 s).
  bool wait_queued(std::size_t n) {
    auto want = "queued " + std::to_string(n);
    std::string last;
    for (int i = 0; i < 500; ++i) {
      last = command("queued");
      if (last == want)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    MESSAGE("waiting for '", want, "', the last answer was '", last, "'");
    return false;
  }

  /// Polls until `endpoint` logged `n` seqs (within 10 s).
  bool wait_logged(const std::string& endpoint, std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (log(endpoint).size() >= n)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void kill9() { child_.kill9(); }

private:
  remote_test::child_process child_;
  std::uint16_t port_ = 0;
};

/// Node A in this process: a node, a broker with its own clock, its ingress
/// published as "broker".
struct local_node {
  static constexpr std::uint32_t clock_id = 1;

  actor_system sys{actor_system_config{}.set_workers(2)};
  std::shared_ptr<k2k::hybrid_clock> clock;
  k2k::broker broker;
  std::unique_ptr<remote::node> node;

  /// `clock_ahead`: the broker's clock runs that far ahead of the system clock.
  explicit local_node(std::chrono::microseconds clock_ahead = {}) {
    k2k::hlc_config clock_cfg;
    auto ahead = static_cast<std::uint64_t>(clock_ahead.count());
    clock_cfg.physical_time = [ahead] { return k2k::hybrid_clock::system_time_us() + ahead; };
    clock = std::make_shared<k2k::hybrid_clock>(clock_id, clock_cfg);
    broker = k2k::spawn_broker(sys, {.clock = clock, .name = "node-a"});
    remote::node_config cfg;
    cfg.name = "node-a";
    cfg.cluster_secret = secret;
    cfg.net_devices = "lo";
    cfg.heartbeat_interval = 100ms;
    cfg.heartbeat_timeout = 1000ms;
    auto n = remote::node::start(sys, cfg);
    REQUIRE_MESSAGE(n, to_string(n.error()));
    node = std::move(*n);
    remote::publish_broker(*node, broker, "broker");
  }

  ~local_node() {
    node.reset();
    anon_send_exit(broker, exit_reason::user_shutdown);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(node->port()); }

  void route(const std::string& destination, const std::string& next_hop) {
    scoped_actor self{sys};
    REQUIRE(self->request(broker, 5s, k2k::add_route{destination, next_hop}).get());
  }

  /// One send, answered within `timeout`: its receipt or error.
  expected<k2k::receipt> send(k2k::send_msg msg, std::chrono::seconds timeout = 10s) {
    scoped_actor self{sys};
    return self->request(broker, timeout, std::move(msg)).get();
  }
};

/// Sends from an actor of their own, without waiting: each answer (receipt
/// or error) is counted and kept by the send's index.
class async_sends {
public:
  explicit async_sends(local_node& a) : a_(a) {}

  void send(std::size_t index, k2k::send_msg msg) {
    {
      std::lock_guard guard{st_->mtx};
      if (st_->answers.size() <= index) {
        st_->answers.resize(index + 1);
        st_->times.resize(index + 1);
      }
    }
    auto st = st_;
    a_.sys.spawn([st, index, msg = std::make_shared<k2k::send_msg>(std::move(msg)),
                  broker = a_.broker](event_based_actor* self) mutable {
      self->request(broker, 30s, std::move(*msg))
        .then(
          [st, index, self](k2k::receipt r) {
            st->answer(index, std::move(r));
            self->quit();
          },
          [st, index, self](const error& err) {
            st->answer(index, err);
            self->quit();
          });
    });
  }

  /// Waits (within `timeout`) until `n` answers came; false if not.
  bool wait(std::size_t n, std::chrono::seconds timeout) {
    std::unique_lock guard{st_->mtx};
    return st_->cv.wait_for(guard, timeout, [&] { return st_->count >= n; });
  }

  /// The answer of send `index`, and how often it was answered.
  std::pair<std::optional<expected<k2k::receipt>>, int> answer(std::size_t index) {
    std::lock_guard guard{st_->mtx};
    return {st_->answers[index], st_->times[index]};
  }

private:
  struct shared {
    std::mutex mtx;
    std::condition_variable cv;
    std::vector<std::optional<expected<k2k::receipt>>> answers;
    std::vector<int> times; ///< how often each send was answered
    std::size_t count = 0;

    void answer(std::size_t index, expected<k2k::receipt> x) {
      {
        std::lock_guard guard{mtx};
        answers[index] = std::move(x);
        ++times[index];
        ++count;
      }
      cv.notify_all();
    }
  };

  local_node& a_;
  std::shared_ptr<shared> st_ = std::make_shared<shared>();
};

} // namespace

TEST_CASE("a message routed to a broker on another node is delivered there: delivered "
          "with final_outcome, forwarded with first_hop") {
  broker_process b{"node-b", 2};
  local_node a;
  auto bridge = remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b");
  REQUIRE_MESSAGE(bridge, to_string(bridge.error()));
  a.route("sink", "to-b");
  auto r = a.send(k2k::make_send("sink", probe{1, "final"}));
  REQUIRE_MESSAGE(r, to_string(r.error()));
  CHECK(r->status == k2k::delivery_status::delivered);
  CHECK(r->destination == "sink");
  CHECK(r->hops == 1);
  CHECK(r->id.node == local_node::clock_id); // accepted here
  CHECK(r->stamp.node == 2);                 // decided by node B's broker
  auto f = a.send(k2k::make_send("sink", probe{2, "first"}, k2k::priority::normal,
                                 k2k::receipt_policy::first_hop));
  REQUIRE_MESSAGE(f, to_string(f.error()));
  CHECK(f->status == k2k::delivery_status::forwarded);
  CHECK(f->next_hop == "to-b");
  CHECK(f->hops == 1);
  // The first-hop receipt comes before the delivery: wait for it.
  REQUIRE(b.wait_logged("sink", 2));
  CHECK(b.log("sink") == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("a destination unknown on the remote node ends in not_found from that node") {
  broker_process b{"node-b", 2};
  local_node a;
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b"));
  a.route("nowhere", "to-b");
  auto r = a.send(k2k::make_send("nowhere", probe{1, ""}));
  REQUIRE_MESSAGE(r, to_string(r.error()));
  CHECK(r->status == k2k::delivery_status::not_found);
  CHECK(r->hops == 1);
  CHECK(r->stamp.node == 2);
  CHECK(r->reason == k2k::errc::unknown_endpoint);
}

TEST_CASE("a payload without a binary form is refused at the bridge, and the sender's receipt "
          "says why") {
  broker_process b{"node-b", 2};
  local_node a;
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b"));
  a.route("sink", "to-b");
  auto r = a.send(k2k::make_send("sink", local_only{7}));
  REQUIRE_MESSAGE(r, to_string(r.error()));
  CHECK(r->status == k2k::delivery_status::rejected);
  CHECK(r->reason == remote::errc::not_serializable);
  CHECK(to_string(r->reason).find("binary form") != std::string::npos);
  CHECK(r->stamp.node == local_node::clock_id); // A's broker decided
  // Nothing of it reached B; the link still works.
  auto ok = a.send(k2k::make_send("sink", probe{3, ""}));
  REQUIRE(ok);
  CHECK(ok->status == k2k::delivery_status::delivered);
  CHECK(b.log("sink") == std::vector<std::int64_t>{3});
}

TEST_CASE("the receiving broker merges the envelope's HLC stamp: the receipt's stamp is after "
          "the send's, with the sender's clock ahead") {
  broker_process b{"node-b", 2};
  local_node a{2s}; // B's physical time is 2 s behind A's stamps
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b",
                              {.clock = a.clock}));
  a.route("sink", "to-b");
  for (int i = 0; i < 5; ++i) {
    auto r = a.send(k2k::make_send("sink", probe{i, ""}));
    REQUIRE_MESSAGE(r, to_string(r.error()));
    REQUIRE(r->status == k2k::delivery_status::delivered);
    CHECK(r->id.node == local_node::clock_id);
    CHECK(r->stamp.node == 2);
    CHECK(r->id < r->stamp);
  }
}

TEST_CASE("the bridge merges the receipt's HLC stamp into the sender's clock, with the remote "
          "clock ahead") {
  broker_process b{"node-b", 2, 2s}; // A's physical time is 2 s behind B's stamps
  local_node a;
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b",
                              {.clock = a.clock}));
  a.route("sink", "to-b");
  for (int i = 0; i < 5; ++i) {
    auto r = a.send(k2k::make_send("sink", probe{i, ""}));
    REQUIRE_MESSAGE(r, to_string(r.error()));
    REQUIRE(r->status == k2k::delivery_status::delivered);
    CHECK(r->stamp.node == 2);
    // A's next stamp comes after the receipt's.
    CHECK(r->stamp < a.clock->tick());
  }
}

TEST_CASE("an envelope stamped beyond the receiving broker's skew bound is rejected with "
          "clock_skew") {
  broker_process b{"node-b", 2};
  local_node a{120s}; // the default bound is 60 s
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b"));
  a.route("sink", "to-b");
  auto r = a.send(k2k::make_send("sink", probe{1, ""}));
  REQUIRE_MESSAGE(r, to_string(r.error()));
  CHECK(r->status == k2k::delivery_status::rejected);
  CHECK(r->reason == k2k::errc::clock_skew);
  CHECK(b.log("sink").empty());
}

TEST_CASE("a 3-node K2K route with a loop ends in max_hops_exceeded with the hop count in the "
          "receipt") {
  broker_process b{"node-b", 2};
  broker_process c{"node-c", 3};
  local_node a;
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b"));
  REQUIRE(b.command("link " + c.address() + " broker to-c") == "ok");
  REQUIRE(c.command("link " + a.address() + " broker to-a") == "ok");
  a.route("loop", "to-b");
  REQUIRE(b.command("route loop to-c") == "ok");
  REQUIRE(c.command("route loop to-a") == "ok");
  auto r = a.send(k2k::make_send("loop", probe{1, ""}));
  REQUIRE_MESSAGE(r, to_string(r.error()));
  CHECK(r->status == k2k::delivery_status::max_hops_exceeded);
  CHECK(r->reason == k2k::errc::max_hops_exceeded);
  CHECK(r->hops == k2k::broker_config{}.max_hops);
  // Eight hops A->B->C->A->B->C->A->B->C: C decides.
  CHECK(r->stamp.node == 3);
  // first_hop: A answers forwarded; the loop still ends (counted at C).
  auto f = a.send(k2k::make_send("loop", probe{2, ""}, k2k::priority::normal,
                                 k2k::receipt_policy::first_hop));
  REQUIRE_MESSAGE(f, to_string(f.error()));
  CHECK(f->status == k2k::delivery_status::forwarded);
}

TEST_CASE("with the remote endpoint busy, a high-priority message sent after normal ones is "
          "delivered first") {
  broker_process b{"node-b", 2};
  local_node a;
  REQUIRE(remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b"));
  a.route("gate", "to-b");
  async_sends sends{a};
  // The gate holds seq 0 (one in flight at a time): the rest queue at B.
  sends.send(0, k2k::make_send("gate", probe{0, ""}));
  REQUIRE(b.wait_logged("gate", 1));
  for (std::int64_t i = 1; i <= 5; ++i)
    sends.send(static_cast<std::size_t>(i), k2k::make_send("gate", probe{i, ""}));
  REQUIRE(b.wait_queued(5));
  sends.send(6, k2k::make_send("gate", probe{6, ""}, k2k::priority::high));
  REQUIRE(b.wait_queued(6));
  REQUIRE(b.command("open") == "ok");
  REQUIRE(sends.wait(7, 20s));
  for (std::size_t i = 0; i < 7; ++i) {
    auto answered = sends.answer(i);
    auto& x = answered.first;
    auto times = answered.second;
    CHECK(times == 1);
    REQUIRE(x);
    REQUIRE(*x);
    CHECK((*x)->status == k2k::delivery_status::delivered);
  }
  CHECK(b.log("gate") == std::vector<std::int64_t>{0, 6, 1, 2, 3, 4, 5});
}

TEST_CASE("kill -9 of the remote node with messages in flight: every send gets exactly one "
          "receipt, an error, and none hangs") {
  broker_process b{"node-b", 2};
  local_node a;
  auto bridge = remote::link_broker(*a.node, a.broker, b.address(), "broker", "to-b");
  REQUIRE(bridge);
  a.route("gate", "to-b");
  async_sends sends{a};
  // Accepted by B and undecided: one held by the gate, nine queued.
  for (std::size_t i = 0; i < 10; ++i)
    sends.send(i, k2k::make_send("gate", probe{static_cast<std::int64_t>(i), ""}));
  REQUIRE(b.wait_queued(9));
  b.kill9();
  // Sent while (or after) node A learns that B is gone.
  for (std::size_t i = 10; i < 20; ++i)
    sends.send(i, k2k::make_send("gate", probe{static_cast<std::int64_t>(i), ""}));
  REQUIRE(sends.wait(20, 20s));
  std::size_t node_down = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    auto answered = sends.answer(i);
    auto& x = answered.first;
    auto times = answered.second;
    CHECK(times == 1);
    REQUIRE(x);
    REQUIRE_MESSAGE(*x, to_string(x->error()));
    CHECK(!(*x)->ok());
    if ((*x)->reason == remote::errc::node_down)
      ++node_down;
    if (i < 10) {
      // Accepted by B: the bridge answers with node_down.
      CHECK((*x)->status == k2k::delivery_status::rejected);
      CHECK((*x)->reason == remote::errc::node_down);
    }
  }
  CHECK(node_down >= 10);
  // No second receipt comes later.
  std::this_thread::sleep_for(200ms);
  REQUIRE(sends.wait(20, 1s));
  for (std::size_t i = 0; i < 20; ++i)
    CHECK(sends.answer(i).second == 1);
  // The bridge exited with the link: A's broker unregistered it.
  auto r = a.send(k2k::make_send("gate", probe{99, ""}));
  REQUIRE(r);
  CHECK(r->status == k2k::delivery_status::not_found);
}
