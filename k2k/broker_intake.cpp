// ringactor k2k: how a broker takes messages in: sends (send_msg), kernels'
// routed sends and envelopes from other brokers, each stamped by the
// broker's clock (the receive rule) and checked before it is routed.

#include "broker_state.hpp"

#include <fmt/format.h>

#include "ringactor/k2k/type_registry.hpp"

namespace ringactor::k2k::detail {

namespace {

/// `now + timeout`, or time_point::max() (never) where that is beyond the
/// clock's range: a timeout of `infinite` must not wrap into the past.
steady::time_point deadline_after(steady::time_point now, std::chrono::nanoseconds timeout) {
  if (timeout >= steady::time_point::max() - now)
    return steady::time_point::max();
  return now + std::chrono::duration_cast<steady::duration>(timeout);
}

} // namespace

/// Why a message may not be taken in (empty, or of an unregistered type;
/// counted), or no error. Sends and envelopes alike: any actor may send
/// either, and an empty message would be dereferenced at delivery.
error broker_state::refusal(const dynamic_message& message, const std::string& destination) {
  if (!message) {
    ++refused_sends_;
    return error{errc::empty_message, destination};
  }
  if (auto type = type_registry::global().require(message.type()); !type) {
    ++refused_sends_;
    return type.error();
  }
  return {};
}

result<receipt> broker_state::on_send(send_msg& x) {
  if (auto err = refusal(x.message, x.destination))
    return err;
  ++accepted_;
  envelope env;
  env.id = clock_->tick();
  env.stamp = env.id;
  env.destination = std::move(x.destination);
  env.priority = x.priority;
  env.policy = x.policy;
  env.hops = 0;
  env.deadline = deadline_after(steady::now(), cfg_.delivery_timeout);
  env.reply_to = self_->make_response_promise<receipt>();
  env.trace = self_->current_trace();
  env.message = std::move(x.message);
  auto rp = env.reply_to;
  route(std::move(env));
  return rp;
}

/// A kernel's send to a destination behind one of our routes (see
/// "Device channels" in broker.hpp).
void broker_state::on_kernel_routed(kernel_routed_message& x) {
  ++accepted_;
  ++kernel_routed_;
  envelope env;
  // The receive rule first: the message's id comes after the kernel's send.
  auto merged = clock_->update(x.stamp);
  env.id = merged ? *merged : clock_->tick();
  env.stamp = env.id;
  env.priority = priority::normal;
  env.policy = receipt_policy::final_outcome;
  env.hops = 0;
  env.deadline = deadline_after(steady::now(), cfg_.delivery_timeout);
  env.trace = self_->current_trace();
  env.message = std::move(x.content);
  auto name = routes_.name_of(x.destination, endpoints_);
  env.destination = name != nullptr ? *name : fmt::format("k2k:{:016x}", x.destination);
  if (name == nullptr) {
    // The route went away after the kernel looked it up.
    finish(env, delivery_status::not_found,
           error{errc::unknown_endpoint,
                 fmt::format("a kernel sent to K2K address {:#x}, which no endpoint and no "
                             "route has",
                             x.destination)});
    return;
  }
  if (auto type = type_registry::global().require(env.message.type()); !type) {
    finish(env, delivery_status::rejected, type.error());
    return;
  }
  if (!merged) {
    finish(env, delivery_status::rejected, merged.error());
    return;
  }
  route(std::move(env));
}

result<void> broker_state::on_envelope(envelope& env) {
  // The refusal answers the forwarding broker, which turns it into the
  // sender's receipt.
  if (auto err = refusal(env.message, env.destination))
    return err;
  ++accepted_;
  auto merged = clock_->update(env.stamp);
  if (!merged) {
    finish(env, delivery_status::rejected, merged.error());
    return {};
  }
  env.stamp = *merged;
  if (env.hops > cfg_.max_hops) {
    finish(env, delivery_status::max_hops_exceeded,
           error{errc::max_hops_exceeded,
                 fmt::format("arrived after {} hops, the limit is {}", env.hops, cfg_.max_hops)});
    return {};
  }
  route(std::move(env));
  return {};
}

} // namespace ringactor::k2k::detail
