// ringactor service: running a request through its layers (middleware.hpp)
// and the cancellation signal (cancellation.hpp).
#include "ringactor/service/middleware.hpp"

#include "ringactor/service/cancellation.hpp"

namespace ringactor::service {

// -- cancellation -------------------------------------------------------------------

std::string_view to_string(cancel_reason x) noexcept {
  switch (x) {
    case cancel_reason::timeout: return "timeout";
    case cancel_reason::disconnect: return "disconnect";
    case cancel_reason::server_stop: return "server_stop";
  }
  return "unknown";
}

void cancellation::on_cancel(callback fn) {
  std::optional<cancel_reason> fired;
  {
    std::lock_guard guard{mtx_};
    if (!reason_) {
      callbacks_.push_back(std::move(fn));
      return;
    }
    fired = reason_;
  }
  fn(*fired);
}

bool cancellation::cancel(cancel_reason why) {
  std::vector<callback> fns;
  {
    std::lock_guard guard{mtx_};
    if (reason_)
      return false;
    reason_ = why;
    fns.swap(callbacks_);
  }
  // Outside the lock: a callback may ask reason() or add another callback.
  for (auto& fn : fns)
    fn(why);
  return true;
}

std::optional<cancel_reason> cancellation::reason() const {
  std::lock_guard guard{mtx_};
  return reason_;
}

// -- layers -------------------------------------------------------------------------

void next_layer::operator()(responder answer) const {
  if (index_ < chain_->size()) {
    chain_->at(index_)(*request_, std::move(answer), next_layer{chain_, index_ + 1, request_});
    return;
  }
  chain_->handler(*request_, std::move(answer));
}

responder wrap(responder inner, std::function<void(http_response&)> edit) {
  // The inner responder moves into a shared holder: the deliver function
  // of a responder must be copyable (std::function), a responder is not.
  auto held = std::make_shared<responder>(std::move(inner));
  return responder{[held, edit = std::move(edit)](http_response res) {
    edit(res);
    (*held)(std::move(res));
  }};
}

namespace detail {

void run_chain(std::shared_ptr<const layer_chain> chain,
               std::shared_ptr<const http_request> request, responder answer) {
  next_layer{std::move(chain), 0, std::move(request)}(std::move(answer));
}

} // namespace detail

} // namespace ringactor::service
