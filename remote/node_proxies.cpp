// Payload codecs and the actors a node makes: proxies, reply forwarders,
// the export watcher.
#include "node_impl.hpp"

namespace ringactor::remote {

namespace detail {

/// The element of a payload of registered type `stable_id`, or the error.
/// Its buffers (buffer_frames.hpp) are allocated per `policy` and owned by
/// the element's payload from here on.
expected<mailbox_element_ptr> decode_payload(std::uint64_t stable_id,
                                             std::span<const std::byte> payload,
                                             const buffer_policy& policy) {
  auto entry = type_registry::global().find_stable(stable_id);
  if (!entry || !entry->binary.load)
    return error{errc::not_serializable,
                 fmt::format("no registered type with stable id {:#x} here", stable_id)};
  auto buffers = incoming_buffers::read(payload, policy);
  if (!buffers)
    return buffers.error();
  ringactor::detail::scoped_buffer_carrier scope{*buffers};
  auto msg = entry->binary.load(payload, wire_limits{});
  if (!msg)
    return msg.error();
  if (auto all = buffers->all_taken(); !all)
    return all.error();
  return msg->to_element(nullptr, message_id{});
}

/// Appends the stable id, the buffer section and the binary form of `x`'s
/// payload, or the error naming the type (or the field of a buffer that
/// cannot go).
expected<void> encode_payload(mailbox_element& x, frame_writer& w, const buffer_policy& policy) {
  auto entry = type_registry::global().find(x.type);
  if (!entry || !entry->named || !entry->binary.save)
    return error{errc::not_serializable,
                 fmt::format("type {} is not registered with a binary form (RINGACTOR_TYPE)",
                             x.type != nullptr ? x.type->name : std::string_view{"?"})};
  w.u64(entry->stable_id);
  // The body goes straight into the frame after an empty buffer section;
  // encoding it notes the buffers its fields name (x owns them until this
  // returns).
  auto& out = w.buffer();
  auto section = out.size();
  w.u32(0);
  outgoing_buffers buffers{policy.max_bytes};
  {
    ringactor::detail::scoped_buffer_carrier scope{buffers};
    if (auto r = entry->binary.save(x.payload(), out, wire_limits{}); !r)
      return r.error();
  }
  if (buffers.empty())
    return {};
  // It named buffers: their section goes between the id and the body.
  auto body_at = static_cast<std::ptrdiff_t>(section + 4);
  std::vector<std::byte> body(out.begin() + body_at, out.end());
  out.resize(section);
  if (auto r = buffers.write(w); !r)
    return r.error();
  w.tail(body);
  return {};
}

/// Answers request `x` with `err` (nothing for a message that is not a request).
void answer_error(mailbox_element& x, const error& err) {
  if (x.mid.is_request() && x.sender) {
    auto mid = x.mid.response_id();
    x.mid.mark_answered();
    x.sender->enqueue(make_mailbox_element(nullptr, mid, err));
  }
}

} // namespace detail

// -- proxies and forwarders ----------------------------------------------------------

bool remote_proxy::enqueue(mailbox_element_ptr x) {
  if (is_exiting()) {
    answer_error(*x, unanswered_error(exit_reason()));
    return false;
  }
  if (auto m = x->get_if<exit_msg>()) {
    node_->forward_exit(peer_, remote_, *m);
    return true;
  }
  node_->forward(this, peer_, remote_, std::move(x));
  return true;
}

bool export_watcher::enqueue(mailbox_element_ptr x) {
  if (auto d = x->get_if<down_msg>())
    if (auto n = node_.lock())
      n->on_export_down(d->source.id(), d->reason);
  return true;
}

bool reply_forwarder::enqueue(mailbox_element_ptr x) {
  if (!x->mid.is_response())
    return false;
  if (answered_.exchange(true, std::memory_order_acq_rel))
    return false;
  node_->send_reply(peer_, call_, x.get(), nullptr);
  return true;
}

void reply_forwarder::on_unreachable() {
  // Pairs with the exchange in enqueue(): the receiver dropped the request.
  if (answered_.exchange(true, std::memory_order_acq_rel))
    return;
  error err{sec::broken_promise, "the remote receiver dropped the request unanswered"};
  node_->send_reply(peer_, call_, nullptr, &err);
}

} // namespace ringactor::remote
