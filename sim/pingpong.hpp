// `parley-sim pingpong [N]`: the bare SimGrid reference for the simulator's overhead — two actors
// on two hosts exchanging N small messages through mailboxes, timed in wall-clock seconds.
#pragma once

namespace parley::sim {

int pingpong_command(int argc, char** argv);

}  // namespace parley::sim
