#include "ringactor/local_actor.hpp"

#include <fmt/format.h>

#include "ringactor/actor_system.hpp"
#include "system_core.hpp"

namespace ringactor {

namespace {
const strong_actor_ptr no_sender;
} // namespace

const strong_actor_ptr& local_actor::current_sender() const noexcept {
  return current_ != nullptr ? current_->sender : no_sender;
}

trace_context local_actor::current_trace() const noexcept {
  return current_ != nullptr ? current_->trace() : ringactor::current_trace();
}

response_promise local_actor::make_untyped_response_promise() {
  if (current_ == nullptr)
    return {};
  return response_promise{ctrl(), *current_};
}

void local_actor::link_impl(abstract_actor* other) {
  if (other == nullptr || other == this)
    return;
  if (!other->add_link(address())) {
    // Already gone: we receive its exit reason as if the link had fired.
    enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                 exit_msg{actor_addr{other}, other->exit_reason(), true}));
    return;
  }
  add_link(actor_addr{other});
}

void local_actor::schedule_delayed(strong_actor_ptr dest, timespan delay, mailbox_element_ptr x) {
  auto when = std::chrono::steady_clock::now() + delay;
  // std::function needs a copyable callable: the element travels in a
  // shared_ptr and is moved out exactly once.
  auto msg = std::make_shared<mailbox_element_ptr>(std::move(x));
  core().timer.schedule(when, [dest = std::move(dest), msg] {
    if (*msg)
      dest->enqueue(std::move(*msg));
  });
}

void local_actor::send_request(abstract_actor* dest, mailbox_element_ptr x) {
  if (dest != nullptr) {
    dest->enqueue(std::move(x));
    return;
  }
  // An invalid handle is a dead receiver.
  auto answer = make_mailbox_element(nullptr, x->mid.response_id(),
                                     error{sec::dead_receiver, "request to an invalid handle"});
  answer->trace_ref = x->trace_ref;
  enqueue(std::move(answer));
}

namespace detail {

void send_error_response(local_actor* self, mailbox_element& request, error err) {
  if (request.mid.is_request() && request.sender) {
    auto mid = request.mid.response_id();
    request.mid.mark_answered();
    request.sender->enqueue(make_mailbox_element(self->ctrl(), mid, std::move(err)));
    return;
  }
  log_warn("actor {} ({}) returned an error for an asynchronous {}: {}", self->id(), self->name(),
           request.type->name, err);
}

void answer_abandoned_request_slow(local_actor* self, mailbox_element& request) {
  send_error_response(self, request,
                      error{sec::broken_promise,
                            fmt::format("actor {} ({}) returned delegated for a {} without a "
                                        "response promise or delegate()",
                                        self->id(), self->name(), request.type->name)});
}

void send_async_result(local_actor*, mailbox_element& request, mailbox_element_ptr x) {
  request.sender->enqueue(std::move(x));
}

} // namespace detail

} // namespace ringactor
