// The UCX transport under remote nodes (remote/transport.hpp): frames in
// order both ways, large frames, closes and failures seen by the other side,
// a peer process killed with SIGKILL; over TCP loopback and shared memory.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/remote/transport.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

/// What one transport's handlers saw, and waits on it (bounded).
struct recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<remote::peer_id> accepted;
  std::map<remote::peer_id, std::vector<std::vector<std::byte>>> frames;
  std::map<remote::peer_id, std::string> closed;

  remote::transport_handlers handlers() {
    return {
      .on_accept =
        [this](remote::peer_id p) {
          std::lock_guard guard{mtx};
          accepted.push_back(p);
          cv.notify_all();
        },
      .on_frame =
        [this](remote::peer_id p, std::span<const std::byte> f) {
          std::lock_guard guard{mtx};
          frames[p].emplace_back(f.begin(), f.end());
          cv.notify_all();
        },
      .on_closed =
        [this](remote::peer_id p, const std::string& why) {
          std::lock_guard guard{mtx};
          closed.emplace(p, why);
          cv.notify_all();
        },
    };
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds limit = 20s) {
    std::unique_lock guard{mtx};
    return cv.wait_for(guard, limit, [&] { return pred(); });
  }

  std::size_t frame_count() {
    std::size_t n = 0;
    for (auto& [peer, list] : frames)
      n += list.size();
    return n;
  }
};

std::vector<std::byte> numbered(std::uint32_t i, std::size_t size = sizeof(std::uint32_t)) {
  std::vector<std::byte> out(std::max(size, sizeof(i)), std::byte{0x5a});
  std::memcpy(out.data(), &i, sizeof(i));
  return out;
}

std::uint32_t number_of(const std::vector<std::byte>& f) {
  std::uint32_t i = 0;
  std::memcpy(&i, f.data(), sizeof(i));
  return i;
}

std::unique_ptr<remote::transport> start(recorder& r, const std::string& transports) {
  remote::transport_config cfg;
  cfg.transports = transports;
  cfg.net_devices = "lo"; // no traffic to any address outside 127.0.0.0/8
  auto t = remote::transport::start(cfg, r.handlers());
  REQUIRE_MESSAGE(t.has_value(), (t ? std::string{} : to_string(t.error())));
  return std::move(*t);
}

/// A loopback port that nothing listens on (bound, then released).
std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

const char* const tcp_transports = "tcp,self";
const char* const shm_transports = "posix,sysv,cma,self";

/// Two transports over `transports` (TCP loopback by default), b connected
/// to a (to_a).
struct connected_pair {
  explicit connected_pair(const char* transports = tcp_transports) : transports(transports) {}
  const char* transports;
  recorder ra;
  recorder rb;
  std::unique_ptr<remote::transport> a = start(ra, transports);
  std::unique_ptr<remote::transport> b = start(rb, transports);
  remote::peer_id to_a = b->connect("127.0.0.1", a->port());
};

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("frames arrive whole and in order both ways, over TCP and over shared memory, the "
          "small ones of a burst in batches") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    connected_pair p{transports};
    auto& ra = p.ra;
    auto& rb = p.rb;
    auto& a = p.a;
    auto& b = p.b;
    auto to_a = p.to_a;
    constexpr std::uint32_t n = 10'000;
    // 16 bytes, 4 KiB (in a batch still) and 20 KiB (past the batch
    // limit: alone, between batches).
    auto size_of = [](std::uint32_t i) -> std::size_t {
      return i % 1000 == 500 ? 20 * 1024 : i % 100 == 0 ? 4096 : 16;
    };
    for (std::uint32_t i = 0; i < n; ++i)
      if (!b->send(to_a, numbered(i, size_of(i)))) {
        rb.wait([&] { return rb.closed.count(to_a) == 1; }, 1s);
        std::lock_guard guard{rb.mtx};
        FAIL("send " << i << " refused: " << rb.closed[to_a]);
      }
    bool all = ra.wait([&] { return ra.frame_count() == n; });
    if (!all) {
      std::lock_guard guard{ra.mtx};
      FAIL("only " << ra.frame_count() << " of " << n << " frames arrived; the transport received "
                   << a->stats().frames_received);
    }
    REQUIRE_EQ(ra.accepted.size(), 1);
    auto from_b = ra.accepted.front();
    {
      std::lock_guard guard{ra.mtx};
      auto& got = ra.frames[from_b];
      bool in_order = true;
      for (std::uint32_t i = 0; i < n && in_order; ++i) {
        in_order = got[i] == numbered(i, size_of(i));
        if (!in_order)
          FAIL_CHECK("frame " << i << " is number " << number_of(got[i]) << " of " << got[i].size()
                              << " bytes");
      }
    }
    // And back on the accepted endpoint.
    for (std::uint32_t i = 0; i < 100; ++i)
      REQUIRE(a->send(from_b, numbered(i)));
    REQUIRE(rb.wait([&] { return rb.frames[to_a].size() == 100; }));
    CHECK_EQ(number_of(rb.frames[to_a].back()), 99);
    CHECK_EQ(a->stats().frames_received, n);
    CHECK_EQ(b->stats().frames_received, 100);
    // The burst began before the endpoint was wired up (a connect takes
    // milliseconds), so at least the frames that waited went as batches.
    CHECK_GE(b->stats().batches_sent, 1u);
    CHECK_EQ(b->stats().frames_sent, n);
    // Over shared memory, both endpoints have a shared memory lane (not
    // TCP alone, which UCX falls back to silently).
    auto on_shm = transports == shm_transports ? 1u : 0u;
    CHECK_EQ(a->stats().peers_on_shared_memory, on_shm);
    CHECK_EQ(b->stats().peers_on_shared_memory, on_shm);
  }
}

TEST_CASE("a frame sent while the progress thread sleeps goes from the sender's thread, in "
          "order with queued ones") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    connected_pair p{transports};
    // One frame at a time, each awaited: between them the sending side's
    // progress thread has nothing to do and sleeps, so later sends find it
    // asleep. Every tenth round sends a burst of three, which may queue.
    std::uint32_t sent = 0;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (int round = 0; round < 200 && std::chrono::steady_clock::now() < deadline; ++round) {
      auto burst = round % 10 == 9 ? 3 : 1;
      for (int k = 0; k < burst; ++k)
        REQUIRE(p.b->send(p.to_a, numbered(sent++)));
      REQUIRE(p.ra.wait([&] { return p.ra.frame_count() == sent; }));
      if (round >= 20 && p.b->stats().direct_sends > 0)
        break;
    }
    CHECK_GT(p.b->stats().direct_sends, 0u);
    std::lock_guard guard{p.ra.mtx};
    auto& got = p.ra.frames.begin()->second;
    REQUIRE_EQ(got.size(), sent);
    for (std::uint32_t i = 0; i < sent; ++i)
      CHECK_EQ(number_of(got[i]), i);
  }
}

TEST_CASE("a frame of 4 MiB arrives whole, over TCP and over shared memory") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    connected_pair p{transports};
    auto& ra = p.ra;
    auto& b = p.b;
    auto to_a = p.to_a;
    std::vector<std::byte> big(4u << 20);
    for (std::size_t i = 0; i < big.size(); ++i)
      big[i] = static_cast<std::byte>(i * 7);
    auto copy = big;
    REQUIRE(b->send(to_a, std::move(big)));
    REQUIRE(b->send(to_a, numbered(1)));
    REQUIRE(ra.wait([&] { return ra.frame_count() == 2; }));
    auto& got = ra.frames.begin()->second;
    CHECK(got[0] == copy);
    CHECK_EQ(number_of(got[1]), 1);
  }
}

TEST_CASE("large frames reuse memory: a sent frame's vector is taken again, a received one's "
          "buffer holds the next, and every byte arrives") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    connected_pair p{transports};
    // One frame of 1 MiB at a time (large enough for UCX's rendezvous, whose
    // data lands in a buffer of the transport's), each built in a vector
    // taken from the sender's spare buffers and awaited before the next.
    constexpr std::uint32_t frames = 12;
    constexpr std::size_t size = 1u << 20;
    for (std::uint32_t i = 0; i < frames; ++i) {
      if (i > 0) {
        // The frame arrived; its send completes on b's progress thread just
        // after (the receiver's acknowledgement), which keeps its vector.
        auto until = std::chrono::steady_clock::now() + 5s;
        while (p.b->spare_buffers()->kept() == 0 && std::chrono::steady_clock::now() < until)
          std::this_thread::yield();
      }
      auto f = p.b->spare_buffers()->take();
      f.resize(size);
      for (std::size_t k = 0; k < size; k += 4096)
        f[k] = static_cast<std::byte>(i + k / 4096);
      std::memcpy(f.data(), &i, sizeof(i));
      REQUIRE(p.b->send(p.to_a, std::move(f)));
      REQUIRE(p.ra.wait([&] { return p.ra.frame_count() == i + 1; }));
    }
    std::lock_guard guard{p.ra.mtx};
    auto& got = p.ra.frames.begin()->second;
    REQUIRE_EQ(got.size(), frames);
    for (std::uint32_t i = 0; i < frames; ++i) {
      REQUIRE_EQ(got[i].size(), size);
      CHECK_EQ(number_of(got[i]), i);
      bool pattern = true;
      for (std::size_t k = 4096; k < size; k += 4096)
        pattern = pattern && got[i][k] == static_cast<std::byte>(i + k / 4096);
      CHECK(pattern);
    }
    // The first frame is new memory on each side; every later one reuses
    // what the one before it used.
    CHECK_EQ(p.b->stats().send_buffers_reused, frames - 1);
    CHECK_EQ(p.a->stats().receive_buffers_reused, frames - 1);
  }
}

TEST_CASE("a peer that closes its endpoint is seen closed by the other side, over TCP and over "
          "shared memory") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    connected_pair p{transports};
    auto& ra = p.ra;
    auto& rb = p.rb;
    auto& b = p.b;
    auto to_a = p.to_a;
    REQUIRE(b->send(to_a, numbered(1)));
    REQUIRE(ra.wait([&] { return ra.frame_count() == 1; }));
    b->close(to_a);
    REQUIRE(rb.wait([&] { return rb.closed.count(to_a) == 1; }));
    CHECK_EQ(rb.closed[to_a], "closed here");
    auto from_b = ra.accepted.front();
    REQUIRE(ra.wait([&] { return ra.closed.count(from_b) == 1; }));
    CHECK(ra.closed[from_b].find("peer lost") != std::string::npos);
    CHECK_FALSE(b->send(to_a, numbered(2))); // dead: refused, counted
    CHECK_EQ(b->stats().send_errors, 1);
  }
}

TEST_CASE("bytes on the listening port that are not a preamble are refused and counted, and a "
          "peer connects after them") {
  recorder ra, rb;
  auto a = start(ra, "tcp,self");
  // Random bytes, another magic's header, and a length past the bound: each
  // written on a connection of its own, which the transport closes.
  const std::string inputs[] = {std::string{"\x13\x37garbage"},
                                std::string{"GET / HTTP/1.1\r\n\r\n"},
                                std::string{"RAUCPADR\0\2\xff\xff\xff\xff", 14}};
  for (const auto& input : inputs) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(a->port());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0);
    REQUIRE(::send(fd, input.data(), input.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(input.size()));
    // Closed by the transport: read past the preamble it writes first, to
    // the end (bounded: 5 s per read, 1,000 reads).
    timeval limit{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    char sink[4096];
    ssize_t n = 1;
    for (int reads = 0; reads < 1000 && n > 0; ++reads)
      n = ::recv(fd, sink, sizeof(sink), 0);
    CHECK(n == 0);
    ::close(fd);
  }
  auto until = std::chrono::steady_clock::now() + 10s;
  while (a->stats().preambles_refused < 3 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms); // polling pace; the bound is the deadline
  CHECK_EQ(a->stats().preambles_refused, 3);
  CHECK(ra.accepted.empty());
  auto b = start(rb, "tcp,self");
  auto peer = b->connect("127.0.0.1", a->port());
  REQUIRE(b->send(peer, numbered(7)));
  REQUIRE(ra.wait([&] { return ra.frame_count() == 1; }));
  CHECK_EQ(ra.accepted.size(), 1);
  CHECK_EQ(a->stats().preambles_refused, 3);
}

TEST_CASE("a connect to a port nobody listens on ends in on_closed") {
  recorder r;
  auto t = start(r, tcp_transports);
  auto peer = t->connect("127.0.0.1", unused_port());
  t->send(peer, numbered(1)); // queued; fails with the endpoint
  REQUIRE(r.wait([&] { return r.closed.count(peer) == 1; }));
  CHECK(r.closed[peer].find("peer lost") != std::string::npos);
}

TEST_CASE("a connect to something that is not an IP address ends in on_closed naming it") {
  recorder r;
  auto t = start(r, tcp_transports);
  auto peer = t->connect("node-b.example", 1234);
  REQUIRE(r.wait([&] { return r.closed.count(peer) == 1; }));
  CHECK(r.closed[peer].find("node-b.example") != std::string::npos);
}

TEST_CASE("a listen address that is not an IP address is an error naming it") {
  remote::transport_config cfg;
  cfg.listen_address = "localhost:99";
  auto t = remote::transport::start(cfg, {});
  REQUIRE_FALSE(t.has_value());
  CHECK(to_string(t.error()).find("localhost:99") != std::string::npos);
}

TEST_CASE("a send to a peer id the transport never gave out is refused") {
  recorder r;
  auto t = start(r, tcp_transports);
  CHECK_FALSE(t->send(12345, numbered(1)));
  CHECK_FALSE(t->send(0, numbered(1)));
  CHECK_EQ(t->stats().send_errors, 2);
}

TEST_CASE("a peer process killed with SIGKILL is seen closed, over TCP and over shared memory") {
  for (auto transports : {tcp_transports, shm_transports}) {
    INFO("UCX_TLS=" << std::string{transports});
    recorder r;
    auto t = start(r, transports);
    auto port = std::to_string(t->port());
    std::string peer_path = RINGACTOR_REMOTE_PEER;
    std::vector<char*> argv{peer_path.data(), port.data(), const_cast<char*>(transports), nullptr};
    pid_t pid = 0;
    REQUIRE_EQ(::posix_spawn(&pid, peer_path.c_str(), nullptr, nullptr, argv.data(), environ), 0);
    bool got_hello = r.wait([&] { return r.frame_count() == 1; });
    if (got_hello) {
      auto& f = r.frames.begin()->second.front();
      std::string text(reinterpret_cast<const char*>(f.data()), f.size());
      CHECK_EQ(text, "hello from " + std::to_string(pid));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(got_hello);
    auto peer = r.accepted.front();
    REQUIRE(r.wait([&] { return r.closed.count(peer) == 1; }, 30s));
    CHECK(r.closed[peer].find("peer lost") != std::string::npos);
  }
}

TEST_SUITE_END();
