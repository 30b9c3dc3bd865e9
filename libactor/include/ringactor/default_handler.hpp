// ringactor: what an event-based actor does with a message that no handler
// of its current behavior accepts, as in CAF 0.17:
//
//   self->set_default_handler(reflect);                  // echo it back
//   self->set_default_handler(skip);                     // keep it for later
//   self->set_default_handler([](scheduled_actor*, mailbox_element& x)
//                               -> default_handler_result {
//     return error{sec::invalid_argument, std::string{x.type->name}};
//   });
//
// Without a default handler (or with print_and_drop) an unmatched request
// is answered with unexpected_message and a log line names the type.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "ringactor/error.hpp"
#include "ringactor/mailbox_element.hpp"
#include "ringactor/skip.hpp"

namespace ringactor {

class scheduled_actor;

/// The outcome of a default handler: an error, a value, skip, or reflect.
class default_handler_result {
public:
  enum class kind : unsigned char {
    error,   ///< a requester gets the error; an asynchronous message is dropped
    value,   ///< the value answers (or goes back to the sender of an asynchronous message)
    skip,    ///< the message stays in the mailbox for a later behavior
    reflect, ///< the message itself goes back to its sender
  };

  /// Consumed: a requester gets `err` (unexpected_message if `err` is empty).
  default_handler_result(error err) : kind_(kind::error), err_(std::move(err)) {} // NOLINT

  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  default_handler_result(Enum x) : kind_(kind::error), err_(x) {} // NOLINT

  /// Left in the mailbox (see skip).
  default_handler_result(skip_t) noexcept : kind_(kind::skip) {} // NOLINT

  /// Answered with `value`.
  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, default_handler_result>
             && !std::is_same_v<std::remove_cvref_t<T>, error>
             && !std::is_same_v<std::remove_cvref_t<T>, skip_t>
             && !std::is_error_code_enum_v<std::remove_cvref_t<T>>)
  default_handler_result(T&& value) // NOLINT
    : kind_(kind::value),
      value_(make_mailbox_element(nullptr, message_id{}, std::forward<T>(value))) {}

  /// The unmatched message goes back to its sender unchanged.
  static default_handler_result reflect() noexcept { return default_handler_result{}; }

  kind what() const noexcept { return kind_; }
  const error& get_error() const noexcept { return err_; }
  /// The answer of a value result (sender and id are set when it is sent).
  mailbox_element_ptr& value() noexcept { return value_; }

private:
  default_handler_result() noexcept : kind_(kind::reflect) {}

  kind kind_;
  error err_;
  mailbox_element_ptr value_;
};

/// Called with the actor and the message no handler accepted.
using default_handler = std::function<default_handler_result(scheduled_actor*, mailbox_element&)>;

/// The default: logs a warning naming the type, answers a request with
/// unexpected_message.
default_handler_result print_and_drop(scheduled_actor* self, mailbox_element& x);

/// Answers a request with unexpected_message, without a log line; an
/// asynchronous message is dropped.
default_handler_result drop(scheduled_actor* self, mailbox_element& x);

/// Sends the message back to its sender: a request gets it as its response.
default_handler_result reflect(scheduled_actor* self, mailbox_element& x);

} // namespace ringactor
