// ringactor service, gRPC front: the server, its health service and its
// lifecycle (grpc_front.hpp).
#include "ringactor/service/grpc_front.hpp"

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <ringactor/logger.hpp>

#include "kernels_service.hpp"

namespace ringactor::service {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

} // namespace

struct grpc_front::impl {
  std::shared_ptr<detail::front_state> st;
  std::unique_ptr<detail::kernels_service> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool tls = false;

  // The health thread: reads readiness every health_interval and sets
  // the statuses that changed. stop_ and the condition variable end it.
  std::thread health_thread;
  std::mutex mtx;
  std::condition_variable cv;
  bool stop_health = false; // guarded by mtx
  bool stopped = false;     // guarded by mtx
  bool drained = false;     // guarded by mtx

  /// Every service's status now: "" (the server: ready), the Kernels
  /// service, and each kernel id (its pool's readiness component).
  std::map<std::string, bool> statuses() const {
    auto report = st->sys.health().readiness();
    std::map<std::string, bool> out;
    out[""] = report.ok;
    out["ringactor.v1.Kernels"] = true;
    for (auto& [id, s] : st->reg.services()) {
      const auto* c = report.find("pool." + id);
      out[id] = c == nullptr || c->ok;
    }
    return out;
  }

  void watch_health() {
    auto* health = server->GetHealthCheckService();
    std::map<std::string, bool> last;
    std::unique_lock guard{mtx};
    while (!stop_health) {
      guard.unlock();
      for (auto& [name, serving] : statuses()) {
        auto i = last.find(name);
        if (i == last.end() || i->second != serving) {
          // After begin_drain the health service ignores this (Shutdown).
          health->SetServingStatus(name, serving);
          last[name] = serving;
        }
      }
      guard.lock();
      cv.wait_for(guard, st->options.health_interval, [this] { return stop_health; });
    }
  }
};

grpc_front::grpc_front(actor_system& sys, const registry& reg, grpc_options options,
                       std::shared_ptr<const std::vector<layer>> layers)
  : impl_(std::make_shared<impl>()) {
  if (!layers)
    layers = std::make_shared<const std::vector<layer>>();
  impl_->st = std::make_shared<detail::front_state>(sys, reg, std::move(options),
                                                    std::move(layers));
}

grpc_front::~grpc_front() {
  stop();
}

expected<void> grpc_front::start() {
  auto& o = impl_->st->options;
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    return error{sec::invalid_argument,
                 "grpc: TLS needs both grpc.tls_cert_file and grpc.tls_key_file (or neither)"};
  if (!o.tls_cert_file.empty()) {
    auto cert = read_file(o.tls_cert_file);
    if (!cert)
      return error{sec::invalid_argument,
                   fmt::format("grpc.tls_cert_file: cannot read '{}'", o.tls_cert_file)};
    auto key = read_file(o.tls_key_file);
    if (!key)
      return error{sec::invalid_argument,
                   fmt::format("grpc.tls_key_file: cannot read '{}'", o.tls_key_file)};
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({std::move(*key), std::move(*cert)});
    creds = grpc::SslServerCredentials(ssl);
    impl_->tls = true;
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  // Both are process-wide switches that apply to servers built after them.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  impl_->service = std::make_unique<detail::kernels_service>(impl_->st);
  auto target = o.address.find(':') == std::string::npos
                  ? fmt::format("{}:{}", o.address, o.port)
                  : fmt::format("[{}]:{}", o.address, o.port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(target, creds, &impl_->port);
  builder.RegisterService(impl_->service.get());
  auto limit = static_cast<int>(std::min<std::size_t>(o.max_message_bytes, INT32_MAX));
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  // No retries of a port in use by another process (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || impl_->port == 0) {
    impl_->server.reset();
    return error{sec::runtime_error, fmt::format("grpc: cannot listen on {}", target)};
  }
  impl_->health_thread = std::thread{[i = impl_] { i->watch_health(); }};
  return {};
}

std::string grpc_front::url() const {
  auto& a = impl_->st->options.address;
  auto host = a.find(':') == std::string::npos ? a : "[" + a + "]";
  return fmt::format("{}://{}:{}", impl_->tls ? "grpcs" : "grpc", host, impl_->port);
}

std::uint16_t grpc_front::port() const noexcept {
  return static_cast<std::uint16_t>(impl_->port);
}

void grpc_front::begin_drain() {
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->drained || !impl_->server)
      return;
    impl_->drained = true;
  }
  impl_->st->draining.store(true, std::memory_order_release);
  // Every status NOT_SERVING, Watch streams told so; later updates ignored.
  if (auto* health = impl_->server->GetHealthCheckService())
    health->Shutdown();
}

void grpc_front::stop() {
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped || !impl_->server)
      return;
  }
  begin_drain();
  {
    std::lock_guard guard{impl_->mtx};
    impl_->stopped = true;
    impl_->stop_health = true;
  }
  impl_->cv.notify_all();
  if (impl_->health_thread.joinable())
    impl_->health_thread.join();
  // Calls in flight get the grace while the server still takes new calls
  // and answers them UNAVAILABLE "draining" (grpc++'s own Shutdown would
  // answer CANCELLED). A poll: this runs once, on the way out, and the
  // counter is the only thing the calls share.
  auto until = std::chrono::steady_clock::now() + impl_->st->options.shutdown_grace;
  while (impl_->st->calls.load(std::memory_order_acquire) != 0
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  // Then grpc++ cancels what is left (subscriptions, calls past the grace:
  // OnCancel cancels their requests in the pools) and waits for their
  // reactors.
  impl_->server->Shutdown(std::chrono::system_clock::now());
  impl_->server->Wait();
  impl_->server.reset();
  impl_->service.reset();
}

grpc_options grpc_options_from(const telemetry::config& cfg) {
  using telemetry::duration;
  grpc_options o;
  o.address = cfg.get<std::string>("grpc.address");
  o.port = static_cast<std::uint16_t>(cfg.get<std::int64_t>("grpc.port"));
  o.max_message_bytes = static_cast<std::size_t>(cfg.get<std::int64_t>("grpc.max_message_bytes"));
  o.tls_cert_file = cfg.get<std::string>("grpc.tls_cert_file");
  o.tls_key_file = cfg.get<std::string>("grpc.tls_key_file");
  o.health_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("grpc.health_interval"));
  o.shutdown_grace = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.shutdown_grace"));
  return o;
}

front_factory grpc_front_factory() {
  return [](const front_context& ctx) -> std::unique_ptr<server_front> {
    if (!ctx.cfg.get<bool>("grpc.enabled"))
      return nullptr;
    return std::make_unique<grpc_front>(ctx.sys, ctx.reg, grpc_options_from(ctx.cfg), ctx.layers);
  };
}

} // namespace ringactor::service
