// test/service: small helpers of the middleware tests (raw requests with
// headers, reading a response's headers, waiting on a value with a bound).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ringactor/service/responder.hpp>

#include "server_process.hpp"

namespace service_test {

/// The value of the first header `name` of a raw response (exact case of
/// the name, as the server writes it), or nothing.
inline std::optional<std::string> header_of(std::string_view response, std::string_view name) {
  auto end = response.find("\r\n\r\n");
  auto head = response.substr(0, end);
  std::size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    auto line = head.substr(at, head.find("\r\n", at) - at);
    if (line.size() > name.size() + 1 && line.substr(0, name.size()) == name
        && line[name.size()] == ':')
      return std::string{line.substr(name.size() + 2)};
  }
  return std::nullopt;
}

/// A request line and headers ("Name: value" each), Connection: close.
inline std::string raw_request(std::string_view method, std::string_view path,
                               std::vector<std::string> headers = {}) {
  std::string out = std::string{method} + " " + std::string{path} + " HTTP/1.1\r\nHost: x\r\n";
  for (auto& h : headers)
    out += h + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out;
}

/// A route that answers 200 {"ok":true}.
inline ringactor::service::http_response ok_json(const ringactor::service::http_request&) {
  return ringactor::service::http_response::json(200, R"({"ok":true})");
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// Responders handed over by a route, taken by the test thread (bounded).
class parked {
public:
  void put(ringactor::service::responder r) {
    std::lock_guard guard{mtx_};
    xs_.push_back(std::move(r));
    cv_.notify_all();
  }
  std::optional<ringactor::service::responder>
  take(std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    std::unique_lock guard{mtx_};
    if (!cv_.wait_for(guard, limit, [&] { return !xs_.empty(); }))
      return std::nullopt;
    auto r = std::move(xs_.front());
    xs_.erase(xs_.begin());
    return r;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<ringactor::service::responder> xs_;
};

/// A value set once by one thread and awaited (bounded) by another.
template <class T>
class awaited {
public:
  void set(T x) {
    std::lock_guard guard{mtx_};
    if (!x_)
      x_ = std::move(x);
    cv_.notify_all();
  }
  std::optional<T> get(std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    std::unique_lock guard{mtx_};
    cv_.wait_for(guard, limit, [&] { return x_.has_value(); });
    return x_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::optional<T> x_;
};

} // namespace service_test
