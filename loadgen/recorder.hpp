// Everything parley-load measures while a run goes on: counts, latency histograms from the
// intended send time, per-second rows, and per recipient device which planned sends arrived (the
// ledger that verifier.hpp checks against the plan). Thread-safe: every io thread records here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "parley/ids.hpp"
#include "parley/metrics/histogram.hpp"
#include "parley/metrics/run_results.hpp"

namespace parley::load {

// client_uuid of a planned send: "L<seq>.<intended_us>.<run>", so any recipient (any shard) knows
// which planned send arrived and when it was meant to leave, without asking the sender. The run id
// (shared by the shards of one run) keeps a rerun's sends from being deduplicated as the previous
// run's by a server that kept its data, and tells this run's messages from older ones.
std::string make_client_uuid(std::uint64_t seq, std::int64_t intended_us, std::uint64_t run = 0);
struct UuidFields {
  std::uint64_t seq = 0;
  std::int64_t intended_us = 0;
  std::uint64_t run = 0;
};
std::optional<UuidFields> parse_client_uuid(std::string_view uuid);

// A recipient device as one key: user index × 256 + device index (devices per user < 256).
inline std::uint64_t device_key(std::uint64_t user, std::uint32_t device) { return user * 256 + device; }

struct DeviceLedger {
  std::unordered_map<std::uint64_t, MessageId> got;        // seq → the message id it arrived as
  // Per conversation the device knows: `top`, the highest id it holds (reorder accounting), and
  // `synced`, the id up to which it holds every message: where its next sync starts. A live
  // delivery moves `synced` only while no sync of that conversation is outstanding on the current
  // session (`syncing`): during a replay it may be ahead of what the replay has not sent yet, and
  // a connection lost before sync.done must not skip that gap (docs/loadgen.md, Reconnects).
  struct Position {
    std::uint64_t top = 0;
    std::uint64_t synced = 0;
    bool syncing = false;  // sync sent on the current session, sync.done with more = false not yet seen
  };
  std::unordered_map<std::uint64_t, Position> position;    // conv → its position
  std::int64_t up_at_us = -1;                              // first auth.ok time; -1 never
  std::int64_t session_up_us = -1;                         // the current session's auth.ok time
  // [down, back) while the device was away (dropped by us or the server); back = INT64_MAX if it
  // never came back. Sends intended around a gap are not judged (verifier.hpp). A resync the
  // server asked for is a gap too: from the session's auth.ok until the notice, live delivery to
  // the device was interrupted (not registered), and what it missed comes back through a replay.
  std::vector<std::pair<std::int64_t, std::int64_t>> gaps;
  // conv → ids of this run's messages the device saw acknowledged (its own sends) or delivered:
  // what its history pages must contain (reads_check.hpp). Unsorted, may repeat.
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> held;
  bool lost() const { return !gaps.empty() && gaps.back().second == INT64_MAX; }
};

struct Progress {
  double elapsed_s = 0;
  std::int64_t connections = 0;
  std::uint64_t sends = 0, deliveries = 0, errors = 0;
  std::uint64_t ack_p50_us = 0, ack_p99_us = 0, delivery_p50_us = 0, delivery_p99_us = 0;
};

// Tool-specific figures that go to summary.json's extra object.
struct Extras {
  std::uint64_t redelivered = 0;        // repeats of a (conv, msg) the device already held
  std::uint64_t foreign = 0;            // msg frames not from this run's plan (system messages)
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;        // unexpected closes (the server's or the network's)
  std::uint64_t deliberate_drops = 0;   // reconnect churn and storms executed by parley-load
  std::uint64_t reconnects = 0;         // devices back after a drop
  std::uint64_t syncs = 0;              // sync requests sent after reconnects and resyncs
  std::uint64_t resyncs = 0;            // resync_required notices (no rid) answered with a replay
  // Older ids arriving after newer ones because a reconnect's (or resync's) replay brought them: the
  // protocol allows it (clients sort by id), so it is not counted as reordered.
  std::uint64_t replay_out_of_order = 0;
  std::uint64_t resent = 0;             // unacked sends written again after a reconnect
  std::uint64_t duplicate_acks = 0;     // acks with dup = true (the server's dedup at work)
  std::uint64_t error_frames = 0;
  std::uint64_t dropped_sends = 0;      // planned but never sent (no connection, queue full)
  std::map<std::string, std::uint64_t> error_codes;  // error frames by code (why closes happened)
  std::map<std::string, std::uint64_t> close_reasons;  // unexpected closes by transport reason
  // The workload's other traffic (docs/loadgen.md, Reads and typing). Misdirected typing, history
  // pages missing held messages or out of order, and search hits outside the user's conversations
  // are errors; the rest are counts.
  std::uint64_t typing_sent = 0;
  std::uint64_t typing_received = 0;
  std::uint64_t typing_misdirected = 0;    // to a non-member, or echoed to the typist
  std::uint64_t history_reads = 0;
  std::uint64_t history_pages = 0;
  std::uint64_t history_messages = 0;      // messages on the pages received
  std::uint64_t history_checked = 0;       // held messages a page had to contain
  std::uint64_t history_missing = 0;
  std::uint64_t history_out_of_order = 0;  // includes messages of another conversation
  std::uint64_t searches = 0;
  std::uint64_t search_results = 0;
  std::uint64_t search_hits = 0;
  std::uint64_t search_hits_foreign = 0;   // in a conversation the user is not part of
  std::uint64_t search_hits_unchecked = 0; // in a group this shard did not create
  std::uint64_t reads_skipped = 0;         // history/search due while offline or with no conversation yet
  // Client faults (run_options.hpp): devices paused or slowed, and connections the server (or the
  // network) closed during one, or just after: a consequence of the fault, not an error.
  std::uint64_t partitioned_devices = 0;
  std::uint64_t slow_devices = 0;
  std::uint64_t fault_closes = 0;
};

class Recorder {
 public:
  void set_run_id(std::uint64_t run) { run_id_ = run; }  // before the run; deliveries of other runs are foreign
  void on_sent(std::int64_t now_us);
  void on_ack(const UuidFields& send, bool duplicate, std::int64_t now_us);
  void on_error_frame(std::string_view code, std::int64_t now_us);
  void on_dropped_send(std::int64_t now_us);
  // Returns true if this was the device's first copy of that planned send (read receipts follow).
  bool on_delivery(std::uint64_t device, ConversationId conv, MessageId msg,
                   std::string_view client_uuid, std::int64_t now_us);
  void on_device_up(std::uint64_t device, std::int64_t now_us);
  // fault: closed during a client fault (or just after); the gap starts at the fault's start.
  enum class Down { end_of_run, deliberate, unexpected, fault };
  // `was_up`: the connection had authenticated (else it was a failed connect).
  void on_device_down(std::uint64_t device, Down kind, bool was_up, const std::string& why,
                      std::int64_t now_us);
  void on_sync_sent();
  // A sync of these conversations is asked for on the device's current session (written or not:
  // the gap it is to fill stays open either way): live deliveries stop moving their `synced`.
  void on_sync_requested(std::uint64_t device, const std::vector<std::pair<ConversationId, MessageId>>& positions);
  // sync.done: the device holds everything of `conv` up to `through` (pages arrive in order before
  // it); with more = false the conversation's sync is over. A lost connection ends it too.
  void on_sync_done(std::uint64_t device, ConversationId conv, MessageId through, bool more);
  // The server asked `device` to sync (resync_required, no rid): not an error; the session's
  // window without live delivery becomes a gap, and the replay that follows is judged as one.
  void on_resync(std::uint64_t device, std::int64_t now_us);
  void on_resent();
  // An own send acknowledged to `device` as (conv, msg): its history must show it.
  void on_held(std::uint64_t device, ConversationId conv, MessageId msg);
  // The conversations the device holds messages in (sorted), and its held ids in one (sorted, unique).
  std::vector<ConversationId> conversations(std::uint64_t device) const;
  std::vector<std::uint64_t> held(std::uint64_t device, ConversationId conv) const;
  void on_typing_sent();
  void on_typing_received(bool misdirected);
  void on_history_sent();
  void on_history_page(std::uint64_t messages, std::uint64_t checked, std::uint64_t missing,
                       std::uint64_t out_of_order);
  void on_search_sent();
  void on_search_result(std::uint64_t hits, std::uint64_t foreign, std::uint64_t unchecked);
  void on_read_skipped();
  void on_client_fault(bool slow, std::uint64_t devices);
  // Conversation → the id up to which the device holds everything (`synced`, not the highest id it
  // holds): the positions of the sync after a reconnect or a resync notice.
  std::vector<std::pair<ConversationId, MessageId>> positions(std::uint64_t device, std::size_t max) const;

  // Closes the current second: its row, and the live figures for the progress line.
  metrics::TimeseriesRow roll_second(double t_s);
  Progress progress(double elapsed_s) const;

  // After the run (no io thread left): the raw material of the verdict.
  const std::unordered_map<std::uint64_t, DeviceLedger>& ledgers() const { return ledgers_; }
  const std::unordered_set<std::uint64_t>& acked() const { return acked_; }
  metrics::Counts counts() const;
  const Extras& extras() const { return extras_; }
  std::map<std::string, metrics::Histogram> histograms() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t run_id_ = 0;
  metrics::Counts counts_;
  Extras extras_;
  std::int64_t connections_ = 0;
  metrics::Histogram ack_, delivery_, second_ack_, second_delivery_;
  metrics::TimeseriesRow second_;
  std::unordered_map<std::uint64_t, DeviceLedger> ledgers_;
  std::unordered_set<std::uint64_t> acked_;
  std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> group_spread_;  // seq → first, last
  void count_error();  // under mutex_
};

}  // namespace parley::load
