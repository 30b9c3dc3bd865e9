#include "ringactor/supervision/supervisor.hpp"
#include "ringactor/wire_error.hpp"

#include <memory>

#include <ringactor/actor_system.hpp>
#include <ringactor/logger.hpp>

namespace ringactor::supervision {

namespace {

class errors_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "supervision"; }
  std::string message(int code) const override {
    switch (static_cast<supervision_error>(code)) {
      case supervision_error::restart_intensity_exceeded:
        return "more restarts than the restart intensity allows";
      case supervision_error::worker_failed:
        return "the pool worker died with the request in flight";
      case supervision_error::pool_unavailable: return "no pool worker became available in time";
      case supervision_error::child_start_failed: return "a child failed to start";
      case supervision_error::no_such_child: return "no child with that name";
      case supervision_error::duplicate_child: return "a child with that name exists";
      case supervision_error::request_cancelled:
        return "the requester cancelled the request before a worker answered it";
    }
    return "unknown supervision error";
  }
};

} // namespace

const std::error_category& supervision_category() noexcept {
  static const errors_category instance;
  return instance;
}

namespace {
// A decoded error of this category finds it by name (ringactor/wire_error.hpp).
[[maybe_unused]] const bool
  supervision_category_registered = ::ringactor::wire::register_error_category(
    supervision_category());
} // namespace

behavior supervisor::operator()(event_based_actor* self) const {
  self->set_name(name);
  auto set = std::make_shared<child_set>(self, strategy);
  set->name_metrics(name);
  set->on_give_up([self](const error& reason) { self->quit(reason); });
  self->set_exit_handler([self, set](exit_msg& m) {
    if (set->handle_exit(m))
      return;
    if (!m.reason)
      return; // a normal exit of some linked non-child
    // Asked to exit (by the parent, a link or shutdown): children first.
    set->shutdown([self, reason = m.reason] { self->quit(reason); });
  });
  for (auto& spec : children) {
    if (auto started = set->add(spec); !started) {
      log_warn("supervisor {} ({}): {}; stopping", self->id(), name, started.error());
      set->shutdown([self, err = started.error()] { self->quit(err); });
      break;
    }
  }
  return {
    [set](child_timer t) { set->handle_timer(t.token); },
    [set](start_child& m) -> result<actor> {
      auto started = set->add(std::move(m.spec));
      if (!started)
        return started.error();
      return actor{*started};
    },
    [self, set](remove_child& m) -> result<void> {
      auto rp = self->make_response_promise<void>();
      set->remove(m.name, [rp](error err) mutable {
        if (err)
          rp.deliver(std::move(err));
        else
          rp.deliver();
      });
      return rp;
    },
    [set](which_children) {
      std::vector<child_info> result;
      for (auto& c : set->children())
        result.push_back(child_info{c.spec.name, actor{c.handle}, c.spec.restart, c.starts});
      return result;
    },
    [set](count_children) {
      return supervisor_counts{set->children().size(), set->running(), set->restarts()};
    },
  };
}

} // namespace ringactor::supervision
