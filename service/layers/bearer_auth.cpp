// ringactor service: bearer-token authentication (layers/bearer_auth.hpp).
#include "ringactor/service/layers/bearer_auth.hpp"

#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace ringactor::service {

namespace {

using digest = std::array<unsigned char, 32>;

digest sha256(std::string_view text) {
  digest out{};
  unsigned len = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr) != 1
      || len != out.size())
    throw std::runtime_error{"bearer_auth: SHA-256 failed (OpenSSL)"};
  return out;
}

/// RFC 6750's b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "="s.
bool is_b64token(std::string_view t) {
  auto end = t.find_last_not_of('=');
  if (end == std::string_view::npos)
    return false;
  for (char c : t.substr(0, end + 1))
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
      return false;
  return true;
}

std::string_view trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct known_token {
  digest hash;
  std::vector<std::string> paths;
};

http_response unauthenticated(std::string_view message) {
  auto res = http_response::error(401, "unauthenticated", message);
  res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

} // namespace

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos)
      end = text.size();
    if (auto item = trimmed(text.substr(start, end - start)); !item.empty())
      out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

bool path_within(std::string_view path, std::string_view prefix) noexcept {
  if (prefix.empty() || !path.starts_with(prefix))
    return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

expected<std::vector<bearer_token>> parse_bearer_tokens(std::string_view text) {
  std::vector<bearer_token> out;
  std::size_t n = 0;
  for (auto& entry : split_list(text)) {
    ++n;
    std::string_view e = entry;
    auto colon = e.find(':');
    bearer_token t;
    t.token = std::string{trimmed(e.substr(0, colon))};
    if (!is_b64token(t.token))
      return error{sec::invalid_argument,
                   fmt::format("auth.tokens: entry {} is no bearer token (expected letters, "
                               "digits and -._~+/, then '='s)",
                               n)};
    if (colon != std::string_view::npos) {
      auto rest = e.substr(colon + 1);
      std::size_t start = 0;
      while (start <= rest.size()) {
        auto end = rest.find('|', start);
        if (end == std::string_view::npos)
          end = rest.size();
        auto p = trimmed(rest.substr(start, end - start));
        if (p.empty() || p.front() != '/')
          return error{sec::invalid_argument,
                       fmt::format("auth.tokens: entry {} has a path that does not start with "
                                   "'/' (expected TOKEN:/prefix|/other)",
                                   n)};
        t.paths.emplace_back(p);
        start = end + 1;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

layer bearer_auth(bearer_auth_options options) {
  if (options.tokens.empty())
    throw std::invalid_argument{"bearer_auth: no token given (auth.tokens, auth.tokens_env)"};
  auto known = std::make_shared<std::vector<known_token>>();
  for (auto& t : options.tokens)
    known->push_back({sha256(t.token), t.paths});
  auto open = std::make_shared<const std::vector<std::string>>(std::move(options.open_paths));
  return [known, open](const http_request& req, responder answer, next_layer next) {
    for (auto& p : *open)
      if (path_within(req.path, p)) {
        next(std::move(answer));
        return;
      }
    auto auth = req.header("Authorization");
    // The scheme is case-insensitive (RFC 7235); one space, then the token.
    if (auth.size() <= 7 || (auth.substr(0, 7) != "Bearer " && auth.substr(0, 7) != "bearer ")) {
      answer(unauthenticated("this path needs 'Authorization: Bearer <token>'"));
      return;
    }
    auto presented = sha256(auth.substr(7));
    // Every known token is compared, each in constant time: neither where a
    // token differs nor which one matched shows in the time taken.
    const known_token* match = nullptr;
    for (auto& k : *known)
      if (CRYPTO_memcmp(k.hash.data(), presented.data(), presented.size()) == 0)
        match = &k;
    if (match == nullptr) {
      answer(unauthenticated("the bearer token is not valid"));
      return;
    }
    if (!match->paths.empty()) {
      bool allowed = false;
      for (auto& p : match->paths)
        allowed = allowed || path_within(req.path, p);
      if (!allowed) {
        answer(http_response::error(403, "permission_denied",
                                    fmt::format("the token may not use {}", req.path)));
        return;
      }
    }
    next(std::move(answer));
  };
}

} // namespace ringactor::service
