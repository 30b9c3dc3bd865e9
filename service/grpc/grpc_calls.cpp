// ringactor service, gRPC front: what every call shares (grpc_calls.hpp).
#include "grpc_calls.hpp"

#include <fmt/format.h>

#include <ringactor/json_format.hpp>

#include "ringactor/service/rest_routes.hpp"
#include "../percent_decoding.hpp"
#include "../request_id.hpp"

namespace ringactor::service::detail {

namespace {

using supervision::pool_stats;

/// The address of a peer: "ipv4:127.0.0.1:5000" or "ipv6:%5B::1%5D:5000"
/// (grpc++ 1.51 writes a peer as a URI, its IPv6 brackets percent-encoded;
/// undecoded, an access log line said client=%5B::1%5D).
std::string address_of(std::string_view peer) {
  if (auto colon = peer.find(':'); colon != std::string_view::npos)
    peer.remove_prefix(colon + 1);
  auto decoded = percent_decoded(peer);
  std::string_view address{decoded};
  if (address.starts_with('[')) {
    auto end = address.find(']');
    return std::string{
      address.substr(1, end == std::string_view::npos ? address.size() - 1 : end - 1)};
  }
  return std::string{address.substr(0, address.rfind(':'))};
}

grpc::StatusCode code_of(unsigned status, std::string_view code) {
  switch (status) {
    case 400: return grpc::StatusCode::INVALID_ARGUMENT;
    case 401: return grpc::StatusCode::UNAUTHENTICATED;
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 413:
    case 429: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 422: return grpc::StatusCode::FAILED_PRECONDITION;
    case 502: return grpc::StatusCode::ABORTED;
    case 503:
      return code == "cancelled" ? grpc::StatusCode::CANCELLED : grpc::StatusCode::UNAVAILABLE;
    case 504: return grpc::StatusCode::DEADLINE_EXCEEDED;
    default: return grpc::StatusCode::INTERNAL;
  }
}

} // namespace

call_error error_of(const http_response& res) {
  call_error out;
  std::string code;
  // Every error answer of the routes' table and of the layers is
  // {"error": code, "message": text[, "field": path]}.
  if (auto doc = wire::parse_json(res.body, wire::default_limits, "error");
      doc && doc->root().type() == wire::json_type::object) {
    auto root = doc->root();
    auto text = [&](std::string_view key) {
      auto n = root.find(key);
      return n && n.type() == wire::json_type::string ? std::string{n.as_string()} : std::string{};
    };
    code = text("error");
    out.message = code.empty() ? text("message") : code + ": " + text("message");
    out.field = text("field");
  }
  if (out.message.empty())
    out.message = fmt::format("HTTP status {}", res.status);
  out.code = code_of(res.status, code);
  return out;
}

call_error error_of(const error& err) {
  return error_of(error_response(err));
}

std::shared_ptr<http_request> request_of(const grpc::CallbackServerContext& ctx, std::string path,
                                         std::shared_ptr<cancellation> cancel) {
  auto req = std::make_shared<http_request>();
  req->method = "POST";
  req->path = std::move(path);
  for (auto& [key, value] : ctx.client_metadata()) {
    std::string_view k{key.data(), key.size()};
    if (k.ends_with("-bin")) // binary metadata means nothing to a layer
      continue;
    req->headers.emplace_back(std::string{k}, std::string{value.data(), value.size()});
  }
  auto id = req->header("x-request-id");
  req->request_id = usable_request_id(id) ? std::string{id} : fresh_request_id();
  req->remote_address = address_of(ctx.peer());
  req->cancel = std::move(cancel);
  return req;
}

void behind_layers(const front_state& st, std::shared_ptr<const http_request> request,
                   chain_end handler, std::function<void(http_response)> answered) {
  auto chain = std::make_shared<const layer_chain>(layer_chain{st.layers, {}, std::move(handler)});
  responder answer{std::move(answered)};
  try {
    run_chain(std::move(chain), std::move(request), std::move(answer));
  } catch (const std::exception& e) {
    // As the HTTP session: a layer that throws is a bug; the call (whose
    // responder went with the exception, answering no_answer) learns of it.
    log_error("service: a layer of a gRPC call threw: {}", e.what());
  }
}

std::optional<std::chrono::milliseconds>
timeout_of(const front_state& st, std::chrono::system_clock::time_point deadline) {
  using namespace std::chrono;
  // grpc++ gives a call without a deadline the largest time point.
  if (deadline >= system_clock::time_point::max() - hours{24 * 365})
    return st.options.default_timeout;
  // Less than a whole millisecond left counts as passed: a request's
  // timeout is in milliseconds, and grpc core rounds a deadline up to the
  // next one (a client's grpc-timeout of 1 ns is 1 ms here), so a call
  // whose deadline had passed on the client's clock still had a fraction
  // of a millisecond left here, and went through the layers into its pool
  // only to be cancelled there.
  auto ms = duration_cast<milliseconds>(deadline - system_clock::now());
  if (ms < milliseconds{1})
    return std::nullopt;
  return std::min(ms, st.options.max_timeout);
}

void execute(const std::shared_ptr<front_state>& st, const v1::ExecuteRequest& in,
             std::chrono::milliseconds timeout, std::shared_ptr<cancellation> cancel,
             std::function<void(v1::ExecuteReply, std::optional<error>)> done) {
  v1::ExecuteReply head;
  head.set_request_id(in.request_id().empty()
                        ? std::to_string(st->next_request.fetch_add(1, std::memory_order_relaxed))
                        : in.request_id());
  head.set_kernel_id(in.kernel_id());
  const auto* s = st->reg.find(in.kernel_id());
  if (s == nullptr) {
    done(std::move(head), error{sec::no_such_actor,
                                fmt::format("no service is registered as '{}'", in.kernel_id())});
    return;
  }
  head.mutable_metadata()->set_backend(s->info.backend);
  head.mutable_metadata()->set_device(s->info.device);
  bool binary = in.payload_case() == v1::ExecuteRequest::kBinaryPayload;
  auto finish = [head = std::move(head), done = std::move(done), binary](invoke_outcome r) mutable {
    head.mutable_metadata()->set_duration_us(r.duration.count());
    head.mutable_metadata()->set_worker(r.worker);
    if (!r.output) {
      done(std::move(head), r.output.error());
      return;
    }
    if (binary)
      head.set_binary_output(std::move(*r.output));
    else
      head.set_json_output(std::move(*r.output));
    done(std::move(head), std::nullopt);
  };
  if (binary) {
    // Decoded before invoke_binary returns: `in` outlives the bytes' use.
    const auto& bytes = in.binary_payload();
    st->reg.invoke_binary(st->sys, in.kernel_id(), in.message(),
                          std::span{reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()},
                          timeout, std::move(finish), std::move(cancel));
  } else {
    st->reg.invoke(st->sys, in.kernel_id(), in.message(), std::string_view{in.json_payload()},
                   timeout, std::move(finish), std::move(cancel));
  }
}

grpc::Status parse_request(const grpc::ByteBuffer& bytes, google::protobuf::Message& out,
                           std::string_view type) {
  grpc::ByteBuffer copy{bytes}; // shares the slices; Deserialize empties what it reads
  auto parsed = grpc::SerializationTraits<google::protobuf::Message>::Deserialize(&copy, &out);
  if (parsed.ok())
    return parsed;
  return {grpc::StatusCode::INVALID_ARGUMENT,
          fmt::format("invalid_input: the request is no {} ({})", type, parsed.error_message())};
}

cancel_reason reason_of_cancel(const grpc::CallbackServerContext& ctx) {
  return ctx.deadline() <= std::chrono::system_clock::now() ? cancel_reason::timeout
                                                            : cancel_reason::disconnect;
}

void describe(const service_entry& s, const expected<pool_stats>& stats, bool workers,
              v1::KernelInfo& out) {
  out.set_id(s.id);
  out.set_backend(s.info.backend);
  out.set_device(s.info.device);
  out.set_description(s.info.description);
  for (auto& m : s.messages) {
    auto* mi = out.add_messages();
    mi->set_name(m.name);
    mi->set_output_type(m.output_type);
    mi->set_input_json(m.input_json);
    mi->set_output_json(m.output_json);
  }
  if (!stats) {
    out.set_pool_error(to_string(stats.error()));
    return;
  }
  auto* p = out.mutable_pool();
  std::uint64_t live = 0;
  std::uint64_t in_flight = 0;
  for (auto& w : stats->workers) {
    live += w.running ? 1 : 0;
    in_flight += w.in_flight;
    if (workers) {
      auto* ws = p->add_workers();
      ws->set_name(w.name);
      ws->set_running(w.running);
      ws->set_actor(w.actor);
      ws->set_in_flight(w.in_flight);
      ws->set_served(w.served);
      ws->set_starts(w.starts);
    }
  }
  p->set_size(stats->workers.size());
  p->set_live_workers(live);
  p->set_in_flight(in_flight);
  p->set_queued(stats->queued);
  p->set_served(stats->served);
  p->set_failed(stats->failed);
  p->set_unavailable(stats->unavailable);
  p->set_redispatched(stats->redispatched);
  p->set_cancelled(stats->cancelled);
  p->set_restarts(stats->restarts);
  p->set_max_in_flight_per_worker(stats->max_in_flight_per_worker);
}

} // namespace ringactor::service::detail
