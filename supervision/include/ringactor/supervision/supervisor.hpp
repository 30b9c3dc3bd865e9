// ringactor supervision: supervisors in the sense of Erlang/OTP.
//
// A supervisor starts its children in order, links to them and traps their
// exits. When a child exits, its restart type decides whether it is
// restarted (permanent: always; transient: after an abnormal exit;
// temporary: never), the strategy decides which children restart with it
// (see strategy.hpp), and the restart intensity decides whether the
// supervisor gives up: then it stops all children in reverse order and exits
// with supervision_error::restart_intensity_exceeded, which its own
// supervisor (it is a child like any other) sees. When the supervisor is
// asked to exit, it stops its children in reverse start order, each per its
// shutdown policy, and then exits with the same reason.
//
//   auto sup = sys.spawn(supervision::supervisor{
//     .strategy = supervision::one_for_all{.max_restarts = 5, .within = 10s},
//     .children = {{.name = "db", .start = [](actor_system& s) { return s.spawn(db); }},
//                  {.name = "web", .start = [](actor_system& s) { return s.spawn(web); }}}});
#pragma once

#include <string>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/scheduled_actor.hpp>

#include "ringactor/supervision/child_set.hpp"
#include "ringactor/supervision/child_spec.hpp"
#include "ringactor/supervision/strategy.hpp"

namespace ringactor::supervision {

// -- messages a supervisor understands -------------------------------------------

/// Adds a child at the end and starts it; answered with its handle (actor),
/// or child_start_failed (also once the supervisor is shutting down).
struct start_child {
  child_spec spec;
};

/// Stops a child per its shutdown policy and removes it; answered with unit.
struct remove_child {
  std::string name;
};

/// Answered with std::vector<child_info>, in start order.
struct which_children {};

struct child_info {
  std::string name;
  actor handle; ///< invalid while the child is not running
  restart_type restart;
  uint64_t starts; ///< 1 + how often it was restarted
};

/// Answered with supervisor_counts.
struct count_children {};

struct supervisor_counts {
  size_t specs = 0;
  size_t running = 0;
  uint64_t restarts = 0;
};

// -- the supervisor ------------------------------------------------------------------

/// Spawn with `sys.spawn(supervisor{...})`; the handle is an untyped actor.
struct supervisor {
  supervision::strategy strategy = one_for_one{};
  std::vector<child_spec> children;
  std::string name = "supervisor";

  behavior operator()(event_based_actor* self) const;
};

} // namespace ringactor::supervision
