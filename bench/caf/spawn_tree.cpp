// spawn_tree (CAF's actor_creation): a binary tree of 2^depth - 1 actors. A leaf
// answers 1; an inner node spawns two children, sends each the remaining depth,
// and answers 1 + the sum of their answers. The root answers the blocking caller.
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

behavior tree_node(event_based_actor* self, actor parent) {
  return {
    [=](spread_atom, std::uint32_t depth) {
      if (depth == 1) {
        self->send(parent, result_atom::value, std::uint64_t{1});
        self->quit();
        return;
      }
      // lazy_init: the child is scheduled by its first message, not by spawn.
      for (int i = 0; i < 2; ++i)
        self->send(self->spawn<lazy_init>(tree_node, actor_cast<actor>(self)), spread_atom::value,
                   depth - 1);
      self->become([=](result_atom, std::uint64_t first) {
        self->become([=](result_atom, std::uint64_t second) {
          self->send(parent, result_atom::value, 1 + first + second);
          self->quit();
        });
      });
    },
  };
}

} // namespace

int spawn_tree(const bench::options& opts, bench::reporter& out) {
  auto depth = bench::sizes_for(opts.scale, opts.large).spawn_tree_depth;
  auto expected = (std::uint64_t{1} << depth) - 1;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::uint64_t actors = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(sys.spawn<lazy_init>(tree_node, actor{self}), spread_atom::value, depth);
  self->receive([&](result_atom, std::uint64_t n) { actors = n; });
  std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("spawn_tree", "ns_per_actor", elapsed.count() / static_cast<double>(expected), "ns");
  out.emit("spawn_tree", "total_ms", elapsed.count() * 1e-6, "ms");
  out.emit("spawn_tree", "count", static_cast<double>(actors), "actors");
  return check_count("spawn_tree", expected, actors);
}

} // namespace caf_bench
