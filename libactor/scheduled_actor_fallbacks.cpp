// What event-based actors do with messages no handler accepts (default
// handlers, skip) and with exceptions thrown by handlers.
#include <exception>
#include <string>

#include "ringactor/cancel_request.hpp"
#include "ringactor/default_handler.hpp"
#include "ringactor/scheduled_actor.hpp"

namespace ringactor {

// -- predefined default handlers --------------------------------------------------------

default_handler_result print_and_drop(scheduled_actor* self, mailbox_element& x) {
  log_warn("actor {} ({}) has no handler for a message of type {}{}", self->id(), self->name(),
           x.type->name, x.mid.is_request() ? " (answered with unexpected_message)" : "");
  return drop(self, x);
}

default_handler_result drop(scheduled_actor*, mailbox_element& x) {
  return error{sec::unexpected_message, std::string{x.type->name}};
}

default_handler_result reflect(scheduled_actor*, mailbox_element&) {
  return default_handler_result::reflect();
}

// -- setting handlers -------------------------------------------------------------------

void scheduled_actor::set_default_handler(default_handler f) {
  extra_handlers().fallback = std::move(f);
}

void scheduled_actor::set_default_handler(skip_t) {
  extra_handlers().fallback = [](scheduled_actor*, mailbox_element&) -> default_handler_result {
    return skip;
  };
}

void scheduled_actor::set_exception_handler(std::function<error(std::exception_ptr)> f) {
  extra_handlers().exception = std::move(f);
}

// -- unmatched messages -----------------------------------------------------------------

void scheduled_actor::handle_unexpected(mailbox_element_ptr& x) {
  // Advisory (cancel_request.hpp): an actor that cannot cancel finishes the
  // request; a requester need not know which kind it asked. Dropped before
  // the default handler, which would warn about it, skip it (to lie in the
  // skipped list for good) or reflect it.
  if (x->type == type_id_of<cancel_request>() && !x->mid.is_request())
    return;
  auto result = handlers_ && handlers_->fallback ? handlers_->fallback(this, *x)
                                                 : print_and_drop(this, *x);
  switch (result.what()) {
    case default_handler_result::kind::error:
      if (x->mid.is_request())
        detail::send_error_response(this, *x,
                                    result.get_error()
                                      ? result.get_error()
                                      : error{sec::unexpected_message, std::string{x->type->name}});
      break; // an asynchronous message is dropped
    case default_handler_result::kind::skip: skip_message(x); break;
    case default_handler_result::kind::value:
    case default_handler_result::kind::reflect: reply_from_default_handler(x, result); break;
  }
}

void scheduled_actor::skip_message(mailbox_element_ptr& x) {
  // Behind the messages skipped before it; re-offered after a behavior
  // change (see behavior_changed and handle_message).
  extra_handlers().skipped.push_back(x.release());
}

void scheduled_actor::reply_from_default_handler(mailbox_element_ptr& x,
                                                 default_handler_result& r) {
  if (!x->sender)
    return; // nobody to answer
  auto dest = x->sender;
  auto mid = x->mid.is_request() ? x->mid.response_id() : message_id{};
  x->mid.mark_answered();
  mailbox_element_ptr reply;
  if (r.what() == default_handler_result::kind::reflect)
    reply = std::move(x); // the message itself goes back
  else
    reply = std::move(r.value());
  reply->sender = ctrl();
  reply->mid = mid;
  reply->next = nullptr;
  dest->enqueue(std::move(reply));
}

// -- exceptions -------------------------------------------------------------------------

namespace {

error describe(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& ex) {
    return error{exit_reason::unhandled_exception, ex.what()};
  } catch (...) {
    return error{exit_reason::unhandled_exception};
  }
}

} // namespace

void scheduled_actor::handle_exception(std::exception_ptr ep, mailbox_element* x) {
  if (exiting_)
    return; // it quit before it threw: that reason stands
  auto reason = describe(ep);
  if (handlers_ && handlers_->exception) {
    error answer;
    try {
      answer = handlers_->exception(ep);
    } catch (...) {
      reason = describe(std::current_exception());
    }
    if (exiting_)
      return; // the handler quit: its reason answers the request
    if (answer) {
      if (x != nullptr && x->mid.is_request())
        detail::send_error_response(this, *x, std::move(answer));
      else
        log_warn("actor {} ({}) handled an exception from a handler: {}", id(), name(), answer);
      return;
    }
  }
  log_warn("actor {} ({}) ends: a handler threw: {}", id(), name(),
           reason.context().empty() ? std::string_view{"a non-exception"} : reason.context());
  quit(std::move(reason));
}

} // namespace ringactor
