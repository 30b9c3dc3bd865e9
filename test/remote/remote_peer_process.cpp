// A peer in a process of its own for the remote suite: connects a transport
// to 127.0.0.1:PORT, sends the frame "hello from <pid>", prints "sent" and
// waits until it is killed (or, bounded, 60 s).
//
//   remote_peer_process PORT TRANSPORTS
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <ringactor/remote/transport.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: remote_peer_process PORT TRANSPORTS\n");
    return 2;
  }
  auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  ringactor::remote::transport_config cfg;
  cfg.transports = argv[2];
  auto t = ringactor::remote::transport::start(cfg, {});
  if (!t) {
    std::fprintf(stderr, "%s\n", to_string(t.error()).c_str());
    return 1;
  }
  auto peer = (*t)->connect("127.0.0.1", port);
  auto text = "hello from " + std::to_string(::getpid());
  std::vector<std::byte> frame(text.size());
  std::memcpy(frame.data(), text.data(), text.size());
  (*t)->send(peer, std::move(frame));
  std::printf("sent\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds{60});
  return 0;
}
