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
};

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a GKeyFile; throws ConfigError naming the file, group and key that are wrong.
Config LoadConfigFile(const std::string& path, Config base = {});
// Parses "ADDR:PORT" (or "[v6]:PORT") into the config; throws ConfigError.
void ParseListen(const std::string& listen, Config& config);

}  // namespace mediagw
