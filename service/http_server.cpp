// ringactor service: the HTTP server (http_server.hpp) on Boost.Beast. One
// session per connection, each on its own strand; the network threads run
// one io_context.
#include "ringactor/service/http_server.hpp"

#include "http_session.hpp"
#include "percent_decoding.hpp"

#include <algorithm>
#include <map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>
#include <ringactor/logger.hpp>

namespace ringactor::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// -- request and response -------------------------------------------------------

std::string_view http_request::header(std::string_view name) const noexcept {
  for (auto& [key, value] : headers)
    if (beast::iequals(key, name))
      return value;
  return {};
}

std::string_view http_request::param(std::string_view name) const noexcept {
  auto i = params.find(name);
  return i == params.end() ? std::string_view{} : std::string_view{i->second};
}

http_response http_response::json(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response http_response::error(unsigned status, std::string_view code,
                                   std::string_view message) {
  std::string body = "{\"error\":";
  wire::append_json_string(body, code);
  body += ",\"message\":";
  if (wire::append_json_string(body, message) != message.size())
    body += "\"(not valid UTF-8)\"";
  body += '}';
  return json(status, std::move(body));
}

void http_server::impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code ec,
                                                                           tcp::socket socket) {
    if (ec || self->stopping.load(std::memory_order_acquire)) {
      if (ec != asio::error::operation_aborted && !self->stopping.load(std::memory_order_acquire))
        self->accept(); // a transient accept error (EMFILE, ...): keep serving
      return;
    }
    std::shared_ptr<detail::session> s;
    if (self->tls)
      s = std::make_shared<detail::basic_session<detail::tls_stream>>(std::move(socket), self);
    else
      s = std::make_shared<detail::basic_session<detail::plain_stream>>(std::move(socket), self);
    bool over_limit = false;
    bool stopping = false;
    {
      std::lock_guard guard{self->mtx};
      over_limit = self->sessions.size() >= self->options.max_connections;
      self->sessions.insert(s);
      if (self->every_session.size() >= 2 * self->sessions.size() + 64)
        std::erase_if(self->every_session, [](auto& w) { return w.expired(); });
      self->every_session.push_back(s);
      // stop() sets `stopping` before it copies `sessions` under this
      // mutex: a session inserted after that copy sees it set here, and
      // closes itself as stop() closes the idle ones it copied (else it
      // would wait out shutdown_grace with no request).
      stopping = self->stopping.load(std::memory_order_acquire);
    }
    s->start(over_limit);
    if (stopping) {
      s->close_if_idle();
      return;
    }
    self->accept();
  });
}

expected<void> http_server::impl::load_tls() {
  auto& o = options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    return error{sec::invalid_argument,
                 o.tls_cert_file.empty()
                   ? fmt::format("http.tls_key_file: '{}' is set without http.tls_cert_file "
                                 "(both or neither)",
                                 o.tls_key_file)
                   : fmt::format("http.tls_cert_file: '{}' is set without http.tls_key_file "
                                 "(both or neither)",
                                 o.tls_cert_file)};
  if (o.tls_cert_file.empty()) {
    if (!o.tls_ca_file.empty())
      return error{sec::invalid_argument,
                   fmt::format("http.tls_ca_file: '{}' is set without http.tls_cert_file and "
                               "http.tls_key_file (client certificates need TLS)",
                               o.tls_ca_file)};
    return {};
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  // TLS 1.2 at least: older versions have known breaks (and no client
  // still needs them).
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
                   | asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  beast::error_code ec;
  auto failed = [&](std::string_view key, const std::string& file, std::string_view what) {
    return error{sec::invalid_argument,
                 fmt::format("http.{}: '{}' {} ({})", key, file, what, ec.message())};
  };
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec)
    return failed("tls_cert_file", o.tls_cert_file, "does not load as a PEM certificate");
  ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  // OpenSSL checks the key against the certificate as it loads it.
  auto mismatch = [&] {
    return ec.category() == asio::error::get_ssl_category()
           && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  };
  if (ec && !mismatch())
    return failed("tls_key_file", o.tls_key_file, "does not load as a PEM private key");
  if (ec || SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return error{sec::invalid_argument,
                 fmt::format("http.tls_key_file: '{}' is not the key of the certificate in "
                             "http.tls_cert_file '{}'",
                             o.tls_key_file, o.tls_cert_file)};
  if (!o.tls_ca_file.empty()) {
    ctx->load_verify_file(o.tls_ca_file, ec);
    if (ec)
      return failed("tls_ca_file", o.tls_ca_file, "does not load as PEM CA certificates");
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  tls = std::move(ctx);
  return {};
}

void http_server::impl::remove(const std::shared_ptr<detail::session>& s) {
  std::lock_guard guard{mtx};
  sessions.erase(s);
  if (sessions.empty())
    drained.notify_all();
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

/// True if `path` (split) fits `p`; fills `params`.
bool fits(const detail::route_pattern& p, const std::vector<std::string_view>& path,
          std::map<std::string, std::string, std::less<>>& params) {
  if (p.segments.size() != path.size())
    return false;
  std::map<std::string, std::string, std::less<>> found;
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto& s = p.segments[i];
    if (is_param(s)) {
      if (path[i].empty())
        return false;
      found[s.substr(1, s.size() - 2)] = detail::percent_decoded(path[i]);
    } else if (s != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

} // namespace

void http_server::impl::add_route(std::string method, std::string pattern,
                                  detail::route_entry entry) {
  auto i = std::find_if(routes.begin(), routes.end(),
                        [&](const detail::route_pattern& p) { return p.text == pattern; });
  if (i == routes.end()) {
    detail::route_pattern p;
    p.text = pattern;
    for (auto s : split_path(pattern)) {
      p.segments.emplace_back(s);
      p.params += is_param(s) ? 1 : 0;
    }
    routes.push_back(std::move(p));
    i = routes.end() - 1;
  }
  i->methods[std::move(method)] = std::move(entry);
  // Exact paths first, then patterns by their number of parameters.
  std::stable_sort(routes.begin(), routes.end(),
                   [](auto& x, auto& y) { return x.params < y.params; });
}

void http_server::impl::build_chains() {
  outer_layers = std::make_shared<const std::vector<layer>>(layers);
  for (auto& p : routes)
    for (auto& [method, entry] : p.methods) {
      detail::chain_end end = entry.async;
      if (entry.stream || entry.ws)
        // The layers decide whether a stream or WebSocket opens (auth, rate
        // limits, ...); what opens it is the session (http_session.cpp).
        end = [](const http_request&, responder answer) {
          http_response admit;
          admit.content_type.clear();
          admit.headers.emplace_back(std::string{detail::admit_header}, "1");
          answer(std::move(admit));
        };
      else if (entry.sync)
        end = [sync = entry.sync](const http_request& req, responder answer) {
          http_response res;
          try {
            res = sync(req);
          } catch (const std::exception& e) {
            log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
            res = http_response::error(500, "internal",
                                       "the handler failed (see the server's log)");
          }
          answer(std::move(res));
        };
      entry.chain = std::make_shared<const detail::layer_chain>(detail::layer_chain{
        outer_layers, entry.layers, std::move(end)});
    }
}

detail::route_match http_server::impl::match(http_request& req) const {
  auto path = split_path(req.path);
  const detail::route_pattern* first = nullptr;
  std::map<std::string, std::string, std::less<>> params;
  for (auto& p : routes) {
    if (!fits(p, path, params))
      continue;
    if (first == nullptr)
      first = &p;
    if (auto j = p.methods.find(req.method); j != p.methods.end()) {
      req.params = std::move(params);
      return {&j->second, {}};
    }
  }
  if (first == nullptr)
    return {nullptr,
            http_response::error(404, "not_found", fmt::format("no route for {}", req.path))};
  std::string allow;
  for (auto& [method, handler] : first->methods)
    allow += (allow.empty() ? "" : ", ") + method;
  auto r = http_response::error(405, "method_not_allowed",
                                fmt::format("{} does not take {} (allowed: {})", req.path,
                                            req.method, allow));
  r.headers.emplace_back("Allow", allow);
  return {nullptr, std::move(r)};
}

// -- responder ---------------------------------------------------------------------

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    if (deliver_)
      (*this)(http_response::error(500, "no_answer", "the handler dropped its responder"));
    deliver_ = std::exchange(other.deliver_, nullptr);
  }
  return *this;
}

responder::~responder() {
  if (deliver_) {
    try {
      (*this)(http_response::error(500, "no_answer", "the handler dropped its responder"));
    } catch (...) { // a destructor does not throw; the connection is lost then
    }
  }
}

void responder::operator()(http_response res) {
  if (!deliver_)
    return;
  auto deliver = std::exchange(deliver_, nullptr);
  deliver(std::move(res));
}

// -- http_server --------------------------------------------------------------------

http_server::http_server(server_options options)
  : impl_(std::make_shared<impl>(std::move(options))) {}

http_server::~http_server() {
  stop();
}

void http_server::route(std::string method, std::string pattern, route_handler handler) {
  impl_->add_route(std::move(method), std::move(pattern),
                   {std::move(handler), {}, {}, {}, {}, nullptr});
}

void http_server::route_async(std::string method, std::string pattern,
                              async_route_handler handler) {
  impl_->add_route(std::move(method), std::move(pattern),
                   {{}, std::move(handler), {}, {}, {}, nullptr});
}

void http_server::route(std::string method, std::string pattern, route_handler handler,
                        std::vector<layer> layers) {
  impl_->add_route(std::move(method), std::move(pattern),
                   {std::move(handler), {}, {}, {}, std::move(layers), nullptr});
}

void http_server::route_async(std::string method, std::string pattern, async_route_handler handler,
                              std::vector<layer> layers) {
  impl_->add_route(std::move(method), std::move(pattern),
                   {{}, std::move(handler), {}, {}, std::move(layers), nullptr});
}

void http_server::use(layer l) {
  impl_->layers.push_back(std::move(l));
}

void http_server::route_stream(std::string method, std::string pattern,
                               stream_route_handler handler) {
  impl_->add_route(std::move(method), std::move(pattern),
                   {{}, {}, std::move(handler), {}, {}, nullptr});
}

void http_server::route_websocket(std::string pattern, ws_route_handler handler) {
  impl_->add_route("GET", std::move(pattern), {{}, {}, {}, std::move(handler), {}, nullptr});
}

expected<void> http_server::start() {
  auto& d = *impl_;
  if (d.started || d.stopping.load(std::memory_order_acquire))
    return error{sec::invalid_argument, "the server was started (or stopped) already"};
  beast::error_code ec;
  auto address = asio::ip::make_address(d.options.address, ec);
  if (ec)
    return error{sec::invalid_argument,
                 fmt::format("http.address: '{}' is no IP address", d.options.address)};
  if (d.options.threads == 0)
    return error{sec::invalid_argument, "http.threads: expected at least 1, found 0"};
  if (auto r = d.load_tls(); !r)
    return r;
  tcp::endpoint endpoint{address, d.options.port};
  auto fail = [&](std::string_view what) -> expected<void> {
    beast::error_code ignored;
    d.acceptor.close(ignored);
    return error{sec::runtime_error,
                 fmt::format("cannot listen on {}:{}: {} ({})", d.options.address, d.options.port,
                             what, ec.message())};
  };
  d.acceptor.open(endpoint.protocol(), ec);
  if (ec)
    return fail("open");
  d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return fail("SO_REUSEADDR");
  d.acceptor.bind(endpoint, ec);
  if (ec)
    return fail("bind");
  d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen");
  d.bound_port.store(d.acceptor.local_endpoint().port(), std::memory_order_release);
  d.build_chains();
  d.started = true;
  d.accept();
  for (std::size_t i = 0; i < d.options.threads; ++i)
    d.threads.emplace_back([self = impl_] {
      for (;;) {
        try {
          self->io.run();
          return;
        } catch (const std::exception& e) {
          log_error("service: a network thread caught: {}", e.what());
        }
      }
    });
  return {};
}

std::uint16_t http_server::port() const noexcept {
  return impl_->bound_port.load(std::memory_order_acquire);
}

std::size_t http_server::connections() const noexcept {
  return impl_->connection_count();
}

bool http_server::tls() const noexcept {
  return impl_->tls != nullptr;
}

std::uint64_t http_server::tls_handshake_failures() const noexcept {
  return impl_->tls_handshake_failures.load(std::memory_order_relaxed);
}

void http_server::stop() {
  auto& d = *impl_;
  if (d.stopping.exchange(true, std::memory_order_acq_rel) || !d.started)
    return;
  asio::dispatch(d.acceptor.get_executor(), [self = impl_] {
    beast::error_code ignored;
    self->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<detail::session>> open;
  {
    std::lock_guard guard{d.mtx};
    open.assign(d.sessions.begin(), d.sessions.end());
  }
  for (auto& s : open)
    s->close_if_idle();
  open.clear();
  {
    std::unique_lock guard{d.mtx};
    d.drained.wait_for(guard, d.options.shutdown_grace, [&] { return d.sessions.empty(); });
    open.assign(d.sessions.begin(), d.sessions.end());
  }
  for (auto& s : open)
    s->force_close();
  open.clear();
  {
    std::unique_lock guard{d.mtx};
    d.drained.wait_for(guard, std::chrono::seconds{1}, [&] { return d.sessions.empty(); });
  }
  d.io.stop();
  for (auto& t : d.threads)
    if (t.joinable())
      t.join();
  d.threads.clear();
  // Run what the stop left queued (completions of closed sockets), so that
  // no handler keeps a session, and through it this state, alive.
  d.io.restart();
  d.io.poll();
  {
    std::lock_guard guard{d.mtx};
    d.sessions.clear();
  }
  // A session whose socket stayed open (its close was queued behind the
  // stop, or it began its TLS handshake while the stop copied the list)
  // still has an operation pending in the reactor, whose handler holds the
  // session and, through it, this state and its io_context: a cycle that
  // would outlive the server. No thread runs the io_context now: close
  // those sockets here, and run what that cancels, until none is left.
  for (int round = 0; round < 8; ++round) {
    std::vector<std::shared_ptr<detail::session>> alive;
    {
      std::lock_guard guard{d.mtx};
      for (auto& w : d.every_session)
        if (auto s = w.lock())
          alive.push_back(std::move(s));
      d.every_session.clear();
      for (auto& s : alive)
        d.every_session.push_back(s);
    }
    if (alive.empty())
      break;
    for (auto& s : alive)
      s->abandon();
    alive.clear();
    d.io.restart();
    d.io.poll();
  }
}

} // namespace ringactor::service
