// ringactor service, gRPC front: ringactor.v1.Kernels on grpc++'s callback
// API. Each method starts a reactor (a call's state, deleted when grpc++
// is done with it) and returns at once: the work goes to actors.
#pragma once

#include <memory>

#include "grpc_calls.hpp"

namespace ringactor::service::detail {

class kernels_service final : public v1::Kernels::CallbackService {
public:
  explicit kernels_service(std::shared_ptr<front_state> st);

  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* ctx, const v1::ExecuteRequest* req,
                                    v1::ExecuteReply* res) override;
  grpc::ServerBidiReactor<v1::ExecuteRequest, v1::ExecuteReply>*
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
