// ringactor: actors with a `state` member that lives exactly as long as the
// actor runs (it is destroyed when the actor exits, not when the last weak
// reference goes, so handles in the state cannot keep cycles alive).
//
//   struct counter { int value = 0; };
//   behavior counter_impl(stateful_actor<counter>* self) {
//     return {[=](increment) { return ++self->state.value; }};
//   }
#pragma once

#include <memory>
#include <new>
#include <type_traits>

#include "ringactor/scheduled_actor.hpp"

namespace ringactor {

template <class State, class Base = event_based_actor>
class stateful_actor : public Base {
public:
  explicit stateful_actor(actor_system& sys) : Base(sys) {
    // Only a constructor takes the actor: C++20 also builds an aggregate
    // from parentheses, where `this` would initialize its first member
    // (a bool first member would start out true).
    if constexpr (!std::is_aggregate_v<State> && std::is_constructible_v<State, stateful_actor*>)
      std::construct_at(&state, this);
    else
      std::construct_at(&state);
  }

  ~stateful_actor() override {
    if (state_alive_)
      std::destroy_at(&state);
  }

  union {
    State state;
  };

protected:
  void on_exit() override {
    if (state_alive_) {
      state_alive_ = false;
      std::destroy_at(&state);
    }
    Base::on_exit();
  }

private:
  bool state_alive_ = true;
};

} // namespace ringactor
