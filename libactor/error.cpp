#include "ringactor/error.hpp"

#include <fmt/format.h>

namespace ringactor {

namespace {

class sec_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "sec"; }
  std::string message(int code) const override {
    switch (static_cast<sec>(code)) {
      case sec::none: return "no error";
      case sec::request_timeout: return "the request timed out before a response arrived";
      case sec::dead_receiver: return "the receiver is dead or died before replying";
      case sec::unexpected_message: return "the receiver has no handler for this message";
      case sec::unexpected_response: return "the response has another type than expected";
      case sec::broken_promise: return "the receiver dropped its response promise";
      case sec::invalid_argument: return "an argument was invalid";
      case sec::message_too_large: return "the message is too large for its destination";
      case sec::not_trivially_copyable:
        return "the message is not trivially copyable and cannot enter device memory";
      case sec::queue_full: return "a bounded queue is full";
      case sec::runtime_error: return "an internal runtime error occurred";
      case sec::no_such_actor: return "no actor is registered under this name";
      case sec::interface_mismatch: return "the actor's interface differs from the one asked for";
    }
    return fmt::format("unknown sec code {}", code);
  }
};

class exit_reason_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "exit_reason"; }
  std::string message(int code) const override {
    switch (static_cast<exit_reason>(code)) {
      case exit_reason::normal: return "normal exit";
      case exit_reason::unhandled_exception: return "a handler threw an exception";
      case exit_reason::unknown: return "unknown exit reason";
      case exit_reason::user_shutdown: return "shut down by the user or the actor system";
      case exit_reason::kill: return "killed";
      case exit_reason::unreachable: return "no handle to the actor remained";
    }
    return fmt::format("unknown exit_reason code {}", code);
  }
};

} // namespace

const std::error_category& sec_category() noexcept {
  static const sec_category_impl instance;
  return instance;
}

const std::error_category& exit_reason_category() noexcept {
  static const exit_reason_category_impl instance;
  return instance;
}

std::string to_string(const error& x) {
  if (!x)
    return "none";
  auto ctx = x.context();
  if (ctx.empty())
    return fmt::format("{}: {}", x.category_name(), x.message());
  return fmt::format("{}: {} ({})", x.category_name(), x.message(), ctx);
}

} // namespace ringactor
