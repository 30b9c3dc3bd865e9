#include "ringactor/k2k/error.hpp"
#include "ringactor/wire_error.hpp"

#include <string>

#include <fmt/format.h>

namespace ringactor::k2k {

namespace {

class k2k_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "k2k"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::none: return "no error";
      case errc::clock_skew:
        return "a remote clock stamp is further ahead of local time than the allowed skew";
      case errc::invalid_timestamp:
        return "a clock stamp is out of range or its binary form is malformed";
      case errc::unregistered_type:
        return "the message type is not registered as routable (RINGACTOR_K2K_ROUTABLE)";
      case errc::duplicate_endpoint:
        return "an endpoint is already registered under this kernel id";
      case errc::unknown_endpoint: return "no endpoint is registered under this kernel id";
      case errc::invalid_endpoint: return "the endpoint handle is invalid";
      case errc::unknown_route: return "no route exists for this destination";
      case errc::unknown_receipt:
        return "no receipt for this message id is retained (never seen, or evicted)";
      case errc::empty_message: return "the send carries no message";
      case errc::max_hops_exceeded:
        return "the message would pass more brokers than the hop limit allows";
    }
    return fmt::format("unknown k2k code {}", code);
  }
};

} // namespace

const std::error_category& k2k_category() noexcept {
  static const k2k_category_impl instance;
  return instance;
}

namespace {
// A decoded error of this category finds it by name (ringactor/wire_error.hpp).
[[maybe_unused]] const bool k2k_category_registered = ::ringactor::wire::register_error_category(
  k2k_category());
} // namespace

} // namespace ringactor::k2k
