// http_bench: requests over loopback to a pool of kernel workers (the adder
// kernel, CPU backend, 2 workers), two benchmarks side by side in one run:
//   "http_rest":      keep-alive HTTP/1.1 connections, one request at a time
//                     on each,
//   "http_websocket": WebSocket connections, one execute frame at a time on
//                     each ({"id":N,"op":"execute",...}, ws_routes.hpp),
// each with three sides:
//   "ringactor":  ringactor-server's route (POST /kernels/adder/adder.add, or
//                 GET /ws): http_server + routes + registry + pool + kernels,
//   "bare":       a bare Boost.Beast server (HTTP, or WebSocket) with no
//                 actors that does the same JSON parse and writes the same
//                 reply shape,
//   "in_process": the same pool asked in process (request/receive), no
//                 network; measured once and reported under both benchmarks.
// Each runs for the same time with the same number of concurrent clients
// (one thread per connection or requester, the same drive() loop) and
// prints one JSON line:
//   {"bench":"http_rest","impl":"ringactor","p50_us":..,"p99_us":..,
//    "requests_per_s":..,"connections":16,"seconds":3.0}
// Usage: http_bench [--quick | --tiny] [--connections N] [--workers N]
//                   [--only rest|websocket] [--side ringactor|bare|in_process]
//   --quick  1 s per side instead of 3 s
//   --tiny   a few requests per side: checks every side answers right (the
//            bench test suite), timings meaningless
//   --only   one of the two benchmarks (default: both)
//   --side   one side alone (default: all three), to profile it
// Every reply is checked (its output is a + b); a wrong one exits 1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>
#include <ringactor/service/http_server.hpp>
#include <ringactor/service/rest_routes.hpp>

#include "bench_common.hpp"

namespace http_bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// -- the client: one blocking keep-alive connection per thread ------------------

class client {
public:
  explicit client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // 127.0.0.1 only
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0)
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~client() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends `request` and returns the response body; empty on failure.
  std::string call(const std::string& request) {
    for (std::size_t off = 0; off < request.size();) {
      auto n = ::send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return {};
      off += static_cast<std::size_t>(n);
    }
    for (;;) {
      auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = buf_.find("Content-Length: ");
        if (cl == std::string::npos || cl > end)
          cl = buf_.find("content-length: ");
        std::size_t length = cl < end ? std::strtoul(buf_.c_str() + cl + 16, nullptr, 10) : 0;
        if (buf_.size() >= end + 4 + length) {
          auto body = buf_.substr(end + 4, length);
          buf_.erase(0, end + 4 + length);
          return body;
        }
      }
      char tmp[4096];
      auto got = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (got <= 0)
        return {};
      buf_.append(tmp, static_cast<std::size_t>(got));
    }
  }

  bool connected() const noexcept { return fd_ >= 0; }

private:
  int fd_ = -1;
  std::string buf_;
};

/// drive() with one keep-alive connection per client, POSTing a + b.
result drive_http(std::uint16_t port, const options& o) {
  return drive_clients<client>(port, o, [](client& cl, int c, int i) {
    int a = i % 1000;
    auto body = fmt::format("{{\"a\":{},\"b\":{}}}", a, c);
    auto req = fmt::format("POST /kernels/adder/adder.add HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                           body.size(), body);
    return output_of(cl.call(req)) == a + c;
  });
}

// -- the bare server: Beast, one network thread, no actors ----------------------

class bare_session : public std::enable_shared_from_this<bare_session> {
public:
  explicit bare_session(asio::ip::tcp::socket s) : stream_(std::move(s)) {}
  void start() { read(); }

private:
  void read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec)
                         self->answer();
                     });
  }
  void answer() {
    // The same work as the REST route's: parse the JSON body, read its
    // fields, add, and write the reply document.
    res_ = {};
    res_.version(11);
    res_.keep_alive(req_.keep_alive());
    res_.set(http::field::content_type, "application/json");
    auto doc = wire::parse_json(req_.body(), wire::default_limits, "add");
    if (!doc || doc->root().type() != wire::json_type::object) {
      res_.result(http::status::bad_request);
      res_.body() = R"({"error":"invalid_input"})";
    } else {
      auto root = doc->root();
      auto a = root.find("a").as_int64();
      auto b = root.find("b").as_int64();
      res_.result(http::status::ok);
      res_.body() = fmt::format("{{\"request_id\":\"{}\",\"kernel_id\":\"adder\",\"output\":{},"
                                "\"metadata\":{{\"duration_us\":0,\"backend\":\"cpu\"}}}}",
                                ++served_, a + b);
    }
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec && self->res_.keep_alive())
                          self->read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  std::uint64_t served_ = 0;
};

/// The bare HTTP server: a bare_session per connection.
using bare_server = bare_listener<bare_session>;

// -- the sides ------------------------------------------------------------------

result run_ringactor(const options& o) {
  return run_ringactor_side(
    o,
    [](service::http_server& server, actor_system& sys, const service::registry& reg) {
      service::add_rest_routes(server, sys, reg);
    },
    drive_http);
}

result run_bare(const options& o) {
  bare_server server;
  return drive_http(server.port(), o);
}

result run_in_process(const options& o) {
  adder_pool p{o.workers};
  auto adder = actor_cast<service::demo::adder_if>(p.pool);
  return drive(o, [&p, adder](int c) {
    auto self = std::make_shared<scoped_actor>(p.sys);
    return std::optional<std::function<bool(int)>>{[self, adder, c](int i) {
      int a = i % 1000;
      std::int32_t got = -1;
      (*self)
        ->request(adder, std::chrono::seconds{10}, kernels::add{a, c})
        .receive([&](std::int32_t x) { got = x; }, [](const error&) {});
      return got == a + c;
    }};
  });
}

} // namespace http_bench

int main(int argc, char** argv) {
  using namespace http_bench;
  options o;
  bool rest = true;
  bool websocket = true;
  std::string_view only_side; // empty: every side
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--quick") {
      o.seconds = 1.0;
    } else if (arg == "--tiny") {
      o.tiny_requests = 20;
      o.connections = 4;
    } else if (arg == "--connections" && i + 1 < argc) {
      o.connections = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--workers" && i + 1 < argc) {
      o.workers = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (arg == "--only" && i + 1 < argc
               && (argv[i + 1] == std::string_view{"rest"}
                   || argv[i + 1] == std::string_view{"websocket"})) {
      rest = argv[++i] == std::string_view{"rest"};
      websocket = !rest;
    } else if (arg == "--side" && i + 1 < argc) {
      only_side = argv[++i];
    } else {
      fmt::print(stderr, "usage: http_bench [--quick | --tiny] [--connections N] [--workers N] "
                         "[--only rest|websocket] [--side ringactor|bare|in_process]\n");
      return 2;
    }
  }
  int failures = 0;
  auto check = [&](std::string_view bench, std::string_view name, http_bench::result& r) {
    if (r.wrong > 0 || r.latencies_us.empty()) {
      fmt::print(stderr, "http_bench: {} {}: {} wrong or missing replies of {}\n", bench, name,
                 r.wrong, r.latencies_us.size());
      ++failures;
      return false;
    }
    return true;
  };
  // Order does not matter here: each side has the machine to itself while
  // it runs (the others' threads are gone).
  std::vector<
    std::pair<std::string_view, std::pair<const char*, http_bench::result (*)(const options&)>>>
    runs;
  if (rest)
    for (auto side : {std::pair{"ringactor", &run_ringactor}, std::pair{"bare", &run_bare}})
      runs.emplace_back("http_rest", side);
  if (websocket)
    for (auto side : {std::pair{"ringactor", &run_ringactor_ws}, std::pair{"bare", &run_bare_ws}})
      runs.emplace_back("http_websocket", side);
  for (auto& [bench, side] : runs) {
    if (!only_side.empty() && only_side != side.first)
      continue;
    auto r = side.second(o);
    if (check(bench, side.first, r))
      report(bench, side.first, r, o);
  }
  // The pool in process has no network side: one measurement, the
  // reference of both benchmarks.
  if (!only_side.empty() && only_side != "in_process")
    return failures == 0 ? 0 : 1;
  auto in_process = run_in_process(o);
  if (check(rest ? "http_rest" : "http_websocket", "in_process", in_process)) {
    if (rest)
      report("http_rest", "in_process", in_process, o);
    if (websocket)
      report("http_websocket", "in_process", in_process, o);
  }
  return failures == 0 ? 0 : 1;
}
