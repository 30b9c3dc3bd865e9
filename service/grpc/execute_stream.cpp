// ringactor service, gRPC front: ExecuteStream. Many requests on one
// stream, each through the layers and into its kernel as it is read; each
// reply is written when its kernel answers, so replies leave in any order,
// matched by request id. At most options.stream_max_in_flight requests are
// unanswered at once: past it the stream reads no more until replies went
// out (the client's writes then wait: flow control, not a drop).
//
// The stream is a raw (byte buffer) method that parses each request
// itself: grpc++'s typed reader reports a message that does not parse as
// the end of the client's writes, so a malformed request ended the stream
// OK and the requests after it went unread, unseen. Here it ends the
// stream INVALID_ARGUMENT, once the replies to the requests before it are
// written.
#include <deque>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "grpc_calls.hpp"
#include "ringactor/service/rest_routes.hpp"

namespace ringactor::service::detail {

namespace {

class execute_stream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
public:
  execute_stream(std::shared_ptr<front_state> st, grpc::CallbackServerContext* ctx)
    : st_(std::move(st)), ctx_(ctx) {
    st_->calls.fetch_add(1, std::memory_order_relaxed);
    if (st_->draining.load(std::memory_order_acquire)) {
      auto& st = *st_;
      Finish({grpc::StatusCode::UNAVAILABLE, "draining: the server stops"});
      st.calls.fetch_sub(1, std::memory_order_release); // as in finish_if_done
      return;
    }
    reading_ = true;
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    std::unique_lock guard{mtx_};
    reading_ = false;
    if (!ok || broken_) { // half-closed by the client, or the call ended
      reads_done_ = true;
      finish_if_done(guard);
      return;
    }
    auto in = std::make_shared<v1::ExecuteRequest>();
    auto parsed = grpc::SerializationTraits<v1::ExecuteRequest>::Deserialize(&in_, in.get());
    in_.Clear();
    ++read_;
    if (!parsed.ok()) {
      malformed_ = fmt::format("invalid_input: message {} of the stream is no "
                               "ringactor.v1.ExecuteRequest ({}); the requests before it "
                               "were answered, none after it was read",
                               read_, parsed.error_message());
      reads_done_ = true;
      finish_if_done(guard);
      return;
    }
    ++pending_;
    if (in->request_id().empty())
      in->set_request_id(std::to_string(st_->next_request.fetch_add(1, std::memory_order_relaxed)));
    auto seq = next_seq_++;
    auto cancel = std::make_shared<cancellation>();
    live_.emplace(seq, cancel);
    bool more = pending_ < st_->options.stream_max_in_flight;
    reading_ = more;
    guard.unlock();
    start(seq, std::move(in), std::move(cancel));
    if (more)
      StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock guard{mtx_};
    writing_ = false;
    --pending_;
    if (!ok)
      break_locked();
    if (!queue_.empty() && !broken_) {
      out_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      guard.unlock();
      StartWrite(&out_);
      return;
    }
    if (!reading_ && !reads_done_ && !broken_ && pending_ < st_->options.stream_max_in_flight) {
      reading_ = true;
      guard.unlock();
      StartRead(&in_);
      return;
    }
    finish_if_done(guard);
  }

  void OnCancel() override {
    std::vector<std::shared_ptr<cancellation>> fire;
    {
      std::lock_guard guard{mtx_};
      break_locked();
      for (auto& [seq, c] : live_)
        fire.push_back(c);
    }
    // Outside the lock: a cancelled request's outcome may come at once
    // (on this thread) and take the lock.
    auto why = reason_of_cancel(*ctx_);
    for (auto& c : fire)
      c->cancel(why);
  }

  void OnDone() override { delete this; }

private:
  /// One request through the layers and into its kernel; its reply (or
  /// error) goes to the writer.
  void start(std::uint64_t seq, std::shared_ptr<v1::ExecuteRequest> in,
             std::shared_ptr<cancellation> cancel) {
    std::optional<std::chrono::milliseconds> timeout;
    if (in->timeout_ms() > 0)
      timeout = std::min(std::chrono::milliseconds{in->timeout_ms()}, st_->options.max_timeout);
    else
      timeout = timeout_of(*st_, ctx_->deadline());
    auto slot = std::make_shared<v1::ExecuteReply>();
    auto answered = [this, seq, in, slot](http_response res) {
      if (res.status != 200) {
        auto e = error_of(res);
        slot->Clear();
        slot->set_request_id(in->request_id());
        slot->set_kernel_id(in->kernel_id());
        auto* ce = slot->mutable_error();
        ce->set_code(static_cast<int>(e.code));
        ce->set_message(std::move(e.message));
        ce->set_field(std::move(e.field));
      }
      reply(seq, std::move(*slot));
    };
    if (!timeout) {
      answered(error_response(error{sec::request_timeout, "the stream's deadline passed"}));
      return;
    }
    behind_layers(
      *st_, request_of(*ctx_, "/ringactor.v1.Kernels/ExecuteStream", cancel),
      [st = st_, in, slot, timeout = *timeout, cancel](const http_request&, responder answer) {
        auto shared = std::make_shared<responder>(std::move(answer));
        execute(st, *in, timeout, cancel,
                [slot, shared](v1::ExecuteReply r, std::optional<error> err) {
                  if (err) {
                    (*shared)(error_response(*err));
                    return;
                  }
                  *slot = std::move(r);
                  (*shared)(http_response::json(200, "{}"));
                });
      },
      std::move(answered));
  }

  /// Writes `r` now or after the replies before it; drops it when the
  /// call is broken (nobody reads it).
  void reply(std::uint64_t seq, v1::ExecuteReply r) {
    grpc::ByteBuffer bytes;
    bool own_buffer = false;
    auto serialized = grpc::SerializationTraits<v1::ExecuteReply>::Serialize(r, &bytes,
                                                                             &own_buffer);
    if (!serialized.ok()) {
      // Only a reply past protobuf's 2 GB could; say so in its place.
      v1::ExecuteReply err;
      err.set_request_id(r.request_id());
      err.set_kernel_id(r.kernel_id());
      err.mutable_error()->set_code(static_cast<int>(grpc::StatusCode::INTERNAL));
      err.mutable_error()->set_message("the reply does not serialize: "
                                       + serialized.error_message());
      bytes.Clear();
      grpc::SerializationTraits<v1::ExecuteReply>::Serialize(err, &bytes, &own_buffer);
    }
    std::unique_lock guard{mtx_};
    live_.erase(seq);
    if (broken_) {
      --pending_;
      finish_if_done(guard);
      return;
    }
    if (writing_) {
      queue_.push_back(std::move(bytes));
      return;
    }
    out_ = std::move(bytes);
    writing_ = true;
    guard.unlock();
    StartWrite(&out_);
  }

  /// The client went (or a write failed): nothing more is read or written;
  /// the queued replies are dropped (their requests were cancelled).
  void break_locked() {
    if (broken_)
      return;
    broken_ = true;
    pending_ -= queue_.size();
    queue_.clear();
    if (!reading_)
      reads_done_ = true; // no read outstanding, none will start
  }

  /// Finishes once nothing is outstanding: every request answered (so no
  /// outcome callback can reach this reactor any more), no read or write
  /// under way. The last thing its caller does with the reactor.
  void finish_if_done(std::unique_lock<std::mutex>& guard) {
    if (finished_ || !reads_done_ || pending_ != 0 || writing_)
      return;
    finished_ = true;
    grpc::Status status;
    if (broken_)
      status = {grpc::StatusCode::CANCELLED, "the stream was cancelled"};
    else if (!malformed_.empty())
      status = {grpc::StatusCode::INVALID_ARGUMENT, malformed_};
    guard.unlock();
    // The count drops on this thread after Finish (see unary_call::finish):
    // `st` stays alive (the front holds it) when this reactor is gone.
    auto st = st_;
    Finish(std::move(status));
    st->calls.fetch_sub(1, std::memory_order_release);
  }

  std::shared_ptr<front_state> st_;
  grpc::CallbackServerContext* ctx_;   // valid until OnDone
  grpc::ByteBuffer in_;                // the read under way writes it (one at a time)
  grpc::ByteBuffer out_;               // the write under way reads it (one at a time)
  std::mutex mtx_;                     // guards everything below
  std::deque<grpc::ByteBuffer> queue_; // serialized replies waiting for the write
  std::unordered_map<std::uint64_t, std::shared_ptr<cancellation>> live_; // unanswered
  std::uint64_t next_seq_ = 0;
  std::uint64_t read_ = 0;  // messages read (a malformed one's number in its error)
  std::string malformed_;   // set: a message did not parse; the stream's end status
  std::size_t pending_ = 0; // requests read whose reply is not written (or dropped)
  bool reading_ = false;    // a read is under way
  bool reads_done_ = false; // no read will come any more
  bool writing_ = false;    // a write is under way
  bool broken_ = false;     // cancelled or a write failed
  bool finished_ = false;
};

} // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
start_execute_stream(std::shared_ptr<front_state> st, grpc::CallbackServerContext* ctx) {
  return new execute_stream(std::move(st), ctx);
}

} // namespace ringactor::service::detail
