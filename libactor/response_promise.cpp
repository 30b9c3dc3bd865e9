#include "ringactor/response_promise.hpp"

#include "ringactor/logger.hpp"

#include <fmt/format.h>

namespace ringactor {

response_promise::response_promise(strong_actor_ptr self, mailbox_element& request)
  : state_(std::make_shared<state>()) {
  state_->self = std::move(self);
  state_->requester = request.sender;
  state_->trace = request.trace_ref;
  state_->is_request = request.mid.is_request();
  state_->response_id = state_->is_request ? request.mid.response_id() : message_id{};
  request.mid.mark_answered();
}

response_promise::state* response_promise::claim() noexcept {
  if (!state_)
    return nullptr;
  // acq_rel: exactly one deliver wins; pairs with pending()'s acquire load.
  if (state_->delivered.exchange(true, std::memory_order_acq_rel))
    return nullptr;
  if (!state_->requester)
    return nullptr;
  return state_.get();
}

void response_promise::deliver_error(error err) {
  if (auto st = claim()) {
    if (st->is_request) {
      auto x = make_mailbox_element(st->self, st->response_id, std::move(err));
      x->trace_ref = st->trace;
      st->requester->enqueue(std::move(x));
    } else {
      log_warn("a response promise for an asynchronous message delivered an error: {}", err);
    }
  }
}

response_promise::state::~state() {
  if (!delivered.load(std::memory_order_acquire) && requester && is_request) {
    // A promise dies undelivered because its actor died (its exit reason,
    // or dead_receiver for a normal exit; its state, which may hold the
    // promise, goes as it exits) or because a live actor dropped it
    // (broken_promise).
    auto reason = self && self->is_exiting()
                    ? abstract_actor::unanswered_error(self->exit_reason())
                    : error{sec::broken_promise,
                            self ? fmt::format("dropped by actor {} ({})", self->id(), self->name())
                                 : std::string{"dropped"}};
    auto x = make_mailbox_element(self, response_id, std::move(reason));
    x->trace_ref = trace;
    requester->enqueue(std::move(x));
  }
}

} // namespace ringactor
