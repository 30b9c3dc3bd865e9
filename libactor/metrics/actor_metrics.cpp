#include "actor_metrics.hpp"

#include <algorithm>

#include "ringactor/logger.hpp"

namespace ringactor::detail {

void metered_mailbox::stamp(const mailbox_element* x, int64_t now_ns) {
  {
    std::lock_guard guard{mtx_};
    stamps_[x] = now_ns;
  }
  shared_.mailbox_size->inc();
}

void metered_mailbox::refused(const mailbox_element* x) {
  size_t n;
  {
    std::lock_guard guard{mtx_};
    n = stamps_.erase(x);
  }
  if (n > 0)
    shared_.mailbox_size->dec();
}

int64_t metered_mailbox::take(const mailbox_element* x) {
  int64_t result = -1;
  {
    std::lock_guard guard{mtx_};
    auto i = stamps_.find(x);
    if (i == stamps_.end())
      return -1;
    result = i->second;
    stamps_.erase(i);
  }
  shared_.mailbox_size->dec();
  return result;
}

void metered_mailbox::forget(const mailbox_element* chain) {
  int64_t n = 0;
  {
    std::lock_guard guard{mtx_};
    for (auto x = chain; x != nullptr; x = x->next)
      n += static_cast<int64_t>(stamps_.erase(x));
  }
  shared_.mailbox_size->dec(n);
}

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // Iterative matching with one backtrack point (the last `*`).
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

actor_metrics_table::actor_metrics_table(metrics::registry& reg, std::vector<std::string> includes)
  : includes_(std::move(includes)) {
  if (includes_.empty())
    return;
  mailbox_time_ = &reg.histogram_family(
    "ringactor_actor_mailbox_time_seconds",
    "Time messages spent in the mailboxes of actors of this name (enqueue to dequeue).", {"name"});
  processing_time_ = &reg.histogram_family("ringactor_actor_processing_time_seconds",
                                           "Time actors of this name spent handling a message.",
                                           {"name"});
  mailbox_size_ = &reg.gauge_family("ringactor_actor_mailbox_size",
                                    "Messages waiting in the mailboxes of actors of this name.",
                                    {"name"});
}

const actor_metrics* actor_metrics_table::find(std::string_view name) {
  if (!enabled())
    return nullptr;
  std::lock_guard guard{mtx_};
  auto i = by_name_.find(name);
  if (i != by_name_.end())
    return i->second.get();
  std::unique_ptr<actor_metrics> entry;
  if (std::any_of(includes_.begin(), includes_.end(),
                  [&](const std::string& p) { return glob_match(p, name); })) {
    std::string_view labels[] = {name};
    auto a = mailbox_time_->get(labels);
    auto b = processing_time_->get(labels);
    auto c = mailbox_size_->get(labels);
    if (a && b && c)
      entry = std::make_unique<actor_metrics>(actor_metrics{*a, *b, *c});
    else
      log_warn("metrics: actors named {} keep no ringactor_actor_* metrics: {}", name,
               !a   ? a.error()
               : !b ? b.error()
                    : c.error());
  }
  auto result = entry.get();
  by_name_.emplace(std::string{name}, std::move(entry));
  return result;
}

} // namespace ringactor::detail
