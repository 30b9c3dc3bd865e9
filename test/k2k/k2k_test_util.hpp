// Helpers for the k2k suite: test messages, endpoints, and waiting on
// events with a bound (never on sleeps).
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/broker.hpp>

namespace k2k_test {

struct ping {
  int value;
};
RINGACTOR_K2K_ROUTABLE(ping, "k2k.test")

/// What an endpoint reports to the test's observer for each message it got.
struct got {
  std::string endpoint;
  int value;
};

/// Tells a holding endpoint to confirm what it holds and everything after.
struct release {};

/// An endpoint that confirms every ping at once and reports it.
inline ringactor::behavior recorder(ringactor::event_based_actor* self, std::string name,
                                    ringactor::actor observer) {
  return {[self, name, observer](ping p) { self->send(observer, got{name, p.value}); }};
}

/// An endpoint that holds its pings unconfirmed (the broker counts them in
/// flight) until it gets `release`; it reports each ping when it confirms it.
inline ringactor::behavior holder(ringactor::event_based_actor* self, std::string name,
                                  ringactor::actor observer) {
  struct state {
    bool open = false;
    std::vector<std::pair<int, ringactor::typed_response_promise<void>>> held;
  };
  auto st = std::make_shared<state>();
  return {
    [self, name, observer, st](ping p) -> ringactor::result<void> {
      if (st->open) {
        self->send(observer, got{name, p.value});
        return {};
      }
      auto rp = self->make_response_promise<void>();
      st->held.emplace_back(p.value, rp);
      return rp;
    },
    [self, name, observer, st](release) {
      st->open = true;
      for (auto& [value, rp] : st->held) {
        self->send(observer, got{name, value});
        rp.deliver();
      }
      st->held.clear();
    },
  };
}

/// Re-evaluates `pred` (which asks actors, so each try waits on their
/// answers) until it holds or `limit` passed; returns whether it holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds{10}) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred())
    if (std::chrono::steady_clock::now() > until)
      return false;
  return true;
}

/// Receives `n` got messages at `obs` within `limit` (fewer if they do not come).
inline std::vector<got> collect(ringactor::scoped_actor& obs, std::size_t n,
                                std::chrono::milliseconds limit = std::chrono::seconds{10}) {
  std::vector<got> out;
  auto until = std::chrono::steady_clock::now() + limit;
  while (out.size() < n) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until)
      break;
    obs->receive_for(until - now, [&](got g) { out.push_back(std::move(g)); });
  }
  return out;
}

inline std::vector<int> values_of(const std::vector<got>& xs) {
  std::vector<int> out;
  for (auto& x : xs)
    out.push_back(x.value);
  return out;
}

/// The broker's statistics (REQUIREs that it answers).
inline ringactor::k2k::broker_stats stats_of(ringactor::scoped_actor& self,
                                             const ringactor::k2k::broker& b) {
  auto st = self->request(b, std::chrono::seconds{5}, ringactor::k2k::get_stats{}).get();
  if (!st)
    throw std::runtime_error("the broker did not answer get_stats");
  return std::move(*st);
}

} // namespace k2k_test
