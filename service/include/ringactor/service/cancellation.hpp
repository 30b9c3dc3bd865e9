// ringactor service: the cancellation signal of one request. The server
// fires it when nobody waits for the answer any more: a timeout layer gave
// up, the client disconnected, or the server stopped. A handler that handed
// the work on subscribes, so that the work can be cancelled where it runs:
//
//   server.route_async("POST", "/work", [](const service::http_request& req,
//                                          service::responder answer) {
//     auto job = start_job(req.body, std::move(answer));
//     req.cancel->on_cancel([job](service::cancel_reason) { job.abort(); });
//   });
//
// The signal fires once; a callback added after it fired runs at once (on
// the caller's thread). Callbacks run on the thread that fires the signal
// (a network thread or a timer thread): they must not block.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace ringactor::service {

/// Why a request was cancelled.
enum class cancel_reason {
  timeout,     ///< a request-timeout layer answered 504 in its place
  disconnect,  ///< the client closed the connection before the answer
  server_stop, ///< the server stopped before the answer
};

/// "timeout", "disconnect" or "server_stop".
std::string_view to_string(cancel_reason x) noexcept;

/// A thread-safe one-shot signal (above).
class cancellation {
public:
  using callback = std::function<void(cancel_reason)>;

  cancellation() = default;
  cancellation(const cancellation&) = delete;
  cancellation& operator=(const cancellation&) = delete;

  /// Calls `fn` once when the signal fires; at once if it fired already.
  void on_cancel(callback fn);

  /// Fires the signal with `why`: runs the callbacks (outside the lock) and
  /// returns true the first time; does nothing and returns false later.
  bool cancel(cancel_reason why);

  /// The reason it fired for; none while it has not.
  std::optional<cancel_reason> reason() const;

  /// True once it fired.
  bool cancelled() const { return reason().has_value(); }

private:
  mutable std::mutex mtx_;
  std::optional<cancel_reason> reason_; // guarded by mtx_
  std::vector<callback> callbacks_;     // guarded by mtx_; emptied when fired
};

} // namespace ringactor::service
