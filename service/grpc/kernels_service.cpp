// ringactor service, gRPC front: the unary calls of ringactor.v1.Kernels
// (Execute, ListKernels, GetKernel) and the service that dispatches every
// call (kernels_service.hpp).
#include "kernels_service.hpp"

#include <fmt/format.h>

#include "ringactor/service/rest_routes.hpp"

namespace ringactor::service::detail {

namespace {

/// Does a unary call's work behind the layers: the work fills the reply
/// slot and answers 200, or answers an error; a layer may answer in its
/// place. The reactor finishes with whichever answer comes (once), the
/// reply serialized into the call's bytes (every method is raw:
/// kernels_service.hpp).
template <class Reply>
class unary_call final : public grpc::ServerUnaryReactor {
public:
  using work = std::function<void(const std::shared_ptr<Reply>& slot,
                                  const std::shared_ptr<cancellation>& cancel, responder answer)>;

  unary_call(front_state& st, grpc::CallbackServerContext* ctx, std::string path,
             grpc::ByteBuffer* out, work w)
    : st_(st), ctx_(ctx), cancel_(std::make_shared<cancellation>()) {
    st_.calls.fetch_add(1, std::memory_order_relaxed);
    if (st.draining.load(std::memory_order_acquire)) {
      finish({grpc::StatusCode::UNAVAILABLE, "draining: the server stops"});
      return;
    }
    // The work writes a slot of its own, not `out`: a layer (the request
    // timeout) may finish the call first, after which `out` is gone.
    auto slot = std::make_shared<Reply>();
    behind_layers(
      st, request_of(*ctx, std::move(path), cancel_),
      [slot, w = std::move(w), cancel = cancel_](const http_request&, responder answer) {
        w(slot, cancel, std::move(answer));
      },
      [this, slot, out](http_response res) {
        if (res.status == 200) {
          finish(deliver(*slot, out));
        } else {
          finish(error_of(res).status());
        }
      });
  }

  void OnCancel() override { cancel_->cancel(reason_of_cancel(*ctx_)); }

  void OnDone() override { delete this; }

private:
  /// Serializes the reply into the call's bytes.
  static grpc::Status deliver(const Reply& reply, grpc::ByteBuffer* out) {
    // Into a fresh buffer: protobuf's writer refuses one that holds bytes.
    grpc::ByteBuffer bytes;
    bool own_buffer = false;
    auto serialized = grpc::SerializationTraits<Reply>::Serialize(reply, &bytes, &own_buffer);
    out->Swap(&bytes);
    return serialized;
  }

  /// Finishes the call and counts it done (the last use of this reactor).
  /// The count drops here, on the thread that finished it, not in OnDone:
  /// so the finishing thread's last touch of the server (Finish) happens
  /// before stop() sees the count at 0 and deletes the server, in a way
  /// TSan sees too (OnDone follows Finish through gRPC core, which it
  /// does not).
  void finish(grpc::Status status) {
    auto& st = st_;
    Finish(std::move(status));
    st.calls.fetch_sub(1, std::memory_order_release);
  }

  front_state& st_;                  // outlives the server, and so every call
  grpc::CallbackServerContext* ctx_; // valid until OnDone
  std::shared_ptr<cancellation> cancel_;
};

template <class Reply>
grpc::ServerUnaryReactor* start_unary(front_state& st, grpc::CallbackServerContext* ctx,
                                      std::string path, grpc::ByteBuffer* out,
                                      typename unary_call<Reply>::work w) {
  return new unary_call<Reply>(st, ctx, std::move(path), out, std::move(w));
}

http_response ok() {
  return http_response::json(200, "{}");
}

} // namespace

kernels_service::kernels_service(std::shared_ptr<front_state> st) : st_(std::move(st)) {}

grpc::ServerUnaryReactor* kernels_service::Execute(grpc::CallbackServerContext* ctx,
                                                   const grpc::ByteBuffer* req,
                                                   grpc::ByteBuffer* res) {
  auto timeout = timeout_of(*st_, ctx->deadline());
  if (!timeout) {
    auto* r = ctx->DefaultReactor();
    r->Finish({grpc::StatusCode::DEADLINE_EXCEEDED, "the deadline passed before the call began"});
    return r;
  }
  // Its own: a layer may call on after the call ended (and `req` with it).
  auto in = std::make_shared<v1::ExecuteRequest>();
  if (auto parsed = parse_request(*req, *in, "ringactor.v1.ExecuteRequest"); !parsed.ok()) {
    auto* r = ctx->DefaultReactor();
    r->Finish(parsed);
    return r;
  }
  return start_unary<v1::ExecuteReply>(
    *st_, ctx, "/ringactor.v1.Kernels/Execute", res,
    [st = st_, in, timeout = *timeout](const std::shared_ptr<v1::ExecuteReply>& slot,
                                       const std::shared_ptr<cancellation>& cancel,
                                       responder answer) {
      auto shared = std::make_shared<responder>(std::move(answer));
      execute(st, *in, timeout, cancel,
              [slot, shared](v1::ExecuteReply reply, std::optional<error> err) {
                if (err) {
                  (*shared)(error_response(*err));
                  return;
                }
                *slot = std::move(reply);
                (*shared)(ok());
              });
    });
}

grpc::ServerUnaryReactor* kernels_service::ListKernels(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req,
                                                       grpc::ByteBuffer* res) {
  v1::ListKernelsRequest in;
  if (auto parsed = parse_request(*req, in, "ringactor.v1.ListKernelsRequest"); !parsed.ok()) {
    auto* r = ctx->DefaultReactor();
    r->Finish(parsed);
    return r;
  }
  return start_unary<v1::ListKernelsReply>(
    *st_, ctx, "/ringactor.v1.Kernels/ListKernels", res,
    [st = st_](const std::shared_ptr<v1::ListKernelsReply>& slot,
               const std::shared_ptr<cancellation>&, responder answer) {
      std::vector<const service_entry*> entries;
      std::vector<actor> pools;
      for (auto& [id, s] : st->reg.services()) {
        entries.push_back(&s);
        pools.push_back(s.handle);
      }
      auto shared = std::make_shared<responder>(std::move(answer));
      gather_stats(st->sys, std::move(pools), st->options.stats_timeout,
                   [slot, shared, entries = std::move(entries)](
                     std::vector<expected<supervision::pool_stats>> stats) {
                     for (std::size_t i = 0; i < entries.size(); ++i)
                       describe(*entries[i], stats[i], false, *slot->add_kernels());
                     (*shared)(ok());
                   });
    });
}

grpc::ServerUnaryReactor* kernels_service::GetKernel(grpc::CallbackServerContext* ctx,
                                                     const grpc::ByteBuffer* req,
                                                     grpc::ByteBuffer* res) {
  v1::GetKernelRequest in;
  if (auto parsed = parse_request(*req, in, "ringactor.v1.GetKernelRequest"); !parsed.ok()) {
    auto* r = ctx->DefaultReactor();
    r->Finish(parsed);
    return r;
  }
  return start_unary<v1::KernelInfo>(
    *st_, ctx, "/ringactor.v1.Kernels/GetKernel", res,
    [st = st_, id = in.kernel_id()](const std::shared_ptr<v1::KernelInfo>& slot,
                                    const std::shared_ptr<cancellation>&, responder answer) {
      const auto* s = st->reg.find(id);
      if (s == nullptr) {
        answer(error_response(error{sec::no_such_actor,
                                    fmt::format("no service is registered as '{}'", id)}));
        return;
      }
      auto shared = std::make_shared<responder>(std::move(answer));
      gather_stats(st->sys, {s->handle}, st->options.stats_timeout,
                   [slot, shared, s](std::vector<expected<supervision::pool_stats>> stats) {
                     describe(*s, stats[0], true, *slot);
                     (*shared)(ok());
                   });
    });
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
kernels_service::ExecuteStream(grpc::CallbackServerContext* ctx) {
  return start_execute_stream(st_, ctx);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>*
kernels_service::Subscribe(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  return start_subscribe(st_, ctx, req);
}

} // namespace ringactor::service::detail
