// See load_worker.hpp.
#include "load_worker.hpp"

#include <algorithm>

#include "parley/limits.hpp"
#include "parley/overloaded.hpp"
#include "substream.hpp"

namespace parley::load {
namespace {

double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

Body make_body(const workload::PlannedSend& send) {
  Body body;
  const std::size_t bytes = std::max<std::size_t>(send.payload_bytes, 1);
  if (send.encrypted) {
    body.kind = Body::Kind::encrypted;
    const std::size_t chars = std::min((bytes + 2) / 3 * 4, limits::opaque_bytes_max / 4 * 4);
    body.data.assign(chars, 'A');
  } else {
    // "load xxx…": one searchable word (search_word), then filler up to the planned size.
    body.text.assign(std::min(bytes, limits::text_bytes_max), 'x');
    const std::string word = std::string(search_word) + " ";
    if (body.text.size() >= word.size()) body.text.replace(0, word.size(), word);
  }
  return body;
}

}  // namespace

Worker::Worker(RunShared& shared, std::uint32_t index)
    : shared_(shared), index_(index), connect_timer_(io_), send_timer_(io_), ping_timer_(io_),
      churn_timer_(io_), read_timer_(io_) {}

void Worker::add_user(std::uint64_t user) {
  users_.push_back(user);
  const std::uint32_t devices = shared_.planner->population().devices(user);
  for (std::uint32_t d = 0; d < devices; ++d) {
    slot_of_[device_key(user, d)] = slots_.size();
    slots_.push_back(Slot{user, d});
  }
}

void Worker::add_send(const workload::PlannedSend& send) { sends_.push_back(send); }

void Worker::add_reconnect(std::int64_t at_us, std::uint64_t user) { churn_.emplace_back(at_us, user); }

void Worker::add_read(const workload::UserEvent& event) { reads_.push_back(event); }

void Worker::start() {
  connect_due();
  send_due();
  arm(ping_timer_, 1'000'000, &Worker::ping_due);
  if (!churn_.empty()) arm(churn_timer_, churn_.front().first, &Worker::churn_due);
  if (!reads_.empty()) arm(read_timer_, reads_.front().at_us, &Worker::read_due);
  for (std::size_t f = 0; f < shared_.storms.size(); ++f) {
    auto timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_at(shared_.start + std::chrono::microseconds(static_cast<std::int64_t>(shared_.storms[f].at_s * 1e6)));
    timer->async_wait([this, f](boost::system::error_code ec) {
      if (!ec && !shared_.stopping) storm(f);
    });
    storm_timers_.push_back(std::move(timer));
  }
  for (std::size_t f = 0; f < shared_.client_faults.size(); ++f) {
    const ClientFault& fault = shared_.client_faults[f];
    for (const bool begin : {true, false}) {
      auto timer = std::make_unique<asio::steady_timer>(io_);
      const double at_s = begin ? fault.at_s : fault.at_s + fault.duration_s;
      timer->expires_at(shared_.start + std::chrono::microseconds(static_cast<std::int64_t>(at_s * 1e6)));
      timer->async_wait([this, f, begin](boost::system::error_code ec) {
        if (!ec && !shared_.stopping) client_fault(f, begin);
      });
      storm_timers_.push_back(std::move(timer));
    }
  }
}

void Worker::arm(asio::steady_timer& timer, std::int64_t at_us, void (Worker::*what)()) {
  timer.expires_at(shared_.start + std::chrono::microseconds(at_us));
  timer.async_wait([this, what](boost::system::error_code ec) {
    if (!ec && !shared_.stopping) (this->*what)();
  });
}

void Worker::connect_due() {
  const std::int64_t now = shared_.now_us();
  const auto at_us = [&](std::uint64_t user) {
    return static_cast<std::int64_t>(shared_.planner->connect_at_s(user) * 1e6);
  };
  for (; next_user_ < users_.size() && at_us(users_[next_user_]) <= now; ++next_user_) {
    const std::uint64_t user = users_[next_user_];
    for (std::size_t i = slot_of_.at(device_key(user, 0)); i < slots_.size() && slots_[i].user == user; ++i) {
      connect(i);
    }
  }
  if (next_user_ < users_.size()) arm(connect_timer_, at_us(users_[next_user_]), &Worker::connect_due);
}

void Worker::connect(std::size_t i) {
  Slot& slot = slots_[i];
  const auto& sources = shared_.sources;
  std::optional<asio::ip::address> source;
  if (!sources.empty()) source = sources[(i * 7 + index_) % sources.size()];
  ConnectionSpec spec{shared_.target.endpoint, source, shared_.target.host_header, shared_.target.path,
                      shared_.target.token_for(slot.user, slot.device), device_key(slot.user, slot.device)};
  slot.conn = std::make_shared<Connection>(io_, std::move(spec), *this);
  slot.conn->start();
}

void Worker::reconnect_later(std::size_t i, std::int64_t delay_us) {
  Slot& slot = slots_[i];
  if (!slot.retry) slot.retry = std::make_unique<asio::steady_timer>(io_);
  slot.retry->expires_after(std::chrono::microseconds(delay_us));
  slot.retry->async_wait([this, i](boost::system::error_code ec) {
    if (!ec && !shared_.stopping && !slots_[i].conn) connect(i);
  });
}

// A deliberate drop (churn, storm): the device goes away for `away_us`, then reconnects and syncs.
void Worker::drop(std::size_t i, std::int64_t away_us) {
  Slot& slot = slots_[i];
  if (!slot.conn || !slot.conn->ready() || slot.dropping) return;
  slot.dropping = true;
  slot.away_us = away_us;
  slot.conn->close();
}

void Worker::churn_due() {
  const std::int64_t now = shared_.now_us();
  for (; next_churn_ < churn_.size() && churn_[next_churn_].first <= now; ++next_churn_) {
    const std::uint64_t user = churn_[next_churn_].second;
    for (std::size_t i = slot_of_.at(device_key(user, 0)); i < slots_.size() && slots_[i].user == user; ++i) {
      drop(i, churn_away_us);
    }
  }
  if (next_churn_ < churn_.size()) arm(churn_timer_, churn_[next_churn_].first, &Worker::churn_due);
}

// reconnect_storm: each device drops with probability `fraction` and comes back at a uniform time
// within the fault's duration (seeded per device and fault, so shards and reruns agree).
void Worker::storm(std::size_t f) {
  const scenario::Fault& fault = shared_.storms[f];
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const std::uint64_t key = device_key(slots_[i].user, slots_[i].device);
    const std::uint64_t bits = workload::mix(shared_.seed + f, workload::Stream::user_event_attributes, key);
    if (unit(bits) >= fault.params.fraction) continue;
    const double back = unit(workload::mix(bits, workload::Stream::user_event_times, key));
    drop(i, static_cast<std::int64_t>(back * fault.duration_s * 1e6));
  }
}

void Worker::send_due() {
  const std::int64_t now = shared_.now_us();
  for (; next_send_ < sends_.size() && sends_[next_send_].at_us <= now; ++next_send_) {
    send_one(sends_[next_send_]);
  }
  if (next_send_ < sends_.size()) arm(send_timer_, sends_[next_send_].at_us, &Worker::send_due);
}

void Worker::send_one(const workload::PlannedSend& send) {
  protocol::Send frame;
  frame.client_uuid = make_client_uuid(send.seq, send.at_us, shared_.run_id);
  if (send.to_group) {
    const auto group = shared_.groups.find(send.target);
    if (group == shared_.groups.end()) return shared_.recorder->on_dropped_send(shared_.now_us());
    frame.group = group->second;
  } else {
    frame.to = UserId(send.target + 1);
  }
  frame.body = make_body(send);
  const std::string uuid = frame.client_uuid;
  std::string text = protocol::encode(protocol::ClientFrame{std::move(frame)});
  const auto it = slot_of_.find(device_key(send.sender, 0));
  if (it == slot_of_.end()) return shared_.recorder->on_dropped_send(shared_.now_us());
  Slot& slot = slots_[it->second];
  if (slot.in_flight.size() < in_flight_max) slot.in_flight.emplace(uuid, text);
  if (slot.conn && slot.conn->ready()) {
    send_typing(*slot.conn, send);
    if (!slot.conn->send(std::move(text))) return shared_.recorder->on_dropped_send(shared_.now_us());
    shared_.recorder->on_sent(shared_.now_us());
  } else if (!slot.given_up && slot.pending.size() < pending_sends_max) {
    slot.pending.push_back(std::move(text));  // late, and its latency will say so
  } else {
    shared_.recorder->on_dropped_send(shared_.now_us());
  }
}

void Worker::ping_due() {
  // Each connection pings once per heartbeat interval, spread over the interval's seconds.
  const std::uint64_t tick = ++ping_tick_;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (i % shared_.heartbeat_s != tick % shared_.heartbeat_s) continue;
    if (slots_[i].conn && slots_[i].conn->ready()) {
      slots_[i].conn->send(protocol::encode(protocol::ClientFrame{protocol::Ping{}}));
    }
  }
  arm(ping_timer_, static_cast<std::int64_t>(tick + 1) * 1'000'000, &Worker::ping_due);
}

void Worker::on_ready(Connection& c) {
  const std::int64_t now = shared_.now_us();
  shared_.recorder->on_device_up(c.key(), now);
  Slot& slot = slots_[slot_of_.at(c.key())];
  slot.attempts = 0;
  if (slot.was_up) {
    replay(writer(c), *shared_.recorder, c.key());
    for (const auto& [uuid, text] : slot.in_flight) {  // acks lost with the old connection
      if (c.send(text)) shared_.recorder->on_resent();
    }
  }
  slot.was_up = true;
  for (std::string& text : slot.pending) {
    if (c.send(std::move(text))) {
      shared_.recorder->on_sent(now);
    } else {
      shared_.recorder->on_dropped_send(now);
    }
  }
  slot.pending.clear();
}

void Worker::on_frame(Connection& c, protocol::ServerFrame&& frame) {
  const std::int64_t now = shared_.now_us();
  std::visit(Overloaded{
                 [&](const protocol::Ack& ack) {
                   if (auto send = parse_client_uuid(ack.client_uuid)) {
                     shared_.recorder->on_ack(*send, ack.duplicate, now);
                   }
                   slots_[slot_of_.at(c.key())].in_flight.erase(ack.client_uuid);
                   if (ack.msg.value != 0) shared_.recorder->on_held(c.key(), ack.conv, ack.msg);
                 },
                 [&](const protocol::Deliver& d) { deliver(c, d); },
                 [&](const protocol::SyncDone& done) { on_sync_done(writer(c), *shared_.recorder, c.key(), done); },
                 [&](const protocol::HistoryPage& page) { on_history(c, page); },
                 [&](const protocol::SearchResult& result) { on_search(c, result); },
                 [&](const protocol::TypingUpdate& update) { on_typing(c, update); },
                 [&](const protocol::ErrorFrame& e) {
                   asked_history_.erase(e.rid);
                   on_error_frame(writer(c), *shared_.recorder, c.key(), e, now);
                 },
                 [](const auto&) {}},
             frame);
}

void Worker::deliver(Connection& c, const protocol::Deliver& d) {
  const StoredMessage& m = d.message;
  const bool first = shared_.recorder->on_delivery(c.key(), m.conv, m.id, m.client_uuid, shared_.now_us());
  c.send(protocol::encode(protocol::ClientFrame{protocol::Delivered{m.conv, m.id}}));
  if (!first) return;
  const auto send = parse_client_uuid(m.client_uuid);
  const std::uint64_t user = c.key() / 256;
  if (send && shared_.planner->reads_receipt(send->seq, user)) {
    c.send(protocol::encode(protocol::ClientFrame{protocol::Read{m.conv, m.id}}));
  }
}

FrameWriter Worker::writer(Connection& c) {
  return [&c](std::string text) { return c.send(std::move(text)); };
}

void Worker::on_closed(Connection& c, const std::string& why) {
  const std::int64_t now = shared_.now_us();
  const std::size_t i = slot_of_.at(c.key());
  Slot& slot = slots_[i];
  if (slot.conn.get() != &c) return;  // not the slot's current connection
  using Down = Recorder::Down;
  const bool in_fault = slot.fault_from_us >= 0 && now <= slot.fault_until_us + fault_close_margin_us;
  const Down kind = shared_.stopping ? Down::end_of_run
                    : slot.dropping  ? Down::deliberate
                    : in_fault       ? Down::fault
                                     : Down::unexpected;
  // A close caused by a client fault opens the device's gap at the fault's start: what was sent
  // to it since may have been lost with the connection, and sync only reaches known conversations.
  shared_.recorder->on_device_down(c.key(), kind, c.ready(), why, kind == Down::fault ? slot.fault_from_us : now);
  slot.conn.reset();
  if (kind == Down::deliberate) {
    slot.dropping = false;
    return reconnect_later(i, slot.away_us);
  }
  if (kind == Down::fault) return reconnect_later(i, std::max(slot.fault_until_us - now, reconnect_backoff_us));
  if (kind == Down::unexpected && ++slot.attempts <= reconnect_attempts_max) {
    return reconnect_later(i, reconnect_backoff_us << (slot.attempts - 1));
  }
  slot.given_up = kind == Down::unexpected;
  for (std::size_t k = 0; k < slot.pending.size(); ++k) shared_.recorder->on_dropped_send(now);
  slot.pending.clear();
}

void Worker::close_all() {
  connect_timer_.cancel();
  send_timer_.cancel();
  ping_timer_.cancel();
  churn_timer_.cancel();
  read_timer_.cancel();
  for (auto& timer : storm_timers_) timer->cancel();
  for (Slot& slot : slots_) {
    if (slot.retry) slot.retry->cancel();
    if (slot.conn) slot.conn->close();
  }
}

}  // namespace parley::load
