// ringactor service: the services a server offers, by name, each with its
// typed interface. An application registers an actor (a pool of kernels or
// of host actors, or a single actor: the same typed handle) and the REST
// routes (rest_routes.hpp) then call it with JSON:
//
//   struct add { std::int32_t a, b; };               // with inspect() and
//   RINGACTOR_TYPE(add, "calc.add")                  // a stable wire name
//   using calculator = typed_actor<result<std::int32_t>(add)>;
//
//   service::registry reg;
//   reg.add<calculator>("calc", sys.spawn(pool_of_calculators),
//                       {.backend = "cpu", .device = "host threads"});
//   reg.invoke(sys, "calc", "calc.add", R"({"a":1,"b":2})", 500ms,
//              [](service::invoke_outcome r) { ... });   // r.output == "3"
//
// Each message type M of the interface must have a stable name
// (RINGACTOR_TYPE) and, like its reply type R, a JSON form (inspect(), or a
// plain field type such as std::int32_t): anything else fails to compile,
// naming the type. Per M the registry keeps an invoker: JSON -> M (the wire
// decoder; a bad input is a wire error naming the field path) -> a request
// to the service's actor with a timeout (a callback_request: no actor is
// spawned and no thread waits) -> R -> JSON. The outcome callback runs on
// the thread that completes the request: the one that delivers the reply
// (an actor's worker, a kernel's completion thread), the system's timer
// thread for a timeout, or the calling thread (input that does not decode,
// an invalid handle). It must not block.
//
// A call may carry a cancellation (cancellation.hpp; the REST routes pass
// the HTTP request's): when it fires, or when the call's own timeout
// passes, the service's actor gets a cancel_request for it
// from the request's requester, so a pool drops a queued request and the
// reply of a running one (pool_stats.hpp). An actor that is no pool drops
// the cancel_request (an unexpected message, logged).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/actor_cast.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/anon_send.hpp>
#include <ringactor/callback_request.hpp>
#include <ringactor/scheduled_actor.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/binary_format.hpp>
#include <ringactor/json_format.hpp>
#include <ringactor/schema.hpp>
#include <ringactor/typed_actor.hpp>

#include <ringactor/supervision/pool_stats.hpp>

#include "ringactor/service/cancellation.hpp"
#include "ringactor/service/type_description.hpp"

namespace ringactor::service {

/// What a service says about where it runs (shown by GET /kernels).
struct service_info {
  std::string backend = "host"; ///< "cpu" or "cuda" for kernels, "host" for host actors
  std::string device;           ///< e.g. "cuda:0"; empty if none applies
  std::string description;
};

/// The outcome of one call: the reply as JSON text (or, for invoke_binary,
/// its bytes), or the error, and how long the actor took.
struct invoke_outcome {
  expected<std::string> output;
  std::chrono::microseconds duration{0};
  /// The actor that answered: for a pool the worker that did the work (its
  /// actor id, as GET /kernels/{id} lists the workers), else the service's
  /// own actor; 0 for an error.
  std::uint64_t worker = 0;
};

using outcome_callback = std::function<void(invoke_outcome)>;

/// One message type a service accepts.
struct message_entry {
  std::string name;        ///< M's wire name, e.g. "calc.add"
  std::string output_type; ///< R's wire name or field type, e.g. "i32"
  std::string input_json;  ///< describe<M>() as JSON
  std::string output_json; ///< describe<R>() as JSON
  /// Decodes the JSON input (a node of a parsed document, read before
  /// invoke returns) and requests the reply within the timeout; the
  /// cancellation (may be null) cancels the request in the service's actor.
  std::function<void(actor_system&, wire::json_node, std::chrono::milliseconds, outcome_callback,
                     std::shared_ptr<cancellation>)>
    invoke;
  /// As invoke, with the input in the binary wire format (from_bytes; a bad
  /// input is a wire error naming the field path) and the reply's bytes
  /// (to_bytes; empty for void) as the outcome's output.
  std::function<void(actor_system&, std::span<const std::byte>, std::chrono::milliseconds,
                     outcome_callback, std::shared_ptr<cancellation>)>
    invoke_binary;
};

/// One registered service.
struct service_entry {
  std::string id;
  actor handle; ///< the untyped handle (for statistics)
  service_info info;
  std::vector<message_entry> messages;

  const message_entry* find(std::string_view message) const noexcept;
};

namespace detail {

template <class T>
constexpr bool check_service_type() {
  static_assert(wire::field_type<T>,
                "ringactor service: a message or reply type of a registered service needs a JSON "
                "form: give the type named in 'check_service_type<Type>' an inspect() function");
  return true;
}

template <class M>
constexpr bool check_service_message() {
  static_assert(ringactor::wire::detail::has_stable_name<M>,
                "ringactor service: a message type of a registered service needs a stable wire "
                "name: add RINGACTOR_TYPE(Type, \"pkg.name\") for the type named in "
                "'check_service_message<Type>'");
  return check_service_type<M>();
}

/// What a call's error path needs of its ticket: a request that timed out
/// is cancelled in the service's actor (a pool may still hold it). The
/// timeout may come before the caller stored the ticket; then storing it
/// sends the cancel_request.
class call_state {
public:
  void set_ticket(request_ticket t, const actor& target) {
    std::unique_lock guard{mtx_};
    ticket_ = std::move(t);
    if (timed_out_) {
      guard.unlock();
      cancel_in(target);
    }
  }
  void timed_out(const actor& target) {
    std::unique_lock guard{mtx_};
    timed_out_ = true;
    if (ticket_) {
      guard.unlock();
      cancel_in(target);
    }
  }

private:
  void cancel_in(const actor& target) {
    std::lock_guard guard{mtx_};
    ticket_.send_as_requester(target, cancel_request{ticket_.id()});
  }

  std::mutex mtx_;
  request_ticket ticket_;
  bool timed_out_ = false;
};

/// The JSON text of a reply (null for void).
template <class R>
expected<std::string> reply_json(R& x) {
  return to_json(x);
}

/// The reply in the binary wire format, as a byte string (empty for void).
template <class R>
expected<std::string> reply_bytes(R& x) {
  auto bytes = to_bytes(x);
  if (!bytes)
    return bytes.error();
  return std::string{reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

/// Requests `msg`'s reply from `handle` within `timeout`; `encode` turns
/// the reply into the outcome's text (JSON or bytes). See registry's notes
/// on cancellation.
template <class Interface, class M, class R, class Encode>
void call(const Interface& handle, actor_system& sys, M msg, std::chrono::milliseconds timeout,
          outcome_callback done, std::shared_ptr<cancellation> cancel, Encode encode,
          std::string void_output) {
  auto start = std::chrono::steady_clock::now();
  auto since = [start] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                                 - start);
  };
  // The pool matches a cancel_request by the request's id and its
  // requester (the ticket's), so only this call can cancel it. A timeout
  // may fire before the ticket is stored: the state says so.
  auto state = std::make_shared<call_state>();
  auto target = actor_cast<actor>(handle);
  auto fail = [done, since, state, target](const error& err) {
    if (err == sec::request_timeout) // the pool may still hold it
      state->timed_out(target);
    done({err, since()});
  };
  request_ticket ticket;
  if constexpr (std::is_void_v<R>)
    ticket = callback_request(
      sys, handle, timeout, std::move(msg),
      [done, since, out = std::move(void_output)](const strong_actor_ptr& by) {
        done({out, since(), by ? by->id() : 0});
      },
      std::move(fail));
  else
    ticket = callback_request(
      sys, handle, timeout, std::move(msg),
      [done, since, encode](R& x, const strong_actor_ptr& by) {
        auto d = since();
        done({encode(x), d, by ? by->id() : 0});
      },
      std::move(fail));
  state->set_ticket(ticket, target);
  // The caller has gone: the pool answers the request with
  // request_cancelled (done gets it) or, for a request a worker holds,
  // answers now and drops the worker's reply.
  if (cancel && !ticket.done())
    cancel->on_cancel([ticket, target](cancel_reason) {
      if (!ticket.done())
        ticket.send_as_requester(target, cancel_request{ticket.id()});
    });
}

template <class Interface, class M, class R>
message_entry make_entry(const Interface& handle) {
  static_assert(check_service_message<M>());
  if constexpr (!std::is_void_v<R>)
    static_assert(check_service_type<R>());
  message_entry e;
  e.name = std::string{wire::wire_name_of<M>()};
  e.output_type = type_name<R>();
  e.input_json = description_json<M>();
  e.output_json = description_json<R>();
  e.invoke = [handle](actor_system& sys, wire::json_node input, std::chrono::milliseconds timeout,
                      outcome_callback done, std::shared_ptr<cancellation> cancel) {
    M msg{};
    wire::json_reader reader(input, wire::default_limits, wire::wire_name_of<M>());
    if (!reader.value(msg)) {
      done({reader.get_error(), {}});
      return;
    }
    call<Interface, M, R>(
      handle, sys, std::move(msg), timeout, std::move(done), std::move(cancel),
      [](auto& x) { return reply_json(x); }, "null");
  };
  e.invoke_binary = [handle](actor_system& sys, std::span<const std::byte> input,
                             std::chrono::milliseconds timeout, outcome_callback done,
                             std::shared_ptr<cancellation> cancel) {
    M msg{};
    if (auto r = from_bytes(input, msg); !r) {
      done({r.error(), {}});
      return;
    }
    call<Interface, M, R>(
      handle, sys, std::move(msg), timeout, std::move(done), std::move(cancel),
      [](auto& x) { return reply_bytes(x); }, "");
  };
  return e;
}

template <class Interface, class... Sigs>
std::vector<message_entry> make_entries(const Interface& handle, type_list<Sigs...>) {
  return {make_entry<Interface, typename ringactor::detail::signature_trait<Sigs>::message_type,
                     typename ringactor::detail::signature_trait<Sigs>::response_type>(handle)...};
}

} // namespace detail

class registry {
public:
  /// Registers `handle` (a typed actor: a pool or a single actor) under
  /// `id` with every message type of Interface. Throws
  /// std::invalid_argument for an empty or taken id or an invalid handle
  /// (registration is configuration).
  template <class Interface>
  void add(std::string id, const Interface& handle, service_info info = {}) {
    service_entry e;
    e.id = std::move(id);
    e.handle = actor_cast<actor>(handle);
    e.info = std::move(info);
    e.messages = detail::make_entries(handle, typename Interface::signatures{});
    insert(std::move(e));
  }

  /// The service `id`, or null.
  const service_entry* find(std::string_view id) const noexcept;

  /// Every service, by id.
  const std::map<std::string, service_entry, std::less<>>& services() const noexcept {
    return services_;
  }

  /// Calls `message` of service `id` with the JSON `input`: `done` gets the
  /// reply's JSON, or an error: sec::no_such_actor (no such service),
  /// sec::unexpected_message (no such message type), a wire error (input),
  /// or what the request yields (request_timeout, the pool's errors).
  /// When `cancel` fires, or `timeout` passes, the request is cancelled in
  /// the service's actor (cancel_request; see above).
  void invoke(actor_system& sys, std::string_view id, std::string_view message,
              wire::json_node input, std::chrono::milliseconds timeout, outcome_callback done,
              std::shared_ptr<cancellation> cancel = nullptr) const;

  /// invoke() with the input as JSON text (a text that does not parse is a
  /// wire error).
  void invoke(actor_system& sys, std::string_view id, std::string_view message,
              std::string_view input, std::chrono::milliseconds timeout, outcome_callback done,
              std::shared_ptr<cancellation> cancel = nullptr) const;

  /// invoke() with the input in the binary wire format (binary_format.hpp):
  /// `done` gets the reply's bytes. The same errors, a wire error for bytes
  /// that do not decode.
  void invoke_binary(actor_system& sys, std::string_view id, std::string_view message,
                     std::span<const std::byte> input, std::chrono::milliseconds timeout,
                     outcome_callback done, std::shared_ptr<cancellation> cancel = nullptr) const;

private:
  void insert(service_entry e);

  std::map<std::string, service_entry, std::less<>> services_;
};

} // namespace ringactor::service
