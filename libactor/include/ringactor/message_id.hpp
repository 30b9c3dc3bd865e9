// ringactor: the id a message carries: request / response / urgent flags
// plus a request number that correlates a response with its request.
#pragma once

#include <cstdint>

namespace ringactor {

class message_id {
public:
  static constexpr uint64_t response_flag = uint64_t{1} << 63;
  static constexpr uint64_t request_flag = uint64_t{1} << 62;
  /// System messages (exit, down, kill, timeouts) overtake normal ones.
  static constexpr uint64_t urgent_flag = uint64_t{1} << 61;
  static constexpr uint64_t number_mask = urgent_flag - 1;

  constexpr message_id() noexcept = default;
  constexpr explicit message_id(uint64_t value) noexcept : value_(value) {}

  static constexpr message_id make_request(uint64_t number) noexcept {
    return message_id{request_flag | (number & number_mask)};
  }
  static constexpr message_id urgent() noexcept { return message_id{urgent_flag}; }

  constexpr bool is_request() const noexcept { return (value_ & request_flag) != 0; }
  constexpr bool is_response() const noexcept { return (value_ & response_flag) != 0; }
  constexpr bool is_urgent() const noexcept { return (value_ & urgent_flag) != 0; }
  constexpr bool is_async() const noexcept {
    return (value_ & (request_flag | response_flag)) == 0;
  }
  /// A request that a promise or a delegation took over (mark_answered()):
  /// its number stays, its request flag is gone. Plain asynchronous
  /// messages carry number 0.
  constexpr bool is_answered_request() const noexcept { return is_async() && number() != 0; }
  constexpr uint64_t number() const noexcept { return value_ & number_mask; }
  constexpr uint64_t integer_value() const noexcept { return value_; }

  /// The id of the response to this request.
  constexpr message_id response_id() const noexcept {
    return message_id{response_flag | (value_ & number_mask)};
  }

  /// Marks a request as answered (by a promise or a delegation): the
  /// handler's own return value is then not sent.
  constexpr void mark_answered() noexcept { value_ &= ~request_flag; }

  friend constexpr bool operator==(message_id, message_id) noexcept = default;

private:
  uint64_t value_ = 0;
};

} // namespace ringactor
