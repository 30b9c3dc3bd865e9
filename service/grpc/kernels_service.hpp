// ringactor service, gRPC front: ringactor.v1.Kernels on grpc++'s callback
// API. Each method starts a reactor (a call's state, deleted when grpc++
// is done with it) and returns at once: the work goes to actors.
#pragma once

#include <memory>

#include "grpc_calls.hpp"

namespace ringactor::service::detail {

/// Every method is raw (byte buffers its reactor parses): grpc++ 1.51
/// answers a unary or server-streaming request that does not parse
/// UNIMPLEMENTED with no message, and its typed reader takes a stream's
/// message that does not parse for the end of the client's writes (which
/// ended the stream OK with the requests after it unread). Parsed here, a
/// malformed request is INVALID_ARGUMENT naming the message type.
using kernels_callback_service = v1::Kernels::WithRawCallbackMethod_Execute<
  v1::Kernels::WithRawCallbackMethod_ExecuteStream<
    v1::Kernels::WithRawCallbackMethod_Subscribe<v1::Kernels::WithRawCallbackMethod_ListKernels<
      v1::Kernels::WithRawCallbackMethod_GetKernel<v1::Kernels::Service>>>>>;

class kernels_service final : public kernels_callback_service {
public:
  explicit kernels_service(std::shared_ptr<front_state> st);

  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                    grpc::ByteBuffer* res) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
  ExecuteStream(grpc::CallbackServerContext* ctx) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* req) override;
  grpc::ServerUnaryReactor* ListKernels(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* res) override;
  grpc::ServerUnaryReactor* GetKernel(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                      grpc::ByteBuffer* res) override;

private:
  std::shared_ptr<front_state> st_;
};

} // namespace ringactor::service::detail
