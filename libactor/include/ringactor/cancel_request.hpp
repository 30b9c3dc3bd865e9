// ringactor: a requester's notice that it no longer wants the answer to a
// request it made earlier. Advisory: the receiver may drop the work it has
// not started (a worker pool takes a queued request out of its queue:
// supervision/pool_stats.hpp), and whatever it answers still reaches the
// requester's side, where nobody waits for it any more.
//
//   auto h = self->request(pool, 1s, work{...});
//   auto id = h.id();
//   ...
//   self->send(actor_cast<actor>(pool), cancel_request{id});
//
// The receiver matches the id together with the sender, so an actor cancels
// only its own requests (callback_request's ticket sends one as the
// requester: request_ticket::send_as_requester). Not answered: send it, do
// not request it. An event-based actor with no handler for it drops it
// silently, not as an unexpected message (and before its default handler,
// which would otherwise warn about, skip or reflect it): a requester need
// not know whether the receiver can cancel anything.
#pragma once

#include "ringactor/message_id.hpp"

namespace ringactor {

struct cancel_request {
  message_id request;
};

} // namespace ringactor
