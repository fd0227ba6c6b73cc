// One io thread of parley-load: its share of the devices (connected along the ramp), its share of
// the planned sends (each written at its intended time, or as soon as its connection is up),
// pings, delivery acks and read receipts. Internal to parley-load (Asio inside).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <map>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "group_setup.hpp"
#include "reads_check.hpp"
#include "recorder.hpp"
#include "replay.hpp"
#include "run_options.hpp"
#include "send_planner.hpp"
#include "user_events.hpp"
#include "ws_connection.hpp"

namespace parley::load {

// Sends planned while the sender's connection is still coming up wait here, up to this many.
inline constexpr std::size_t pending_sends_max = 1024;
inline constexpr std::size_t in_flight_max = 4096;  // beyond: not resent (counted as unacked)
// After an unexpected close: retry after 0.5 s, 1 s, 2 s, ... then give the device up.
inline constexpr int reconnect_attempts_max = 5;
inline constexpr std::int64_t reconnect_backoff_us = 500'000;
inline constexpr std::int64_t churn_away_us = 1'000'000;  // a churn reconnect stays away this long
// A connection closed during a client fault or this long after it is the fault's doing.
inline constexpr std::int64_t fault_close_margin_us = 2'000'000;
inline constexpr std::uint32_t history_page = 50;         // messages per history read
inline constexpr std::uint32_t search_limit = 20;         // hits per search
inline constexpr std::size_t history_pending_max = 256;   // unanswered history reads kept per worker
// Every text body parley-load sends starts with this word, so a search for it finds messages.
inline constexpr const char* search_word = "load";

using Clock = std::chrono::steady_clock;

// What every worker reads and nobody writes once the run has started.
struct RunShared {
  const workload::SendPlanner* planner = nullptr;  // reads_receipt, population (const, pure)
  Recorder* recorder = nullptr;
  GroupIds groups;
  const Membership* membership = nullptr;  // search hits and typing updates: the user's conversations?
  SetupTarget target;
  std::vector<asio::ip::address> sources;
  Clock::time_point start;
  std::uint32_t heartbeat_s = 30;
  std::uint64_t seed = 1;
  std::uint64_t run_id = 0;  // in every client uuid (recorder.hpp)
  std::vector<scenario::Fault> storms;  // reconnect_storm faults of the schedule (target ignored)
  std::vector<ClientFault> client_faults;  // --client-partition, --slow-consumers
  std::atomic<bool> stopping{false};

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  }
};

class Worker : public ConnectionHandler {
 public:
  Worker(RunShared& shared, std::uint32_t index);

  void add_user(std::uint64_t user);                  // before start()
  void add_send(const workload::PlannedSend& send);   // before start(), in time order
  void add_reconnect(std::int64_t at_us, std::uint64_t user);  // churn, before start(), in order
  void add_read(const workload::UserEvent& event);  // history read or search, before start(), in order
  void start();       // on the io thread: timers for ramp, sends and pings
  void close_all();   // on the io thread: graceful close of every connection
  asio::io_context& io() { return io_; }

  void on_ready(Connection& c) override;
  void on_frame(Connection& c, protocol::ServerFrame&& frame) override;
  void on_closed(Connection& c, const std::string& why) override;

 private:
  struct Slot {
    std::uint64_t user = 0;
    std::uint32_t device = 0;
    std::shared_ptr<Connection> conn;
    std::vector<std::string> pending;  // device 0 only: sends waiting for auth.ok
    // device 0 only: sends written but not acked yet (client uuid → frame). After a reconnect they
    // are written again, as a real client must: the server's dedup answers with the original id.
    std::map<std::string, std::string> in_flight;
    int attempts = 0;                  // failed reconnects in a row
    bool dropping = false;             // closed by us on purpose (churn, storm)
    std::int64_t away_us = 0;          // how long a deliberate drop stays away
    bool given_up = false;
    bool was_up = false;               // has authenticated at least once: a reconnect syncs
    std::unique_ptr<asio::steady_timer> retry;
    std::int64_t fault_from_us = -1;   // the last client fault this device took part in
    std::int64_t fault_until_us = -1;
  };

  void connect_due();
  void connect(std::size_t slot);
  void reconnect_later(std::size_t slot, std::int64_t delay_us);
  void drop(std::size_t slot, std::int64_t away_us);
  void churn_due();
  void storm(std::size_t fault);
  void client_fault(std::size_t fault, bool begin);
  void send_due();
  void ping_due();
  void send_one(const workload::PlannedSend& send);
  void send_typing(Connection& c, const workload::PlannedSend& send);
  void read_due();
  void read_one(const workload::UserEvent& event);
  void on_history(Connection& c, const protocol::HistoryPage& page);
  void on_search(Connection& c, const protocol::SearchResult& result);
  void on_typing(Connection& c, const protocol::TypingUpdate& update);
  void deliver(Connection& c, const protocol::Deliver& d);
  static FrameWriter writer(Connection& c);
  void arm(asio::steady_timer& timer, std::int64_t at_us, void (Worker::*what)());

  RunShared& shared_;
  std::uint32_t index_;
  asio::io_context io_;
  asio::steady_timer connect_timer_, send_timer_, ping_timer_, churn_timer_, read_timer_;
  std::vector<workload::UserEvent> reads_;  // history reads and searches, in time order
  std::size_t next_read_ = 0;
  struct AskedHistory {
    ConversationId conv;
    std::vector<std::uint64_t> held;  // what the page must contain (reads_check.hpp)
  };
  std::map<std::string, AskedHistory> asked_history_;  // rid → the read
  std::vector<std::unique_ptr<asio::steady_timer>> storm_timers_;
  std::vector<std::pair<std::int64_t, std::uint64_t>> churn_;  // (at_us, user)
  std::size_t next_churn_ = 0;
  std::vector<std::uint64_t> users_;       // in connect order
  std::size_t next_user_ = 0;
  std::vector<workload::PlannedSend> sends_;
  std::size_t next_send_ = 0;
  std::vector<Slot> slots_;
  std::unordered_map<std::uint64_t, std::size_t> slot_of_;  // device key → slot
  std::uint64_t ping_tick_ = 0;
};

}  // namespace parley::load
