// A node's listening port is a plain TCP socket of the transport's own
// (remote/address_exchange.hpp): bytes that are not a ringactor preamble,
// from a peer that is not a node at all, are refused there, reach no actor
// (nor UCX, whose 1.13 connection manager aborted the process on them:
// tcp_sockcm_ep.c:825) and crash nothing; the node then still answers real
// nodes.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>

#include "node_process.hpp"
#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

namespace {

const char* const port_secret = "test-cluster-secret";

/// Connects to 127.0.0.1:`port`, writes `bytes`, waits (at most `linger`)
/// for the other side to close or answer, and closes. False if the connect
/// failed.
bool send_raw(std::uint16_t port, const std::vector<std::byte>& bytes,
              std::chrono::milliseconds linger) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return false;
  }
  (void) ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  char sink[256];
  auto until = std::chrono::steady_clock::now() + linger;
  while (std::chrono::steady_clock::now() < until && ::poll(&p, 1, 50) >= 0) {
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && ::read(fd, sink, sizeof(sink)) <= 0)
      break; // closed by the node
  }
  ::close(fd);
  return true;
}

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("garbage bytes on a node's listening port are refused: nothing delivered, no crash, and "
          "the node still works") {
  node_process b{{"node-b", port_secret}};
  std::mt19937_64 rng{2424};
  for (int round = 0; round < 24; ++round) {
    // Short and long, random bytes, and the same with a plausible start.
    std::vector<std::byte> bytes(round % 3 == 0 ? 1 + rng() % 16 : 1 + rng() % 8192);
    for (auto& x : bytes)
      x = static_cast<std::byte>(rng());
    if (round % 4 == 1)
      for (std::size_t i = 0; i < bytes.size() && i < 8; ++i)
        bytes[i] = std::byte{0};
    REQUIRE_MESSAGE(send_raw(b.port(), bytes, 200ms), "round " << round << ": connect failed");
  }
  // An HTTP request, half a preamble, a worker address of 4 GiB, another
  // preamble version, and a whole preamble whose address UCX cannot use.
  auto bytes_of = [](std::string_view text) {
    std::vector<std::byte> out(text.size());
    std::memcpy(out.data(), text.data(), text.size());
    return out;
  };
  REQUIRE(send_raw(b.port(), bytes_of("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 200ms));
  REQUIRE(send_raw(b.port(),
                   bytes_of(std::string_view{"RAUCPADR\0\2\0\0\0\x64"
                                             "abc",
                                             17}),
                   200ms));
  REQUIRE(send_raw(b.port(), bytes_of(std::string_view{"RAUCPADR\0\2\xff\xff\xff\xff", 14}),
                   200ms));
  REQUIRE(send_raw(b.port(), bytes_of(std::string_view{"RAUCPADR\0\x7\0\0\0\1x", 15}), 200ms));
  // (A whole preamble, its mac not the cluster's: UCX would abort on the
  // address.)
  auto unsigned_address = bytes_of(std::string_view{"RAUCPADR\0\2\0\0\0\4junk", 18});
  unsigned_address.resize(unsigned_address.size() + 32, std::byte{'m'});
  REQUIRE(send_raw(b.port(), unsigned_address, 200ms));
  // A connection that says nothing and one that closes at once.
  REQUIRE(send_raw(b.port(), {}, 200ms));
  REQUIRE(send_raw(b.port(), {}, 0ms));
  actor_system sys{actor_system_config{}.set_workers(2)};
  remote::node_config cfg;
  cfg.name = "node-a";
  cfg.cluster_secret = port_secret;
  cfg.net_devices = "lo";
  auto a = remote::node::start(sys, cfg);
  REQUIRE_MESSAGE(a.has_value(), (a ? std::string{} : to_string(a.error())));
  auto echo = (*a)->lookup(b.address(), "echo");
  REQUIRE_MESSAGE(echo.has_value(), (echo ? std::string{} : to_string(echo.error())));
  scoped_actor self{sys};
  std::int64_t got = -1;
  self->request(*echo, 5s, ping{17})
    .receive([&](ping p) { got = p.n; }, [&](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(got, 17);
  // Nothing of the garbage reached an actor: the sink counted nothing.
  auto sink = (*a)->lookup(b.address(), "sink");
  REQUIRE(sink.has_value());
  tally t;
  t.received = -1;
  self->request(*sink, 5s, get_tally{})
    .receive([&](tally x) { t = x; }, [&](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(t.received, 0);
}

TEST_SUITE_END();
