// ringactor: the health registry (health.hpp).
#include "ringactor/health.hpp"

#include <algorithm>
#include <exception>
#include <mutex>

namespace ringactor {

std::string_view to_string(health_kind kind) noexcept {
  return kind == health_kind::liveness ? "liveness" : "readiness";
}

const component_health* health_report::find(std::string_view component) const noexcept {
  for (auto& c : components)
    if (c.component == component)
      return &c;
  return nullptr;
}

struct health_registry::impl {
  struct entry {
    uint64_t id;
    health_kind kind;
    std::string key; // empty for probes added with add()
    probe fn;
  };
  std::mutex mutex; // guards entries and next_id; held while probes run
  std::vector<entry> entries;
  uint64_t next_id = 1;

  void erase(uint64_t id) {
    std::lock_guard guard{mutex};
    std::erase_if(entries, [id](const entry& e) { return e.id == id; });
  }
};

health_registry::handle& health_registry::handle::operator=(handle&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::move(other.owner_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

health_registry::handle::~handle() {
  reset();
}

void health_registry::handle::reset() {
  if (id_ == 0)
    return;
  if (auto owner = owner_.lock())
    owner->erase(id_);
  owner_.reset();
  id_ = 0;
}

health_registry::health_registry() : impl_(std::make_shared<impl>()) {}

health_registry::~health_registry() = default;

health_registry::handle health_registry::add(health_kind kind, probe fn) {
  std::lock_guard guard{impl_->mutex};
  auto id = impl_->next_id++;
  impl_->entries.push_back({id, kind, std::string{}, std::move(fn)});
  return handle{impl_, id};
}

void health_registry::put(health_kind kind, std::string key, probe fn) {
  std::lock_guard guard{impl_->mutex};
  for (auto& e : impl_->entries) {
    if (!e.key.empty() && e.key == key) {
      e.kind = kind;
      e.fn = std::move(fn);
      return;
    }
  }
  auto id = impl_->next_id++;
  impl_->entries.push_back({id, kind, std::move(key), std::move(fn)});
}

void health_registry::remove(std::string_view key) {
  std::lock_guard guard{impl_->mutex};
  std::erase_if(impl_->entries,
                [key](const impl::entry& e) { return !e.key.empty() && e.key == key; });
}

health_report health_registry::check(health_kind kind) const {
  health_report report;
  report.kind = kind;
  {
    std::lock_guard guard{impl_->mutex};
    for (auto& e : impl_->entries) {
      if (e.kind != kind)
        continue;
      try {
        e.fn(report.components);
      } catch (const std::exception& ex) {
        // A probe that throws fails its check; it does not break the others.
        report.components.push_back({e.key.empty() ? std::string{"health.probe"} : e.key, false,
                                     std::string{"the probe threw: "} + ex.what()});
      }
    }
  }
  std::stable_sort(report.components.begin(), report.components.end(),
                   [](const auto& a, const auto& b) { return a.component < b.component; });
  report.ok = std::all_of(report.components.begin(), report.components.end(),
                          [](const auto& c) { return c.ok; });
  return report;
}

} // namespace ringactor
