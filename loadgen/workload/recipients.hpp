// The one definition of whom a planned send reaches, shared by parley-load (verifier) and
// parley-sim (traced sample, bulk model): every device of the peer or of each group member, and
// the sender's other devices — counted only for users online (index < online()); the sending
// device (device 0) gets the ack, not a delivery. Summary `delivered` counts these pairs.
#pragma once

#include <cstdint>

#include "population_model.hpp"
#include "send_planner.hpp"

namespace parley::workload {

// Calls visit(user, device) for each recipient device of `send`, members in PopulationModel order.
template <class Visit>
void for_each_recipient(const PopulationModel& people, const PlannedSend& send, Visit&& visit) {
  const auto user_devices = [&](std::uint64_t user) {
    if (user >= people.online()) return;  // offline users get a push, not a delivery
    const std::uint32_t devices = people.devices(user);
    for (std::uint32_t d = 0; d < devices; ++d) {
      if (user == send.sender && d == 0) continue;  // the sending device
      visit(user, d);
    }
  };
  if (send.to_group) {
    const std::uint64_t size = people.group_size(send.target);
    for (std::uint64_t k = 0; k < size; ++k) user_devices(people.member(send.target, k));
  } else {
    if (send.target != send.sender) user_devices(send.target);
    user_devices(send.sender);  // the sender's other devices
  }
}

// How many recipient devices `send` has (for_each_recipient's count).
std::uint64_t recipient_devices(const PopulationModel& people, const PlannedSend& send);

// The analytic expectation of recipient devices per planned send, from the model's parameters:
// (1 − g)·(c·D + D − 1) + g·(c·D·(S_b − 1) + D − 1), with g the group share, c the online share,
// D the mean devices per user and S_b the size-biased group size (hot groups weighted by their
// rate multiplier, as pick_group chooses). parley-sim's bulk model and the tests use it.
struct DeliveryExpectation {
  double devices_per_user = 1;      // D
  double online_share = 1;          // c: online users / users
  double group_size_biased = 2;     // S_b (members, sender included)
  double recipient_users = 1;       // other users per send, before the online share
  double per_send = 0;              // recipient devices per send
  double hot_send_share = 0;        // of all sends, those into a hot group (g × pick_group's share)
  double hot_per_send = 0;          // recipient devices of one hot-group send
};
DeliveryExpectation expected_deliveries(const PopulationModel& people, const scenario::Scenario& s);

}  // namespace parley::workload
