// Sim-vs-core equivalence (issue #5): the same scripted client inputs run once through LocalNode
// (the unit-tested runtime) and once through the simulator's Deployment (the roles on simulated
// hosts, fixed store latencies, no load), and every device must see the same frames: message ids
// (by order of first appearance, since snowflakes carry the runtime's time and node), order,
// dedup results and error codes. Timing (ids' bits, times, session ids) is not compared.
#include <gtest/gtest.h>
#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "deployment.hpp"
#include "parley/conversation.hpp"
#include "parley/local_node.hpp"
#include "parley/overloaded.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::sim {
namespace {

namespace pr = protocol;

// What a script needs of a runtime: sessions, frames in, frames out, and "let everything settle".
class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual SessionId open() = 0;
  virtual void send(SessionId session, const pr::ClientFrame& frame) = 0;
  virtual void close(SessionId session) = 0;
  std::vector<pr::ServerFrame> frames(SessionId session) const {
    auto it = log_.find(session);
    return it == log_.end() ? std::vector<pr::ServerFrame>{} : it->second;
  }

 protected:
  void record(SessionId session, const std::string& text) {
    auto decoded = pr::decode_server(text);
    ASSERT_TRUE(decoded.ok()) << text;
    log_[session].push_back(decoded.value());
  }
  std::map<SessionId, std::vector<pr::ServerFrame>> log_;
};

class LocalRuntime final : public Runtime {
 public:
  LocalRuntime() : node_(LocalNode::Config{}, clock_) {}
  SessionId open() override { return collect(node_.open()); }
  void send(SessionId session, const pr::ClientFrame& frame) override {
    node_.receive(session, pr::encode(frame));
    for (const auto& [s, _] : sessions_) collect(s);
  }
  void close(SessionId session) override {
    node_.close(session);
    for (const auto& [s, _] : sessions_) collect(s);
  }

 private:
  SessionId collect(SessionId session) {
    sessions_[session] = true;
    for (const auto& frame : node_.take_frames(session)) record(session, *frame);
    return session;
  }
  ManualClock clock_;
  LocalNode node_;
  std::map<SessionId, bool> sessions_;
};

// The deployment on a SimGrid platform; the calendar is run until empty after every input (the
// roles' own timers only run from tick(), which the script never needs).
class SimRuntime final : public Runtime {
 public:
  explicit SimRuntime(const scenario::Scenario& s)
      : engine_(make_engine()),
        platform_(*engine_, s.topology),
        calendar_(1'767'225'600'000ULL),
        population_(s),
        load_(s, population_, calibration_),
        deployment_(s, calibration_, platform_, calendar_, load_, 7) {
    deployment_.set_client_sinks([this](SessionId session, FramePtr frame) { record(session, *frame); },
                                 [](SessionId, ErrorCode) {});
  }
  SessionId open() override {
    const SessionId session = deployment_.open(0);
    settle();
    return session;
  }
  void send(SessionId session, const pr::ClientFrame& frame) override {
    deployment_.frame_in(0, session, pr::encode(frame));
    settle();
  }
  void close(SessionId session) override {
    deployment_.closed(0, session);
    settle();
  }

 private:
  static std::unique_ptr<simgrid::s4u::Engine> make_engine() {
    static int argc = 1;
    static char name[] = "equivalence";
    static char* argv[] = {name, nullptr};
    xbt_log_control_set("root.thres:critical");
    return std::make_unique<simgrid::s4u::Engine>(&argc, argv);
  }
  void settle() {
    while (!calendar_.empty()) calendar_.run_next();
  }
  std::unique_ptr<simgrid::s4u::Engine> engine_;
  Platform platform_;
  EventCalendar calendar_;
  Calibration calibration_;
  workload::PopulationModel population_;
  LoadModel load_;
  Deployment deployment_;
};

scenario::Scenario fixed_latency_scenario() {
  auto parsed = scenario::parse_file(PARLEY_SOURCE_DIR "/scenarios/sim-smoke.yaml");
  EXPECT_TRUE(parsed.ok());
  scenario::Scenario s = parsed.value();
  s.topology.store.write_latency_ms = scenario::Fixed{1};
  s.topology.store.read_latency_ms = scenario::Fixed{1};
  return s;
}

// Frames as a client sees them, with ids renamed by first appearance (m1, m2, g1...).
class Canon {
 public:
  std::string operator()(const pr::ServerFrame& frame) {
    std::ostringstream out;
    std::visit(Overloaded{
                   [&](const pr::AuthOk& f) { out << "auth_ok u" << f.user.value << " d" << f.device.value; },
                   [&](const pr::Ack& f) {
                     out << "ack " << f.rid << " " << f.client_uuid << " " << conv(f.conv) << " " << msg(f.msg)
                         << (f.duplicate ? " duplicate" : "");
                   },
                   [&](const pr::Deliver& f) {
                     out << "msg " << conv(f.message.conv) << " " << msg(f.message.id) << " from u"
                         << f.message.sender.value << " '" << f.message.body.text << "'";
                   },
                   [&](const pr::SyncDone& f) {
                     out << "sync_done " << f.rid << " " << conv(f.conv) << " through " << msg(f.through)
                         << (f.more ? " more" : "") << (f.resync_required ? " resync" : "");
                   },
                   [&](const pr::GroupInfo& f) {
                     out << "group " << f.rid << " " << conv(f.conv) << " owner u" << f.owner.value << " members";
                     for (const UserId u : f.members) out << " u" << u.value;
                   },
                   [&](const pr::ErrorFrame& f) { out << "error " << f.rid << " " << to_string(f.code); },
                   [&](const auto&) { out << "frame #" << frame.index(); },
               },
               frame);
    return out.str();
  }
  MessageId id_of(const std::string& name) const { return names_to_ids_.at(name); }

 private:
  std::string msg(MessageId id) {
    if (!id) return "m0";
    auto [it, fresh] = messages_.try_emplace(id, "m" + std::to_string(messages_.size() + 1));
    if (fresh) names_to_ids_[it->second] = id;
    return it->second;
  }
  std::string conv(ConversationId c) {
    if (is_direct(c)) return "c" + std::to_string(c.value & ~direct_conversation_bit);
    auto [it, fresh] = groups_.try_emplace(c, "g" + std::to_string(groups_.size() + 1));
    return it->second;
  }
  std::map<MessageId, std::string> messages_;
  std::map<std::string, MessageId> names_to_ids_;
  std::map<ConversationId, std::string> groups_;
};

pr::Send text_to(UserId to, std::string uuid, std::string text) {
  pr::Send s;
  s.rid = "r-" + uuid;
  s.client_uuid = std::move(uuid);
  s.to = to;
  s.body.text = std::move(text);
  return s;
}

// The script: logins, a 1:1 send and its retry, a delivery ack, a group and a message to it, a
// send from a non-member, a device that goes away, misses a message, comes back and syncs.
// Returns each device's canonical frames, in order; the script reads ids from its own runtime.
std::map<std::string, std::vector<std::string>> run_script(Runtime& rt) {
  Canon canon;
  std::map<std::string, SessionId> at;
  auto login = [&](const std::string& who, UserId u, DeviceId d) {
    at[who] = rt.open();
    rt.send(at[who], pr::Auth{make_dev_token(u, d)});
  };
  auto last_deliver = [&](const std::string& who) {
    const auto frames = rt.frames(at[who]);
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      if (const auto* d = std::get_if<pr::Deliver>(&*it)) return d->message;
    }
    return StoredMessage{};
  };
  const UserId alice{1}, bob{2}, carol{3}, dave{4};
  login("alice", alice, DeviceId{1});
  login("bob-phone", bob, DeviceId{1});
  login("bob-laptop", bob, DeviceId{2});
  login("carol", carol, DeviceId{1});
  login("dave", dave, DeviceId{1});

  rt.send(at["alice"], text_to(bob, "a1", "hi bob"));
  rt.send(at["alice"], text_to(bob, "a1", "hi bob"));  // a retry: duplicate, same id
  const StoredMessage first = last_deliver("bob-phone");
  rt.send(at["bob-phone"], pr::Delivered{first.conv, first.id});

  rt.send(at["alice"], pr::GroupCreate{"g", "team", {bob, carol}});
  GroupId group;
  for (const auto& f : rt.frames(at["alice"])) {
    if (const auto* info = std::get_if<pr::GroupInfo>(&f)) group = info->group;
  }
  pr::Send to_group = text_to(UserId{}, "c1", "hello team");
  to_group.group = group;
  rt.send(at["carol"], to_group);
  pr::Send intruder = text_to(UserId{}, "d1", "let me in");
  intruder.group = group;
  rt.send(at["dave"], intruder);  // not a member: an error, nobody gets it

  const StoredMessage laptop_last = last_deliver("bob-laptop");
  rt.close(at["bob-laptop"]);
  rt.send(at["alice"], text_to(bob, "a2", "while you were away"));
  login("bob-laptop again", bob, DeviceId{2});
  pr::Sync sync;
  sync.rid = "s";
  sync.positions = {{first.conv, first.id}, {laptop_last.conv, laptop_last.id}};  // 1:1 missed one
  rt.send(at["bob-laptop again"], sync);

  std::map<std::string, std::vector<std::string>> seen;
  for (const auto& [who, session] : at) {
    for (const auto& frame : rt.frames(session)) seen[who].push_back(canon(frame));
  }
  return seen;
}

TEST(SimCoreEquivalence, SameClientInputsGiveTheSameFramesPerDevice) {
  LocalRuntime local;
  const auto expected = run_script(local);
  SimRuntime sim(fixed_latency_scenario());
  const auto got = run_script(sim);
  EXPECT_EQ(got, expected);
  // The script reached what it is about, so two equally empty logs cannot pass.
  auto has = [&](const std::string& who, const std::string& start) {
    const auto& frames = expected.at(who);
    return std::any_of(frames.begin(), frames.end(), [&](const auto& f) { return f.rfind(start, 0) == 0; });
  };
  EXPECT_TRUE(has("alice", "ack r-a1 a1"));
  EXPECT_TRUE(has("bob-phone", "msg "));
  EXPECT_TRUE(has("carol", "ack r-c1 c1"));
  EXPECT_TRUE(has("dave", "error r-d1 not_member"));
  EXPECT_TRUE(has("bob-laptop again", "sync_done s"));
  EXPECT_TRUE(has("bob-laptop again", "msg "));  // the replay of what it missed
  if (got != expected) {  // both logs, to read the first difference
    for (const auto* log : {&expected, &got}) {
      std::cout << (log == &expected ? "LocalNode:\n" : "Deployment:\n");
      for (const auto& [who, frames] : *log) {
        for (const auto& f : frames) std::cout << "  " << who << ": " << f << "\n";
      }
    }
  }
}

}  // namespace
}  // namespace parley::sim
