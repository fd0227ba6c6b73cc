// See recorder.hpp. One mutex: a first cut that is simple to trust; per-thread recorders merged
// at the end are the way to go if the lock ever shows in a profile.
#include "recorder.hpp"

#include <algorithm>
#include <charconv>

namespace parley::load {
namespace {

std::uint64_t since(std::int64_t intended_us, std::int64_t now_us) {
  return now_us > intended_us ? static_cast<std::uint64_t>(now_us - intended_us) : 0;
}

bool is_group_conv(ConversationId conv) { return (conv.value >> 63) == 0; }

}  // namespace

std::string make_client_uuid(std::uint64_t seq, std::int64_t intended_us, std::uint64_t run) {
  return "L" + std::to_string(seq) + "." + std::to_string(intended_us) + "." + std::to_string(run);
}

std::optional<UuidFields> parse_client_uuid(std::string_view uuid) {
  if (uuid.size() < 4 || uuid[0] != 'L') return std::nullopt;
  const auto dot = uuid.find('.');
  const auto dot2 = dot == std::string_view::npos ? dot : uuid.find('.', dot + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  const char* p = uuid.data();
  UuidFields f;
  auto a = std::from_chars(p + 1, p + dot, f.seq);
  auto b = std::from_chars(p + dot + 1, p + dot2, f.intended_us);
  auto c = std::from_chars(p + dot2 + 1, p + uuid.size(), f.run);
  if (a.ec != std::errc{} || a.ptr != p + dot || b.ec != std::errc{} || b.ptr != p + dot2) return std::nullopt;
  if (c.ec != std::errc{} || c.ptr != p + uuid.size()) return std::nullopt;
  return f;
}

void Recorder::on_sent(std::int64_t) {
  std::lock_guard lock(mutex_);
  ++counts_.sent;
  ++second_.sends;
}

void Recorder::on_ack(const UuidFields& send, bool duplicate, std::int64_t now_us) {
  std::lock_guard lock(mutex_);
  if (duplicate) ++extras_.duplicate_acks;
  if (!acked_.insert(send.seq).second) return;  // a second ack of one send is not a second message
  ++counts_.acked;
  ++second_.acks;
  ack_.record(since(send.intended_us, now_us));
  second_ack_.record(since(send.intended_us, now_us));
}

void Recorder::on_error_frame(std::string_view code, std::int64_t) {
  std::lock_guard lock(mutex_);
  ++extras_.error_codes[std::string(code)];
  ++counts_.errors;
  ++extras_.error_frames;
  ++second_.errors;
}

void Recorder::on_dropped_send(std::int64_t) {
  std::lock_guard lock(mutex_);
  ++counts_.errors;
  ++extras_.dropped_sends;
  ++second_.errors;
}

bool Recorder::on_delivery(std::uint64_t device, ConversationId conv, MessageId msg,
                           std::string_view client_uuid, std::int64_t now_us) {
  const auto send = parse_client_uuid(client_uuid);
  std::lock_guard lock(mutex_);
  if (!send || send->run != run_id_) {
    ++extras_.foreign;
    return false;
  }
  DeviceLedger& ledger = ledgers_[device];
  auto [it, fresh] = ledger.got.emplace(send->seq, msg);
  if (!fresh) {
    if (it->second == msg) {
      ++extras_.redelivered;  // the protocol's at-least-once repeat; the client drops it
    } else {
      ++counts_.duplicated;   // one planned send stored twice: dedup failed
    }
    return false;
  }
  DeviceLedger::Position& position = ledger.position[conv.value];
  if (msg.value < position.top) {
    const bool replayed = !ledger.gaps.empty() && send->intended_us <= ledger.gaps.back().second;
    ++(replayed ? extras_.replay_out_of_order : counts_.reordered);
  }
  position.top = std::max(position.top, msg.value);
  if (!position.syncing) position.synced = std::max(position.synced, msg.value);
  ledger.held[conv.value].push_back(msg.value);
  ++counts_.delivered;
  ++second_.deliveries;
  delivery_.record(since(send->intended_us, now_us));
  second_delivery_.record(since(send->intended_us, now_us));
  if (is_group_conv(conv)) {
    auto [spread, first] = group_spread_.emplace(send->seq, std::pair{now_us, now_us});
    if (!first) {
      spread->second.first = std::min(spread->second.first, now_us);
      spread->second.second = std::max(spread->second.second, now_us);
    }
  }
  return true;
}

void Recorder::on_device_up(std::uint64_t device, std::int64_t now_us) {
  std::lock_guard lock(mutex_);
  ++connections_;
  DeviceLedger& ledger = ledgers_[device];
  if (ledger.up_at_us < 0) ledger.up_at_us = now_us;
  ledger.session_up_us = now_us;
  if (ledger.lost()) {
    ledger.gaps.back().second = now_us;
    ++extras_.reconnects;
  }
}

void Recorder::on_resent() {
  std::lock_guard lock(mutex_);
  ++extras_.resent;
}

void Recorder::on_sync_sent() {
  std::lock_guard lock(mutex_);
  ++extras_.syncs;
}

void Recorder::on_sync_requested(std::uint64_t device,
                                 const std::vector<std::pair<ConversationId, MessageId>>& positions) {
  std::lock_guard lock(mutex_);
  DeviceLedger& ledger = ledgers_[device];
  for (const auto& [conv, after] : positions) ledger.position[conv.value].syncing = true;
}

void Recorder::on_sync_done(std::uint64_t device, ConversationId conv, MessageId through, bool more) {
  std::lock_guard lock(mutex_);
  DeviceLedger::Position& position = ledgers_[device].position[conv.value];
  position.synced = std::max(position.synced, through.value);
  if (!more) position.syncing = false;
}

void Recorder::on_resync(std::uint64_t device, std::int64_t now_us) {
  std::lock_guard lock(mutex_);
  ++extras_.resyncs;
  DeviceLedger& ledger = ledgers_[device];
  if (ledger.lost()) return;  // not up (cannot happen on a live session): nothing to excuse
  const std::int64_t from = ledger.session_up_us >= 0 ? ledger.session_up_us : now_us;
  ledger.gaps.emplace_back(from, now_us);
}

std::vector<std::pair<ConversationId, MessageId>> Recorder::positions(std::uint64_t device,
                                                                      std::size_t max) const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<ConversationId, MessageId>> out;
  const auto it = ledgers_.find(device);
  if (it == ledgers_.end()) return out;
  for (const auto& [conv, position] : it->second.position) {
    if (out.size() == max) break;
    out.emplace_back(ConversationId{conv}, MessageId{position.synced});
  }
  return out;
}

void Recorder::on_device_down(std::uint64_t device, Down kind, bool was_up, const std::string& why,
                              std::int64_t now_us) {
  std::lock_guard lock(mutex_);
  if (was_up) --connections_;
  // What was outstanding went with the session: the next one syncs those conversations again.
  if (const auto it = ledgers_.find(device); it != ledgers_.end()) {
    for (auto& [conv, position] : it->second.position) position.syncing = false;
  }
  if (kind == Down::end_of_run) return;
  DeviceLedger& ledger = ledgers_[device];
  if (!ledger.lost()) ledger.gaps.emplace_back(now_us, INT64_MAX);
  if (kind == Down::deliberate) {
    ++extras_.deliberate_drops;
    return;
  }
  if (kind == Down::fault) {
    ++extras_.fault_closes;
    ++extras_.close_reasons["during a client fault: " + why];
    return;
  }
  ++extras_.close_reasons[why];
  ++counts_.errors;
  ++second_.errors;
  ++(was_up ? extras_.disconnects : extras_.connect_failures);
}

void Recorder::count_error() {
  ++counts_.errors;
  ++second_.errors;
}

void Recorder::on_held(std::uint64_t device, ConversationId conv, MessageId msg) {
  std::lock_guard lock(mutex_);
  ledgers_[device].held[conv.value].push_back(msg.value);
}

std::vector<ConversationId> Recorder::conversations(std::uint64_t device) const {
  std::lock_guard lock(mutex_);
  std::vector<ConversationId> out;
  const auto it = ledgers_.find(device);
  if (it == ledgers_.end()) return out;
  for (const auto& [conv, ids] : it->second.held) out.push_back(ConversationId{conv});
  std::sort(out.begin(), out.end());  // the choice among them must not depend on hashing
  return out;
}

std::vector<std::uint64_t> Recorder::held(std::uint64_t device, ConversationId conv) const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> out;
  const auto it = ledgers_.find(device);
  if (it == ledgers_.end()) return out;
  const auto ids = it->second.held.find(conv.value);
  if (ids == it->second.held.end()) return out;
  out = ids->second;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Recorder::on_typing_sent() {
  std::lock_guard lock(mutex_);
  ++extras_.typing_sent;
  ++second_.typing;
}

void Recorder::on_typing_received(bool misdirected) {
  std::lock_guard lock(mutex_);
  ++extras_.typing_received;
  if (!misdirected) return;
  ++extras_.typing_misdirected;
  count_error();
}

void Recorder::on_history_sent() {
  std::lock_guard lock(mutex_);
  ++extras_.history_reads;
  ++second_.history_reads;
}

void Recorder::on_history_page(std::uint64_t messages, std::uint64_t checked, std::uint64_t missing,
                               std::uint64_t out_of_order) {
  std::lock_guard lock(mutex_);
  ++extras_.history_pages;
  extras_.history_messages += messages;
  extras_.history_checked += checked;
  extras_.history_missing += missing;
  extras_.history_out_of_order += out_of_order;
  if (missing + out_of_order > 0) count_error();  // one error per bad page
}

void Recorder::on_search_sent() {
  std::lock_guard lock(mutex_);
  ++extras_.searches;
  ++second_.searches;
}

void Recorder::on_search_result(std::uint64_t hits, std::uint64_t foreign, std::uint64_t unchecked) {
  std::lock_guard lock(mutex_);
  ++extras_.search_results;
  extras_.search_hits += hits;
  extras_.search_hits_foreign += foreign;
  extras_.search_hits_unchecked += unchecked;
  if (foreign > 0) count_error();  // one error per result that leaks
}

void Recorder::on_client_fault(bool slow, std::uint64_t devices) {
  std::lock_guard lock(mutex_);
  (slow ? extras_.slow_devices : extras_.partitioned_devices) += devices;
}

void Recorder::on_read_skipped() {
  std::lock_guard lock(mutex_);
  ++extras_.reads_skipped;
}

metrics::TimeseriesRow Recorder::roll_second(double t_s) {
  std::lock_guard lock(mutex_);
  metrics::TimeseriesRow row = second_;
  row.t_s = t_s;
  row.connections = static_cast<std::uint64_t>(std::max<std::int64_t>(connections_, 0));
  row.ack_p50_us = second_ack_.percentile(50);
  row.ack_p99_us = second_ack_.percentile(99);
  row.delivery_p50_us = second_delivery_.percentile(50);
  row.delivery_p99_us = second_delivery_.percentile(99);
  second_ = {};
  second_ack_.clear();
  second_delivery_.clear();
  return row;
}

Progress Recorder::progress(double elapsed_s) const {
  std::lock_guard lock(mutex_);
  return Progress{elapsed_s,          connections_,          counts_.sent,
                  counts_.delivered,  counts_.errors,        ack_.percentile(50),
                  ack_.percentile(99), delivery_.percentile(50), delivery_.percentile(99)};
}

metrics::Counts Recorder::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::map<std::string, metrics::Histogram> Recorder::histograms() const {
  std::lock_guard lock(mutex_);
  metrics::Histogram skew;
  for (const auto& [seq, spread] : group_spread_) {
    skew.record(static_cast<std::uint64_t>(spread.second - spread.first));
  }
  return {{"ack", ack_}, {"delivery", delivery_}, {"fanout_skew", skew}};
}

}  // namespace parley::load
