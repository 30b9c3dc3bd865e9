// ringactor wire: the JSON pointer (RFC 6901) of the value a JSON inspector
// is at, kept as a stack of keys and indices and rendered only for an
// error: "/tags/3", "/" for the whole document.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/json/json_node.hpp"

namespace ringactor::wire {

class json_pointer {
public:
  /// `key` must outlive its pop().
  void push_key(std::string_view key) { steps_.push_back(step{key, 0, false}); }
  void push_index(std::size_t i) { steps_.push_back(step{{}, i, true}); }
  void pop() noexcept { steps_.pop_back(); }

  std::string str() const {
    if (steps_.empty())
      return "/";
    std::string out;
    for (auto& s : steps_) {
      if (s.is_index)
        out += '/' + std::to_string(s.index);
      else
        append_pointer_token(out, s.key);
    }
    return out;
  }

private:
  struct step {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  std::vector<step> steps_;
};

} // namespace ringactor::wire
