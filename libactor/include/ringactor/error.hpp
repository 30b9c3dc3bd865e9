// ringactor: error values on messaging paths.
//
// An `error` is a std::error_code (code + category) plus an optional context
// string. Categories are open: libactor defines `sec` (system error codes) and
// `exit_reason`; upper layers (gpu_actors, supervision) add their own enums.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace ringactor {

/// System error codes: what went wrong with a message, as seen by its sender.
enum class sec : int {
  none = 0,
  request_timeout = 1,    ///< no response arrived before the request's timeout
  dead_receiver,          ///< the receiver is gone, or exited normally before replying
                          ///< (one that exits abnormally answers with its exit reason)
  unexpected_message,     ///< the receiver has no handler for the message
  unexpected_response,    ///< a response had another type than the request expected
  broken_promise,         ///< a response promise was dropped without a response
  invalid_argument,       ///< an argument was rejected (bad config, bad size)
  message_too_large,      ///< the message does not fit where it has to go
  not_trivially_copyable, ///< the message cannot cross into device memory
  queue_full,             ///< a bounded queue had no room
  runtime_error,          ///< an unexpected internal failure (see context)
  no_such_actor,          ///< no actor is registered under the name asked for
  interface_mismatch,     ///< the actor has another interface than the one asked for
};

/// Why an actor ended. `normal` is the only non-error reason.
enum class exit_reason : int {
  normal = 0,          ///< the actor quit by itself
  unhandled_exception, ///< a handler threw
  unknown,             ///< no reason was recorded
  user_shutdown,       ///< the actor system (or a user) asked it to stop
  kill,                ///< killed; cannot be trapped
  unreachable,         ///< no handle to it remains
};

const std::error_category& sec_category() noexcept;
const std::error_category& exit_reason_category() noexcept;

inline std::error_code make_error_code(sec x) noexcept {
  return {static_cast<int>(x), sec_category()};
}

inline std::error_code make_error_code(exit_reason x) noexcept {
  return {static_cast<int>(x), exit_reason_category()};
}

} // namespace ringactor

template <>
struct std::is_error_code_enum<ringactor::sec> : std::true_type {};
template <>
struct std::is_error_code_enum<ringactor::exit_reason> : std::true_type {};

namespace ringactor {

/// An error value: a code from some category, optionally with context.
/// A default-constructed error means "no error".
///
///   error e = sec::request_timeout;
///   if (e == sec::request_timeout) ...
class error {
public:
  error() noexcept = default;

  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  error(Enum x) noexcept : error(make_error_code(x)) {} // NOLINT: implicit by design

  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  error(Enum x, std::string context) : error(make_error_code(x), std::move(context)) {}

  explicit error(std::error_code code) noexcept
    : value_(code.value()), category_(code ? &code.category() : nullptr) {}

  /// A code of any category with context (what a decoded error is built from).
  error(std::error_code code, std::string context) : error(code) {
    if (!context.empty())
      context_ = std::make_shared<const std::string>(std::move(context));
  }

  /// True if this holds an error (any non-zero code).
  explicit operator bool() const noexcept { return category_ != nullptr; }

  /// The code; a default std::error_code (0, system category) for no error.
  std::error_code code() const noexcept {
    return category_ ? std::error_code{value_, *category_} : std::error_code{};
  }
  std::string_view category_name() const noexcept { return code().category().name(); }
  std::string message() const { return code().message(); }
  std::string_view context() const noexcept {
    return context_ ? std::string_view{*context_} : std::string_view{};
  }

  friend bool operator==(const error& x, const error& y) noexcept {
    return x.value_ == y.value_ && x.category_ == y.category_;
  }

  /// A zero code of any enum (sec::none, exit_reason::normal) equals no error.
  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  friend bool operator==(const error& x, Enum y) noexcept {
    auto c = make_error_code(y);
    return c ? x.value_ == c.value() && x.category_ == &c.category() : !x;
  }

private:
  // The code as value and category, the category null for no error: a
  // default error (every successful expected<void>) is two stores, where a
  // std::error_code member would call std::system_category() out of line.
  int value_ = 0;
  const std::error_category* category_ = nullptr;
  std::shared_ptr<const std::string> context_;
};

/// "category: message (context)".
std::string to_string(const error& x);

} // namespace ringactor

template <>
struct fmt::formatter<ringactor::error> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ringactor::error& x, FormatContext& ctx) const {
    auto str = ringactor::to_string(x);
    return fmt::formatter<std::string_view>::format(str, ctx);
  }
};
