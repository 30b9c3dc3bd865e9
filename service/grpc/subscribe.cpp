// ringactor service, gRPC front: Subscribe, a topic's events as a server
// stream (the gRPC form of GET /topics/{name}/events). The topic queues
// at most subscriber_buffer events for the call; the call takes them when
// its last write is done, so a slow client holds a bounded queue, and one
// that falls further behind is cut off: RESOURCE_EXHAUSTED, saying how
// many events it lost (never a silent drop).
#include <deque>
#include <mutex>

#include <fmt/format.h>

#include <ringactor/topics.hpp>

#include "grpc_calls.hpp"

namespace ringactor::service::detail {

namespace {

class subscribe_call;

/// What the topic's wake callback reaches: the call while it runs, null
/// after it finished (the callback may run on a publisher's thread after
/// the call unsubscribed).
struct wake_target {
  std::mutex mtx;
  subscribe_call* call = nullptr; // guarded by mtx
};

class subscribe_call final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
public:
  subscribe_call(std::shared_ptr<front_state> st, grpc::CallbackServerContext* ctx,
                 const grpc::ByteBuffer& bytes)
    : st_(std::move(st)), target_(std::make_shared<wake_target>()) {
    if (st_->draining.load(std::memory_order_acquire)) {
      Finish({grpc::StatusCode::UNAVAILABLE, "draining: the server stops"});
      return;
    }
    v1::SubscribeRequest req;
    if (auto parsed = parse_request(bytes, req, "ringactor.v1.SubscribeRequest"); !parsed.ok()) {
      Finish(parsed);
      return;
    }
    auto cancel = std::make_shared<cancellation>();
    // The layers see the subscription once, as they see GET
    // /topics/{name}/events once.
    behind_layers(
      *st_, request_of(*ctx, "/ringactor.v1.Kernels/Subscribe", std::move(cancel)),
      [](const http_request&, responder answer) { answer(http_response::json(200, "{}")); },
      [this, name = req.topic(), last = req.last_event_id()](http_response res) {
        if (res.status != 200) {
          Finish(error_of(res).status());
          return;
        }
        begin(name, last);
      });
  }

  // Each reaction locks through a copy of target_: end() may let the call
  // be deleted (Finish) while the lock is still to be released.
  void OnWriteDone(bool ok) override {
    auto target = target_;
    std::unique_lock guard{target->mtx};
    writing_ = false;
    if (!ok) {
      end(guard, {grpc::StatusCode::CANCELLED, "the client went"});
      return;
    }
    pump(guard);
  }

  void OnCancel() override {
    auto target = target_;
    std::unique_lock guard{target->mtx};
    cancelled_ = true;
    // A write under way ends with !ok and finishes the call there.
    if (!writing_)
      end(guard, {grpc::StatusCode::CANCELLED, "the client went"});
  }

  void OnDone() override { delete this; }

private:
  void begin(const std::string& name, std::uint64_t last) {
    topic_ = topics::of(st_->sys).find(name);
    if (!topic_) {
      Finish({grpc::StatusCode::NOT_FOUND, fmt::format("unknown_topic: no topic '{}'", name)});
      return;
    }
    auto target = target_;
    std::unique_lock guard{target->mtx};
    if (cancelled_) {
      end(guard, {grpc::StatusCode::CANCELLED, "the client went"});
      return;
    }
    target_->call = this;
    sub_ = topic_->subscribe(last == 0 ? std::nullopt : std::optional<std::uint64_t>{last},
                             [target = target_] {
                               std::unique_lock g{target->mtx};
                               if (target->call != nullptr)
                                 target->call->pump(g);
                             });
    pump(guard);
  }

  /// Writes the next event if no write is under way, taking the topic's
  /// queue when the last batch is written. Called with the lock held;
  /// returns with it released or held.
  void pump(std::unique_lock<std::mutex>& guard) {
    if (writing_ || finished_ || !sub_)
      return;
    if (batch_.empty()) {
      auto b = sub_->take();
      if (b.gap) {
        v1::TopicEvent e;
        e.set_gap(true);
        e.set_lost(*b.gap);
        batch_.push_back(std::move(e));
      }
      for (auto& ev : b.events) {
        v1::TopicEvent e;
        e.set_id(ev->id);
        e.set_type(ev->type);
        e.set_json_data(ev->data);
        batch_.push_back(std::move(e));
      }
      if (b.overflow_dropped)
        overflow_ = fmt::format("overflow: this subscriber fell {} events behind and was cut off "
                                "after event {} (subscriber_buffer {})",
                                *b.overflow_dropped, b.last_id,
                                topic_->options().subscriber_buffer);
    }
    if (batch_.empty()) {
      if (!overflow_.empty())
        end(guard, {grpc::StatusCode::RESOURCE_EXHAUSTED, overflow_});
      return;
    }
    // Into a fresh buffer: protobuf's writer refuses one that holds bytes.
    grpc::ByteBuffer bytes;
    bool own_buffer = false;
    auto serialized = grpc::SerializationTraits<v1::TopicEvent>::Serialize(batch_.front(), &bytes,
                                                                           &own_buffer);
    batch_.pop_front();
    if (!serialized.ok()) { // only past protobuf's 2 GB: an event of a topic never is
      end(guard, {grpc::StatusCode::INTERNAL,
                  "an event does not serialize: " + serialized.error_message()});
      return;
    }
    out_ = std::move(bytes);
    writing_ = true;
    guard.unlock();
    StartWrite(&out_);
    guard.lock();
  }

  /// Unsubscribes and finishes (once).
  void end(std::unique_lock<std::mutex>& guard, grpc::Status status) {
    if (finished_)
      return;
    finished_ = true;
    target_->call = nullptr;
    auto sub = std::move(sub_);
    guard.unlock();
    if (sub)
      topic_->unsubscribe(sub);
    Finish(std::move(status));
    guard.lock();
  }

  std::shared_ptr<front_state> st_;
  std::shared_ptr<wake_target> target_; // its mtx guards the members below
  topic_ptr topic_;                     // set once by begin()
  topic_subscription_ptr sub_;
  std::deque<v1::TopicEvent> batch_; // taken, not yet written
  std::string overflow_;             // set: the queue overflowed; end after the batch
  grpc::ByteBuffer out_;             // the write under way reads it (a TopicEvent's bytes)
  bool writing_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

} // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* start_subscribe(std::shared_ptr<front_state> st,
                                                            grpc::CallbackServerContext* ctx,
                                                            const grpc::ByteBuffer* req) {
  return new subscribe_call(std::move(st), ctx, *req);
}

} // namespace ringactor::service::detail
