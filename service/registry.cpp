// ringactor service: the registry of services (registry.hpp).
#include "ringactor/service/registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace ringactor::service {

const message_entry* service_entry::find(std::string_view message) const noexcept {
  for (auto& m : messages)
    if (m.name == message)
      return &m;
  return nullptr;
}

const service_entry* registry::find(std::string_view id) const noexcept {
  auto i = services_.find(id);
  return i == services_.end() ? nullptr : &i->second;
}

void registry::insert(service_entry e) {
  if (e.id.empty())
    throw std::invalid_argument("service::registry: a service needs a non-empty id");
  if (!e.handle)
    throw std::invalid_argument(
      fmt::format("service::registry: service '{}': the handle is invalid", e.id));
  if (services_.count(e.id) != 0)
    throw std::invalid_argument(
      fmt::format("service::registry: a service named '{}' is registered already", e.id));
  auto id = e.id;
  services_.emplace(std::move(id), std::move(e));
}

void registry::invoke(actor_system& sys, std::string_view id, std::string_view message,
                      std::string_view input, std::chrono::milliseconds timeout,
                      outcome_callback done, std::shared_ptr<cancellation> cancel) const {
  auto doc = wire::parse_json(input, wire::default_limits, message);
  if (!doc) {
    done({doc.error(), {}});
    return;
  }
  invoke(sys, id, message, doc->root(), timeout, std::move(done), std::move(cancel));
}

namespace {

/// The service `id`'s entry for `message`, or the error invoke answers.
expected<const message_entry*> find_message(const registry& reg, std::string_view id,
                                            std::string_view message) {
  auto s = reg.find(id);
  if (s == nullptr)
    return error{sec::no_such_actor, fmt::format("no service is registered as '{}'", id)};
  auto m = s->find(message);
  if (m == nullptr) {
    std::string known;
    for (auto& x : s->messages)
      known += (known.empty() ? "" : ", ") + x.name;
    return error{
      sec::unexpected_message,
      fmt::format("service '{}' takes no message '{}' (it takes: {})", id, message, known)};
  }
  return m;
}

} // namespace

void registry::invoke(actor_system& sys, std::string_view id, std::string_view message,
                      wire::json_node input, std::chrono::milliseconds timeout,
                      outcome_callback done, std::shared_ptr<cancellation> cancel) const {
  auto m = find_message(*this, id, message);
  if (!m) {
    done({m.error(), {}});
    return;
  }
  (*m)->invoke(sys, input, timeout, std::move(done), std::move(cancel));
}

void registry::invoke_binary(actor_system& sys, std::string_view id, std::string_view message,
                             std::span<const std::byte> input, std::chrono::milliseconds timeout,
                             outcome_callback done, std::shared_ptr<cancellation> cancel) const {
  auto m = find_message(*this, id, message);
  if (!m) {
    done({m.error(), {}});
    return;
  }
  (*m)->invoke_binary(sys, input, timeout, std::move(done), std::move(cancel));
}

} // namespace ringactor::service
