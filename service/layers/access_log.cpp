// ringactor service: the access-log layer (layers/access_log.hpp).
#include "ringactor/service/layers/access_log.hpp"

#include <chrono>

#include <ringactor/logger.hpp>

namespace ringactor::service {

namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace

std::string trace_id_of(std::string_view tp) {
  // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2); all zeros
  // is no trace id (W3C Trace Context).
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-')
    return {};
  auto version = tp.substr(0, 2);
  auto trace = tp.substr(3, 32);
  auto parent = tp.substr(36, 16);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(parent)
      || !lower_hex(tp.substr(53, 2)) || trace == std::string(32, '0')
      || parent == std::string(16, '0'))
    return {};
  if (version == "00" && tp.size() != 55)
    return {};
  return std::string{trace};
}

layer access_log() {
  return [](const http_request& req, responder answer, next_layer next) {
    auto start = std::chrono::steady_clock::now();
    auto trace = trace_id_of(req.header("traceparent"));
    // Only what the line needs is kept, not the request (its body).
    next(wrap(std::move(answer), [start, method = req.method, path = req.path,
                                  client = req.remote_address, id = req.request_id,
                                  trace = trace.empty() ? std::string{"-"}
                                                        : std::move(trace)](http_response& res) {
      auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now()
                                                            - start);
      log_info("access {} {} {} {:.3f}ms {}B client={} request_id={} trace_id={}", method, path,
               res.status, took.count(), res.body.size(), client, id, trace);
    }));
  };
}

} // namespace ringactor::service
