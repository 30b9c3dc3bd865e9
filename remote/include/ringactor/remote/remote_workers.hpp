// ringactor remote: pools across nodes. A supervision::pool whose workers
// are spawned on remote nodes by registered name (node::spawn): worker i
// goes to nodes[i % n], or, when that node cannot take it (down, refused,
// no answer in time), to the next node that can. A worker on a node that
// goes down exits with node_down like any dying worker: an idempotent pool
// sends its requests in flight to the surviving workers, and its restart
// lands on a node that is up.
//
//   adder pool = sys.spawn(supervision::pool<adder>{
//       .size = 4,
//       .worker_factory = remote::spawn_workers_on<adder>(*node, {"node-b", "node-c"}, "adder"),
//       .idempotent = true});
//
// The pool lives on this node; the node must outlive it. A factory call
// waits for the other node's answer (at most node_config::spawn_timeout
// per node tried) inside the pool, so a pool of N remote workers starts in
// N round trips.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ringactor/actor_system.hpp>

#include "ringactor/remote/node.hpp"

namespace ringactor::remote {

/// A pool's worker_factory that spawns `type` on one of `nodes` (see
/// above). It throws std::runtime_error, naming every node's error, when
/// no node can take the worker: the pool counts that as a failed start
/// (restart intensity applies).
template <class Interface>
std::function<Interface(actor_system&, std::size_t)>
spawn_workers_on(node& n, std::vector<std::string> nodes, std::string type) {
  if (nodes.empty())
    throw std::invalid_argument("spawn_workers_on: no node to spawn '" + type + "' workers on");
  return [&n, nodes = std::move(nodes), type = std::move(type)](actor_system&,
                                                                std::size_t worker) -> Interface {
    std::string why;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const auto& where = nodes[(worker + k) % nodes.size()];
      auto x = n.spawn<Interface>(where, type);
      if (x)
        return std::move(*x);
      why += (why.empty() ? "" : "; ") + where + ": " + to_string(x.error());
    }
    throw std::runtime_error("no node could spawn a '" + type + "' worker (" + why + ")");
  };
}

} // namespace ringactor::remote
