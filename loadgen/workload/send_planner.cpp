// See send_planner.hpp.
#include "send_planner.hpp"

#include <algorithm>
#include <cmath>

#include "substream.hpp"

namespace parley::workload {
namespace {

constexpr int group_tries_max = 8;  // groups with no connected member are skipped, then 1:1

}  // namespace

SendPlanner::SendPlanner(const scenario::Scenario& s, Shard shard)
    : workload_(s.workload),
      seed_(s.seed),
      duration_s_(s.duration_s),
      ramp_s_(s.ramp_s),
      shard_(shard),
      population_(s),
      payload_(s.workload.payload_bytes),
      arrivals_(substream(s.seed, Stream::send_times, 0),
                static_cast<double>(population_.online()) * s.workload.messages_per_user_per_s,
                RateProfile(s.workload.profile, s.ramp_s)) {}

std::optional<PlannedSend> SendPlanner::next() {
  while (!done_) {
    const double t_s = arrivals_.next();
    if (!(t_s < duration_s_)) {
      done_ = true;
      break;
    }
    PlannedSend send = plan(next_seq_++, t_s);
    if (shard_.owns(send.sender)) return send;
  }
  return std::nullopt;
}

double SendPlanner::connect_at_s(std::uint64_t user) const {
  return ramp_s_ * static_cast<double>(user) / static_cast<double>(population_.online());
}

std::uint64_t SendPlanner::connected_at(double t_s) const {
  if (ramp_s_ <= 0 || t_s >= ramp_s_) return population_.online();
  const double share = t_s / ramp_s_;
  const auto n = static_cast<std::uint64_t>(std::ceil(share * static_cast<double>(population_.online())));
  return std::clamp<std::uint64_t>(n, 1, population_.online());
}

bool SendPlanner::reads_receipt(std::uint64_t seq, std::uint64_t recipient) const {
  Random rng = substream(mix(seed_, Stream::read_receipts, seq), Stream::read_receipts, recipient);
  return rng.unit() < workload_.read_receipt_share;
}

std::uint64_t SendPlanner::pick_peer(std::uint64_t sender, Random& rng) const {
  const std::uint64_t contacts = population_.contact_count(sender);
  if (contacts > 0) return population_.contact(sender, rng.uniform(contacts));
  const std::uint64_t other = rng.uniform(population_.users() - 1);  // anyone but the sender
  return other >= sender ? other + 1 : other;
}

PlannedSend SendPlanner::plan(std::uint64_t seq, double t_s) const {
  Random rng = substream(seed_, Stream::send_attributes, seq);
  PlannedSend send;
  send.seq = seq;
  send.at_us = static_cast<std::int64_t>(t_s * 1e6);
  const std::uint64_t connected = connected_at(t_s);
  bool placed = false;
  if (rng.unit() < workload_.group_share && population_.group_count() > 0) {
    for (int i = 0; i < group_tries_max && !placed; ++i) {
      const std::uint64_t group = population_.pick_group(rng);
      if (auto sender = population_.pick_sender(group, connected, rng)) {
        send = PlannedSend{seq, send.at_us, *sender, true, group};
        placed = true;
      }
    }
  }
  if (!placed) {
    send.sender = rng.uniform(connected);
    send.target = population_.users() > 1 ? pick_peer(send.sender, rng) : send.sender;
  }
  send.payload_bytes = static_cast<std::uint32_t>(payload_.sample_integer(rng));
  send.encrypted = rng.unit() < workload_.encrypted_share;
  const double typing = workload_.typing_per_message;
  send.typing_indicators = static_cast<std::uint32_t>(typing) +
                           (rng.unit() < typing - std::floor(typing) ? 1 : 0);
  return send;
}

}  // namespace parley::workload
