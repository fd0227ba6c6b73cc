// The local engine (see local_run.hpp). Simulated clients speak the real protocol: frames are
// encoded and decoded with the core's codec, so a run exercises the same paths as a server.
#include "local_run.hpp"

#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "arrivals.hpp"
#include "parley/conversation.hpp"
#include "parley/local_node.hpp"
#include "parley/overloaded.hpp"
#include "parley/protocol.hpp"
#include "parley/random.hpp"

namespace parley::sim {
namespace {

namespace pr = protocol;

struct ClientDevice {
  UserId user;
  DeviceId device;
  SessionId session;
  std::map<ConversationId, MessageId> last;  // newest id seen per conversation (order check)
};

struct Planned {
  std::size_t sender = 0;               // device index
  std::set<std::size_t> recipients;     // device indices still expected
  std::set<std::size_t> delivered;
};

class Harness {
 public:
  explicit Harness(const LocalRunConfig& config)
      : config_(config), node_(LocalNode::Config{}, clock_), rng_(config.seed ^ 0x51dULL) {}

  LocalRunSummary run() {
    connect_everyone();
    create_groups();
    drive_traffic();
    check_history();
    for (const auto& p : planned_) {
      summary_.missing += p.recipients.size() - p.delivered.size();
    }
    summary_.simulated_ms = clock_.now_ms() - start_ms_;
    return summary_;
  }

 private:
  std::size_t device_index(std::size_t user_index, std::size_t d) const {
    return user_index * config_.devices_per_user + d;
  }

  void send(std::size_t device, const pr::ClientFrame& frame) {
    node_.receive(devices_[device].session, pr::encode(frame));
  }

  void connect_everyone() {
    for (std::uint32_t u = 0; u < config_.users; ++u) {
      for (std::uint32_t d = 0; d < config_.devices_per_user; ++d) {
        ClientDevice device{UserId{u + 1ULL}, DeviceId{d + 1ULL}, node_.open(), {}};
        devices_.push_back(device);
        send(devices_.size() - 1, pr::Auth{make_dev_token(device.user, device.device)});
      }
    }
    collect();
  }

  void create_groups() {
    const std::uint32_t size = std::min(config_.group_size, config_.users);
    user_groups_.resize(config_.users);
    for (std::uint32_t g = 0; g < config_.groups && size >= 2; ++g) {
      std::set<std::uint32_t> members;
      while (members.size() < size) members.insert(static_cast<std::uint32_t>(rng_.uniform(config_.users)));
      std::vector<std::uint32_t> list(members.begin(), members.end());
      pr::GroupCreate create{"g" + std::to_string(g), "group " + std::to_string(g), {}};
      for (std::size_t i = 1; i < list.size(); ++i) create.members.push_back(UserId{list[i] + 1ULL});
      groups_.push_back({GroupId{}, list});
      send(device_index(list[0], 0), create);
      collect();
    }
  }

  void drive_traffic() {
    start_ms_ = clock_.now_ms();
    const TimeMs end_ms = start_ms_ + config_.duration_ms;
    workload::PoissonArrivals arrivals(config_.seed, config_.users, config_.messages_per_user_per_s,
                                       start_ms_);
    auto arrival = arrivals.next();
    TimeMs next_tick = start_ms_ + config_.tick_ms;
    TimeMs last_ping = start_ms_;
    while (std::min(arrival.at_ms, next_tick) < end_ms) {
      if (arrival.at_ms < next_tick) {
        clock_.set(std::max(arrival.at_ms, clock_.now_ms()));
        send_message(arrival.user_index);
        arrival = arrivals.next();
      } else {
        clock_.set(next_tick);
        next_tick += config_.tick_ms;
        if (clock_.now_ms() - last_ping >= limits::heartbeat_interval_ms - 5'000) {
          last_ping = clock_.now_ms();
          for (std::size_t i = 0; i < devices_.size(); ++i) send(i, pr::Ping{});
        }
        node_.tick();
      }
      collect();
    }
    // Grace period: long enough for every redelivery deadline to pass.
    for (TimeMs t = 0; t <= limits::redelivery_after_ms * 2; t += config_.tick_ms) {
      clock_.advance(config_.tick_ms);
      node_.tick();
      collect();
    }
  }

  void send_message(std::uint64_t user_index) {
    const std::size_t device = device_index(user_index, rng_.uniform(config_.devices_per_user));
    pr::Send send_frame;
    send_frame.client_uuid = "m" + std::to_string(planned_.size());
    send_frame.body.text = "hello " + std::to_string(planned_.size()) + " from user " +
                           std::to_string(user_index + 1);
    std::vector<std::uint32_t> members;
    const auto& mine = user_groups_[user_index];
    const bool to_group = !mine.empty() && rng_.unit() < config_.group_share;
    if (to_group) {
      const auto& group = groups_[mine[rng_.uniform(mine.size())]];
      send_frame.group = group.id;
      members = group.members;
    } else {
      auto peer = static_cast<std::uint32_t>(rng_.uniform(config_.users - 1));
      if (peer >= user_index) ++peer;
      send_frame.to = UserId{peer + 1ULL};
      members = {static_cast<std::uint32_t>(user_index), peer};
    }
    Planned plan{device, {}, {}};
    for (auto member : members) {
      for (std::uint32_t d = 0; d < config_.devices_per_user; ++d) {
        if (device_index(member, d) != device) plan.recipients.insert(device_index(member, d));
      }
    }
    summary_.expected_deliveries += plan.recipients.size();
    planned_.push_back(std::move(plan));
    ++summary_.sends;
    send(device, send_frame);
  }

  // Reads every frame the node sent, acks deliveries like a real client, and keeps the books.
  void collect() {
    for (bool again = true; again;) {
      again = false;
      for (std::size_t i = 0; i < devices_.size(); ++i) {
        for (const auto& frame : node_.take_frames(devices_[i].session)) {
          auto decoded = pr::decode_server(*frame);
          if (!decoded.ok()) {
            ++summary_.errors;
            continue;
          }
          again |= handle(i, decoded.value());
        }
      }
    }
  }

  bool handle(std::size_t device, const pr::ServerFrame& frame) {
    return std::visit(
        Overloaded{
            [&](const pr::Ack&) { ++summary_.acks; return false; },
            [&](const pr::Deliver& d) { return on_deliver(device, d.message); },
            [&](const pr::GroupInfo& g) {
              const auto index = std::stoul(g.rid.substr(1));
              if (g.rid[0] == 'g' && index < groups_.size() && !groups_[index].id) {
                groups_[index].id = g.group;
                for (auto member : groups_[index].members) user_groups_[member].push_back(index);
                ++summary_.groups_created;
              }
              return false;
            },
            [&](const pr::ErrorFrame& e) {
              if (summary_.errors++ < 5) fprintf(stderr, "parley-sim: error frame %s: %s\n",
                                                 std::string(to_string(e.code)).c_str(), e.message.c_str());
              return false;
            },
            [&](const auto&) { return false; },
        },
        frame);
  }

  bool on_deliver(std::size_t device, const StoredMessage& m) {
    auto& client = devices_[device];
    auto& last = client.last[m.conv];
    if (m.id <= last) ++summary_.out_of_order;
    last = std::max(last, m.id);
    send(device, pr::Delivered{m.conv, m.id});
    if (m.sender.value == 0) return true;  // a system message: order is all there is to check
    const auto index = std::stoul(m.client_uuid.substr(1));
    auto& plan = planned_.at(index);
    if (!plan.recipients.count(device)) {
      ++summary_.errors;
    } else if (!plan.delivered.insert(device).second) {
      ++summary_.duplicates;
    } else {
      ++summary_.delivered;
    }
    return true;
  }

  void check_history() {
    for (std::size_t g = 0; g < groups_.size() && g < 5; ++g) {
      auto conv = group_conversation(groups_[g].id);
      if (!conv.ok()) continue;
      const std::size_t reader = device_index(groups_[g].members[0], 0);
      send(reader, pr::History{"h", conv.value(), MessageId{}, limits::page_size_max});
      for (const auto& frame : node_.take_frames(devices_[reader].session)) {
        auto decoded = pr::decode_server(*frame);
        if (!decoded.ok()) continue;
        if (auto* page = std::get_if<pr::HistoryPage>(&decoded.value())) {
          bool newest_first = true;
          for (std::size_t i = 1; i < page->messages.size(); ++i) {
            newest_first &= page->messages[i].id < page->messages[i - 1].id;
          }
          if (newest_first && !page->messages.empty()) ++summary_.history_checked;
        }
      }
    }
  }

  struct Group {
    GroupId id;
    std::vector<std::uint32_t> members;  // user indices, members[0] created it
  };

  LocalRunConfig config_;
  ManualClock clock_;
  LocalNode node_;
  Random rng_;
  TimeMs start_ms_ = 0;
  std::vector<ClientDevice> devices_;
  std::vector<Planned> planned_;
  std::vector<Group> groups_;
  std::vector<std::vector<std::uint32_t>> user_groups_;
  LocalRunSummary summary_;
};

}  // namespace

LocalRunSummary run_local(const LocalRunConfig& config) { return Harness(config).run(); }

std::string LocalRunSummary::to_json(const LocalRunConfig& c) const {
  std::ostringstream out;
  out << "{\"engine\":\"local\",\"seed\":" << c.seed << ",\"users\":" << c.users
      << ",\"devices_per_user\":" << c.devices_per_user << ",\"groups\":" << c.groups
      << ",\"group_size\":" << c.group_size << ",\"duration_ms\":" << c.duration_ms
      << ",\"sends\":" << sends << ",\"acks\":" << acks
      << ",\"expected_deliveries\":" << expected_deliveries << ",\"delivered\":" << delivered
      << ",\"duplicates\":" << duplicates << ",\"out_of_order\":" << out_of_order
      << ",\"missing\":" << missing << ",\"errors\":" << errors
      << ",\"groups_created\":" << groups_created << ",\"history_checked\":" << history_checked
      << ",\"simulated_ms\":" << simulated_ms << ",\"passed\":" << (passed() ? "true" : "false")
      << "}";
  return out.str();
}

}  // namespace parley::sim
