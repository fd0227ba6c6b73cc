// Gateway: one client frame in. Decodes it (a bad frame is answered, not fatal, until too many in
// a row), keeps the session alive, and translates each operation into the envelope for the role
// that owns it. The gateway checks only what it alone knows (who the session is); membership and
// everything else is checked by the owning role.
#include <algorithm>
#include <string>
#include <utility>

#include "gateway_state.hpp"
#include "parley/conversation.hpp"
#include "parley/overloaded.hpp"

namespace parley {
namespace {

env::GroupCommand::Kind command_kind(protocol::GroupChange::Kind kind) {
  switch (kind) {
    case protocol::GroupChange::Kind::add: return env::GroupCommand::Kind::add;
    case protocol::GroupChange::Kind::remove: return env::GroupCommand::Kind::remove;
    case protocol::GroupChange::Kind::leave: return env::GroupCommand::Kind::leave;
    case protocol::GroupChange::Kind::info: return env::GroupCommand::Kind::info;
  }
  return env::GroupCommand::Kind::info;
}

// The frame's request ref, so an error can be correlated by the client.
std::string rid_of(const protocol::ClientFrame& frame) {
  return std::visit(
      [](const auto& f) -> std::string {
        if constexpr (requires { f.rid; }) {
          return f.rid;
        } else {
          return {};
        }
      },
      frame);
}

}  // namespace

void Gateway::State::on_frame(gw::FrameIn& in) {
  Session* s = find(in.session);
  if (s == nullptr) return;  // frames still in the transport after we closed the session
  ++stats_.frames_in;
  touch(*s);
  std::string rid;
  auto decoded = protocol::decode_client(in.text, &rid);
  if (!admit(*s, rid)) return;
  if (!decoded.ok()) {
    protocol_error(*s, decoded.error().code, decoded.error().message, std::move(rid));
    return;
  }
  if (!s->authenticated) {
    before_auth(*s, decoded.value());
    return;
  }
  if (std::holds_alternative<protocol::Auth>(decoded.value())) {
    protocol_error(*s, ErrorCode::already_authenticated, "this session is already authenticated", {});
    return;
  }
  s->consecutive_errors = 0;
  handle(*s, decoded.value());
}

// Any frame proves the client alive. Presence hears of it at most once per heartbeat interval,
// which is enough to keep its TTL (several intervals) from running out.
void Gateway::State::touch(Session& s) {
  const TimeMs t = now();
  s.last_activity_ms = std::max(s.last_activity_ms, t);
  if (s.authenticated && t >= s.presence_sent_ms + config_.heartbeat_interval_ms) {
    s.presence_sent_ms = t;
    route(env::DeviceOnline{s.device, ref(s.id)});
  }
}

// Every frame, good or bad, costs one token; the bucket holds frames_burst and refills at
// frames_per_s. A refused frame is answered rate_limited (with its rid, so the client knows which
// request to retry) and not acted on; rate_refusals_max refusals in a row close the session.
bool Gateway::State::admit(Session& s, std::string rid) {
  if (config_.frames_per_s == 0) return true;
  constexpr std::uint64_t frame_cost = 1000;
  const TimeMs t = now();
  const std::uint64_t capacity = std::uint64_t{config_.frames_burst} * frame_cost;
  if (t > s.rate_refilled_ms) {  // ms × frames/s = thousandths of a frame
    const std::uint64_t refill = (t - s.rate_refilled_ms) * config_.frames_per_s;
    s.rate_millitokens = std::min(capacity, s.rate_millitokens + refill);
    s.rate_refilled_ms = t;
  }
  if (s.rate_millitokens >= frame_cost) {
    s.rate_millitokens -= frame_cost;
    s.rate_refusals = 0;
    return true;
  }
  ++stats_.frames_rate_limited;
  const std::string limit = "over " + std::to_string(config_.frames_per_s) + " frames/s (burst " +
                            std::to_string(config_.frames_burst) + ")";
  if (++s.rate_refusals >= config_.rate_refusals_max) {
    ++stats_.closed_rate_limited;
    close(s, ErrorCode::rate_limited, limit + ": " + std::to_string(s.rate_refusals) + " frames refused in a row",
          std::move(rid));
    return false;
  }
  send_error(s.id, ErrorCode::rate_limited, limit + ": slow down and retry", std::move(rid));
  return false;
}

// A client that keeps sending frames we cannot use is closed after protocol_errors_max in a row;
// a single bad frame only costs an error reply.
void Gateway::State::protocol_error(Session& s, ErrorCode code, std::string message, std::string rid) {
  ++stats_.protocol_errors;
  if (++s.consecutive_errors >= config_.protocol_errors_max) {
    close(s, code,
          message + " (" + std::to_string(s.consecutive_errors) + " bad frames in a row: closing)",
          std::move(rid));
    return;
  }
  send_error(s.id, code, std::move(message), std::move(rid));
}

void Gateway::State::before_auth(Session& s, protocol::ClientFrame& frame) {
  auto* auth = std::get_if<protocol::Auth>(&frame);
  if (auth == nullptr) {
    protocol_error(s, ErrorCode::not_authenticated, "send auth first", rid_of(frame));
    return;
  }
  if (s.verifying) {
    protocol_error(s, ErrorCode::already_authenticated, "an auth is already being verified", {});
    return;
  }
  s.consecutive_errors = 0;
  s.verifying = next_request();
  verifying_.emplace(s.verifying, s.id);
  effects_.push_back(VerifyToken{s.verifying, s.id, std::move(auth->token)});
}

void Gateway::State::handle(Session& s, protocol::ClientFrame& frame) {
  const SessionRef origin = ref(s.id);
  const DeviceRef me = s.device;
  std::visit(
      Overloaded{
          [](protocol::Auth&) {},  // answered by on_frame before dispatch
          [&](protocol::Send& f) { submit(s, f); },
          [&](protocol::Delivered& f) {
            route(env::DeliveryAck{me, f.conv, f.msg});
            acknowledge(s, f.conv, f.msg);
          },
          [&](protocol::Sync& f) {
            for (const auto& p : f.positions) {
              route(env::SyncQuery{origin, me, f.rid, p.conv, p.after, f.limit});
            }
          },
          [&](protocol::History& f) {
            route(env::HistoryQuery{origin, me, std::move(f.rid), f.conv, f.before, f.limit});
          },
          [&](protocol::Search& f) {
            route(env::SearchQuery{origin, me, std::move(f.rid), std::move(f.query), f.conv, f.limit});
          },
          [&](protocol::Read& f) { route(env::ReadMark{me, f.conv, f.up_to}); },
          [&](protocol::Typing& f) { route(env::TypingNotice{me, f.conv, f.active}); },
          [&](protocol::PresenceSubscribe& f) {
            route(env::PresenceInterest{origin, me, std::move(f.rid), f.conv, f.subscribe});
          },
          [&](protocol::GroupCreate& f) { create_group(s, f); },
          [&](protocol::GroupChange& f) {
            route(env::GroupCommand{origin, me, std::move(f.rid), command_kind(f.kind), f.group, {},
                                    std::move(f.users)});
          },
          [&](protocol::PushRegister& f) { route(env::PushTokenSet{me, std::move(f.token)}); },
          [&](protocol::Mute& f) { route(env::MuteSet{me.user, f.conv, f.until_ms}); },
          [&](protocol::DoNotDisturb& f) { route(env::DndSet{me.user, f}); },
          [&](protocol::Ping&) { send(s.id, protocol::Pong{now()}); },
      },
      frame);
}

void Gateway::State::submit(Session& s, protocol::Send& f) {
  auto conv = f.to ? direct_conversation(s.device.user, f.to) : group_conversation(f.group);
  if (!conv.ok()) {
    send_error(s.id, conv.error().code, conv.error().message, std::move(f.rid));
    return;
  }
  route(env::Submit{ref(s.id), s.device, std::move(f.rid), std::move(f.client_uuid), conv.value(),
                    std::move(f.body)});
}

void Gateway::State::create_group(Session& s, protocol::GroupCreate& f) {
  auto group = allocate_group();
  if (!group.ok()) {
    send_error(s.id, group.error().code, group.error().message, std::move(f.rid));
    return;
  }
  route(env::GroupCommand{ref(s.id), s.device, std::move(f.rid), env::GroupCommand::Kind::create,
                          group.value(), std::move(f.name), std::move(f.members)});
}

// Group ids are snowflakes of this gateway, so gateways allocate without coordination. A group id
// must keep bit 63 clear (that bit marks direct conversations); snowflake timestamps reach it only
// in 2059, and we refuse rather than mint an id that would alias a direct conversation.
Result<GroupId> Gateway::State::allocate_group() {
  if (!group_ids_) {
    return Error{ErrorCode::internal, "this gateway's node id cannot allocate group ids"};
  }
  const GroupId group{group_ids_->next()};
  if (!group_conversation(group).ok()) {
    return Error{ErrorCode::internal, "group id space exhausted (snowflake bit 63 set)"};
  }
  return group;
}

}  // namespace parley
