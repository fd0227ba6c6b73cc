// See replay.hpp.
#include "replay.hpp"

#include "parley/limits.hpp"

namespace parley::load {

void request_sync(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                  const std::vector<std::pair<ConversationId, MessageId>>& positions) {
  if (positions.empty()) return;
  recorder.on_sync_requested(device, positions);
  protocol::Sync frame;
  frame.rid = "sync";
  frame.limit = sync_page;
  for (const auto& [conv, after] : positions) frame.positions.push_back(protocol::SyncPosition{conv, after});
  if (write(protocol::encode(protocol::ClientFrame{std::move(frame)}))) recorder.on_sync_sent();
}

void on_sync_done(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                  const protocol::SyncDone& done) {
  recorder.on_sync_done(device, done.conv, done.through, done.more);
  if (done.more) request_sync(write, recorder, device, {{done.conv, done.through}});
}

void replay(const FrameWriter& write, Recorder& recorder, std::uint64_t device) {
  request_sync(write, recorder, device, recorder.positions(device, limits::sync_positions_max));
}

bool is_resync_request(const protocol::ErrorFrame& error) {
  return error.code == ErrorCode::resync_required && error.rid.empty();
}

void on_error_frame(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                    const protocol::ErrorFrame& error, std::int64_t now_us) {
  if (!is_resync_request(error)) return recorder.on_error_frame(to_string(error.code), now_us);
  recorder.on_resync(device, now_us);  // first: deliveries the sync brings are judged as replayed
  replay(write, recorder, device);
}

}  // namespace parley::load
