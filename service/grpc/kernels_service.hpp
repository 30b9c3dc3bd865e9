// ringactor service, gRPC front: ringactor.v1.Kernels on grpc++'s callback
// API. Each method starts a reactor (a call's state, deleted when grpc++
// is done with it) and returns at once: the work goes to actors.
#pragma once

#include <memory>

#include "grpc_calls.hpp"

namespace ringactor::service::detail {

/// ExecuteStream is a raw method (byte buffers its reactor parses): grpc++'s
/// typed reader takes a message that does not parse for the end of the
/// client's writes, which would end the stream OK with the requests after
/// it unread (execute_stream.cpp).
using kernels_callback_service = v1::Kernels::WithCallbackMethod_Execute<
  v1::Kernels::WithRawCallbackMethod_ExecuteStream<
    v1::Kernels::WithCallbackMethod_Subscribe<v1::Kernels::WithCallbackMethod_ListKernels<
      v1::Kernels::WithCallbackMethod_GetKernel<v1::Kernels::Service>>>>>;

class kernels_service final : public kernels_callback_service {
public:
  explicit kernels_service(std::shared_ptr<front_state> st);

  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* ctx, const v1::ExecuteRequest* req,
                                    v1::ExecuteReply* res) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
  ExecuteStream(grpc::CallbackServerContext* ctx) override;
  grpc::ServerWriteReactor<v1::TopicEvent>* Subscribe(grpc::CallbackServerContext* ctx,
                                                      const v1::SubscribeRequest* req) override;
  grpc::ServerUnaryReactor* ListKernels(grpc::CallbackServerContext* ctx,
                                        const v1::ListKernelsRequest* req,
                                        v1::ListKernelsReply* res) override;
  grpc::ServerUnaryReactor* GetKernel(grpc::CallbackServerContext* ctx,
                                      const v1::GetKernelRequest* req,
                                      v1::KernelInfo* res) override;

private:
  std::shared_ptr<front_state> st_;
};

} // namespace ringactor::service::detail
