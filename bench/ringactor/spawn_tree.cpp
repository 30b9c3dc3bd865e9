// spawn_tree (CAF's actor_creation): a binary tree of 2^depth - 1 actors. A leaf
// answers 1; an inner node spawns two children, sends each the remaining depth,
// and answers 1 + the sum of their answers. The root answers the blocking caller.
//
// A ringactor actor runs its initialization in the spawning thread and is
// scheduled by its first message, so every spawn here is what CAF calls
// lazy_init.
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct spread {
  std::uint32_t depth;
};
struct subtree {
  std::uint64_t actors;
};

behavior tree_node(event_based_actor* self, actor parent) {
  return {
    [=](spread s) {
      if (s.depth == 1) {
        self->send(parent, subtree{1});
        self->quit();
        return;
      }
      for (int i = 0; i < 2; ++i)
        self->send(self->spawn(tree_node, actor{self->ctrl()}), spread{s.depth - 1});
      // become() replaces the running handler: it is the last statement of
      // each handler that calls it.
      self->become(behavior{[=](subtree first) {
        self->become(behavior{[=](subtree second) {
          self->send(parent, subtree{1 + first.actors + second.actors});
          self->quit();
        }});
      }});
    },
  };
}

} // namespace

int spawn_tree(const bench::options& opts, bench::reporter& out) {
  auto depth = bench::sizes_for(opts.scale, opts.large).spawn_tree_depth;
  auto expected = (std::uint64_t{1} << depth) - 1;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::uint64_t actors = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(sys.spawn(tree_node, self.as_actor()), spread{depth});
  self->receive([&](subtree n) { actors = n.actors; });
  std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("spawn_tree", "ns_per_actor", elapsed.count() / static_cast<double>(expected), "ns");
  out.emit("spawn_tree", "total_ms", elapsed.count() * 1e-6, "ms");
  out.emit("spawn_tree", "count", static_cast<double>(actors), "actors");
  return check_count("spawn_tree", expected, actors);
}

} // namespace ringactor_bench
