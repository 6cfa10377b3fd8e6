// mediagw's configuration: command-line options and the GKeyFile given with --config.
// docs/operations.md lists every key.
#pragma once

#include <stdexcept>
#include <string>

#include "ice_settings.h"

namespace mediagw {

struct RoomSettings {
  unsigned max_participants = 16;
  unsigned max_rooms = 100;
};

// Where restreams may go, and how many a room may have.
struct RestreamPolicy {
  // Off by default: a target resolving to loopback, private, link-local, CGNAT or unspecified
  // addresses would let anyone who may restream reach the gateway's own network.
  bool allow_private_targets = false;
  unsigned max_targets_per_room = 5;
};

// Who may call: API keys from a file and/or the environment (docs/security.md).
struct AuthSettings {
  std::string keys_file;  // one "KEY: SECRET" a line; read at start and on SIGHUP
  bool no_auth = false;   // --no-auth: serve a non-loopback address without keys (warned)
};

// Abuse limits; each is answered with a clear error, never by dropping other people.
struct Limits {
  unsigned ws_per_address = 50;        // open WebSocket connections per client address
  unsigned joins_per_minute = 60;      // joins per client address per minute
  unsigned rest_per_second = 20;       // REST requests per token (or address) per second
  unsigned chat_per_10s = 20;          // chat messages per participant per 10 s
};

struct Config {
  std::string listen_host = "127.0.0.1";
  unsigned listen_port = 8080;
  std::string web_root;  // the browser app; defaults to the source tree's gateway/web
  // HTTPS (and WSS) instead of HTTP when both are set: PEM files. Browsers give camera and
  // microphone only to secure pages, so anything but localhost needs it (or a TLS proxy).
  std::string tls_cert;
  std::string tls_key;
  // Where HLS segments and playlists go, a directory per room; by default a private temporary
  // directory made at start and removed at exit.
  std::string hls_dir;
  // x264's speed preset for restream/HLS composites: CPU against picture quality.
  std::string x264_preset = "superfast";
  IceSettings ice;
  RoomSettings rooms;
  RestreamPolicy restream;
  AuthSettings auth;
  Limits limits;
};

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a GKeyFile; throws ConfigError naming the file, group and key that are wrong.
Config LoadConfigFile(const std::string& path, Config base = {});
// Parses "ADDR:PORT" (or "[v6]:PORT") into the config; throws ConfigError.
void ParseListen(const std::string& listen, Config& config);

}  // namespace mediagw
