// How a parley-load device catches up on what it may have missed: one `sync` of every conversation
// it holds messages in, from its positions (the id up to which it holds everything, not the highest
// id it holds: Recorder::positions), paged on through `sync.done` `more`. Run after a reconnect,
// and when the server asks for it (an `error` resync_required with no rid: docs/protocol.md
// section 3). Plain C++: frames leave through a FrameWriter, so the reaction to a server frame is
// testable without a connection (tests/loadgen/replay_test.cpp, sync_position_test.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "parley/ids.hpp"
#include "parley/protocol.hpp"
#include "recorder.hpp"

namespace parley::load {

inline constexpr std::uint32_t sync_page = 200;  // page_size_max of the protocol

// Writes one text frame on the device's connection; false if it could not (closed, queue full).
using FrameWriter = std::function<bool(std::string)>;

// Asks for what follows each (conversation, position) on `device`'s session; nothing to ask for an
// empty list. The conversations' syncs are outstanding from here until their sync.done.
void request_sync(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                  const std::vector<std::pair<ConversationId, MessageId>>& positions);

// A `sync.done` received by `device`: the conversation's position moves to `through`; with `more`
// the sync goes on from there (from `through`, not from the newest id held: a live delivery during
// the replay must not skip the rest of the page).
void on_sync_done(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                  const protocol::SyncDone& done);

// Syncs every conversation `device` holds messages in from its positions (up to
// sync_positions_max): the replay of a reconnect and of a resync the server asks for.
void replay(const FrameWriter& write, Recorder& recorder, std::uint64_t device);

// The server's notice that live delivery to this session was interrupted (registered late):
// resync_required without a rid. With a rid it would answer a request, which parley-load never
// makes with that outcome, so it stays an error.
bool is_resync_request(const protocol::ErrorFrame& error);

// An `error` frame received by `device`: a resync request replays (counted as a resync, not an
// error; the session stays open); any other error frame is counted as an error by code.
void on_error_frame(const FrameWriter& write, Recorder& recorder, std::uint64_t device,
                    const protocol::ErrorFrame& error, std::int64_t now_us);

}  // namespace parley::load
