// expect: discarding the handle drops the response
// names: response_handle
// A request whose handle has neither then() nor await() would drop its
// response: the compiler warns (an error under -Werror=unused-result).
#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

behavior client(event_based_actor* self, actor server) {
  self->request(server, 1s, 42);
  return {[](int) {}};
}
