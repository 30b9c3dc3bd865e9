// ringactor service: the request-timeout layer (layers/request_timeout.hpp).
// The deadlines of all requests wait on one thread of the layer's own
// (layers/deadline_thread.hpp).
#include "ringactor/service/layers/request_timeout.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "ringactor/service/cancellation.hpp"

#include "deadline_thread.hpp"

namespace ringactor::service {

namespace {

using clock = std::chrono::steady_clock;

using detail::deadline_thread;

/// One request's race between its answer and its deadline: whoever comes
/// first answers, the other finds `done`.
struct race {
  std::mutex mtx;
  responder answer; // guarded by mtx; answered once done
  bool done = false;
  deadline_thread::key deadline;

  /// Takes the responder if nobody did yet.
  std::optional<responder> take() {
    std::lock_guard guard{mtx};
    if (done)
      return std::nullopt;
    done = true;
    return std::move(answer);
  }
};

} // namespace

layer request_timeout(std::chrono::milliseconds limit) {
  if (limit <= std::chrono::milliseconds{0})
    throw std::invalid_argument{
      fmt::format("request_timeout: expected a positive limit, found {}ms", limit.count())};
  auto timers = std::make_shared<deadline_thread>();
  return [timers, limit](const http_request& req, responder answer, next_layer next) {
    auto r = std::make_shared<race>();
    r->answer = std::move(answer);
    {
      // The deadline is added under the race's lock: an answer that comes
      // at once then finds the key to withdraw.
      std::lock_guard guard{r->mtx};
      r->deadline = timers->add(clock::now() + limit, [r, cancel = req.cancel, limit] {
        if (auto a = r->take()) {
          (*a)(http_response::error(504, "timeout",
                                    fmt::format("no answer within the request timeout ({}ms)",
                                                limit.count())));
          if (cancel)
            cancel->cancel(cancel_reason::timeout);
        }
      });
    }
    // The timers are held weakly: a late answer after the layer went must
    // not keep (and then join) the timer thread from itself.
    next(responder{[r, weak = std::weak_ptr<deadline_thread>{timers}](http_response res) {
      if (auto a = r->take()) {
        if (auto t = weak.lock())
          t->remove(r->deadline);
        (*a)(std::move(res));
      }
    }});
  };
}

} // namespace ringactor::service
