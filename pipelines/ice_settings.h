// How a gateway-side peer connection gathers ICE candidates (from the [ice] config section).
#pragma once

#include <string>
#include <vector>

namespace mediagw {

struct IceSettings {
  std::string stun_server;                 // stun://host:port, empty for none
  std::vector<std::string> turn_servers;   // turn(s)://user:pass@host:port
  // Local addresses ICE may gather; empty means libnice's default (every interface but loopback).
  // Tests and benchmarks set 127.0.0.1 (libnice never gathers loopback by itself).
  std::vector<std::string> local_addresses;
  unsigned min_port = 0;  // UDP port range for media; 0 = any
  unsigned max_port = 0;
};

}  // namespace mediagw
