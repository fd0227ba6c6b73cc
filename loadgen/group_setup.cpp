// See group_setup.hpp. Creators are connected at most setup_connections_max at a time; each sends
// all its group.create frames at once and closes when every reply is in.
#include "group_setup.hpp"

#include <charconv>
#include <map>
#include <vector>

#include "parley/overloaded.hpp"

namespace parley::load {
namespace {

class GroupSetup : public ConnectionHandler {
 public:
  GroupSetup(const SetupTarget& target, std::map<std::uint64_t, std::vector<std::uint64_t>> jobs,
             const workload::PopulationModel& people)
      : target_(target), jobs_(std::move(jobs)), people_(people), next_(jobs_.begin()) {}

  Result<GroupIds> run() {
    for (std::size_t i = 0; i < setup_connections_max; ++i) start_next();
    io_.run_for(std::chrono::seconds(setup_timeout_s));
    if (!error_.empty()) return Error{ErrorCode::internal, "group setup: " + error_};
    if (done_ < jobs_.size()) {
      return Error{ErrorCode::internal, "group setup: timed out after " +
                                           std::to_string(setup_timeout_s) + " s with " +
                                           std::to_string(jobs_.size() - done_) + " creators left"};
    }
    return ids_;
  }

  void on_ready(Connection& c) override {
    const std::uint64_t creator = c.key();
    for (std::uint64_t g : jobs_.at(creator)) {
      protocol::GroupCreate create;
      create.rid = "g" + std::to_string(g);
      create.name = "load-" + std::to_string(g);
      const std::uint64_t size = people_.group_size(g);
      for (std::uint64_t k = 0; k < size; ++k) {
        const std::uint64_t m = people_.member(g, k);
        if (m != creator) create.members.push_back(UserId(m + 1));
      }
      c.send(protocol::encode(protocol::ClientFrame{std::move(create)}));
    }
  }

  void on_frame(Connection& c, protocol::ServerFrame&& frame) override {
    std::visit(Overloaded{
                   [&](const protocol::GroupInfo& info) { on_group(c, info); },
                   [&](const protocol::ErrorFrame& e) {
                     error_ = "creator user " + std::to_string(c.key() + 1) + ": " +
                              std::string(to_string(e.code)) + ": " + e.message;
                     io_.stop();
                   },
                   [](const auto&) {}},
               frame);
  }

  void on_closed(Connection& c, const std::string& why) override {
    if (pending_.count(c.key()) && pending_[c.key()] > 0) {
      error_ = "creator user " + std::to_string(c.key() + 1) + ": " + why;
      io_.stop();
      return;
    }
    ++done_;
    if (done_ == jobs_.size()) io_.stop();
    start_next();
  }

 private:
  void start_next() {
    if (next_ == jobs_.end()) return;
    const std::uint64_t creator = next_->first;
    pending_[creator] = next_->second.size();
    ++next_;
    ConnectionSpec spec{target_.endpoint, std::nullopt, target_.host_header, target_.path,
                        target_.token_for(creator, 0), creator};
    std::make_shared<Connection>(io_, std::move(spec), *this)->start();
  }

  void on_group(Connection& c, const protocol::GroupInfo& info) {
    std::uint64_t g = 0;
    if (info.rid.size() < 2 ||
        std::from_chars(info.rid.data() + 1, info.rid.data() + info.rid.size(), g).ec != std::errc{}) {
      return;
    }
    ids_[g] = info.group;
    if (--pending_[c.key()] == 0) c.close();
  }

  const SetupTarget& target_;
  std::map<std::uint64_t, std::vector<std::uint64_t>> jobs_;  // creator → groups
  const workload::PopulationModel& people_;
  std::map<std::uint64_t, std::vector<std::uint64_t>>::const_iterator next_;
  asio::io_context io_;
  std::map<std::uint64_t, std::size_t> pending_;
  std::size_t done_ = 0;
  GroupIds ids_;
  std::string error_;
};

}  // namespace

Result<GroupIds> create_groups(const SetupTarget& target, const workload::PopulationModel& people,
                               workload::Shard shard) {
  std::map<std::uint64_t, std::vector<std::uint64_t>> jobs;
  for (std::uint64_t g = 0; g < people.group_count(); ++g) {
    const std::uint64_t size = people.group_size(g);
    for (std::uint64_t k = 0; k < size; ++k) {
      const std::uint64_t m = people.member(g, k);
      if (shard.owns(m)) {
        jobs[m].push_back(g);
        break;
      }
    }
  }
  if (jobs.empty()) return GroupIds{};
  return GroupSetup(target, std::move(jobs), people).run();
}

}  // namespace parley::load
