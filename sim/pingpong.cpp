// pingpong_command: see pingpong.hpp. Same platform shape as the simulator (a star zone, one link
// per host, CM02), so the figure is the cost of one host-to-host SimGrid message there.
#include "pingpong.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace parley::sim {
namespace {

namespace sg4 = simgrid::s4u;

void player(sg4::Mailbox* in, sg4::Mailbox* out, long rounds, bool serve) {
  static int token = 0;
  for (long i = 0; i < rounds; ++i) {
    if (serve) out->put(&token, 200);
    in->get<int>();
    if (!serve) out->put(&token, 200);
  }
}

}  // namespace

int pingpong_command(int argc, char** argv) {
  long rounds = 100'000;
  if (argc >= 2) {
    const std::string_view text = argv[1];
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rounds);
    if (ec != std::errc{} || end != text.data() + text.size() || rounds <= 0) {
      std::fprintf(stderr, "usage: parley-sim pingpong [ROUNDS]\n");
      return 2;
    }
  }
  int sg_argc = 1;
  char name[] = "parley-sim";
  char* sg_argv[] = {name, nullptr};
  xbt_log_control_set("root.thres:critical");
  sg4::Engine engine(&sg_argc, sg_argv);
  sg4::Engine::set_config("network/model:CM02");
  auto* zone = sg4::create_star_zone("pingpong");
  sg4::Host* hosts[2];
  for (int h = 0; h < 2; ++h) {
    hosts[h] = zone->create_host("h" + std::to_string(h), 1e9)->seal();
    auto* link = zone->create_link("l" + std::to_string(h), 1.25e9)->set_latency(0.00025)->seal();
    zone->add_route(hosts[h]->get_netpoint(), nullptr, nullptr, nullptr, {sg4::LinkInRoute(link)}, true);
  }
  zone->seal();
  auto* a = sg4::Mailbox::by_name("a");
  auto* b = sg4::Mailbox::by_name("b");
  sg4::Actor::create("ping", hosts[0], [=] { player(a, b, rounds, true); });
  sg4::Actor::create("pong", hosts[1], [=] { player(b, a, rounds, false); });
  const auto start = std::chrono::steady_clock::now();
  engine.run();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double messages = 2.0 * static_cast<double>(rounds);
  std::printf("{\"benchmark\":\"simgrid_mailbox_pingpong\",\"messages\":%.0f,\"wall_s\":%.3f,"
              "\"messages_per_wall_s\":%.0f,\"us_per_message\":%.3f}\n",
              messages, wall_s, messages / wall_s, wall_s * 1e6 / messages);
  return 0;
}

}  // namespace parley::sim
