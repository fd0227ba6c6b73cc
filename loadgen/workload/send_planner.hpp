// The planned sends of a scenario: when, who, to whom, how big. One global arrival stream (an
// NHPP at online users × messages_per_user_per_s × profile); every attribute of send #seq comes
// from its own substream (seed, seq), so a shard (shard.hpp) gets exactly its users' sends of the
// unsharded plan. parley-load sends them at their planned times; parley-sim feeds them to the core.
#pragma once

#include <cstdint>
#include <optional>

#include "nhpp.hpp"
#include "parley/scenario/scenario.hpp"
#include "population_model.hpp"
#include "sampler.hpp"
#include "shard.hpp"

namespace parley::workload {

struct PlannedSend {
  std::uint64_t seq = 0;    // index in the unsharded plan (equal across shards)
  std::int64_t at_us = 0;   // intended send time from the start of the run
  std::uint64_t sender = 0; // user index
  bool to_group = false;
  std::uint64_t target = 0; // peer user (1:1) or group index (PopulationModel numbering)
  std::uint32_t payload_bytes = 0;
  bool encrypted = false;
  std::uint32_t typing_indicators = 0;  // to send just before the message
  bool operator==(const PlannedSend&) const = default;
};

class SendPlanner {
 public:
  SendPlanner(const scenario::Scenario& scenario, Shard shard = {});

  // The next send of this shard before the end of the run, or nullopt when the run is over.
  std::optional<PlannedSend> next();

  // When user u's connection comes up: the ramp connects users 0 .. online-1 in index order at a
  // steady rate; a user is only ever chosen as a sender after that time.
  double connect_at_s(std::uint64_t user) const;
  // Whether `recipient` sends a read receipt for send `seq` (read_receipt_share).
  bool reads_receipt(std::uint64_t seq, std::uint64_t recipient) const;

  const PopulationModel& population() const { return population_; }
  std::uint64_t candidates() const { return arrivals_.candidates(); }  // cost accounting

 private:
  PlannedSend plan(std::uint64_t seq, double t_s) const;
  std::uint64_t connected_at(double t_s) const;
  std::uint64_t pick_peer(std::uint64_t sender, Random& rng) const;

  scenario::Workload workload_;
  std::uint64_t seed_;
  double duration_s_;
  double ramp_s_;
  Shard shard_;
  PopulationModel population_;
  Sampler payload_;
  NhppArrivals arrivals_;
  std::uint64_t next_seq_ = 0;
  bool done_ = false;
};

}  // namespace parley::workload
