#include "config.h"

#include <glib.h>

#include <cstdlib>

#include "mediagw/gref.h"

namespace mediagw {
namespace {

std::string GetString(GKeyFile* kf, const char* group, const char* key, const std::string& def) {
  GCharPtr v(g_key_file_get_string(kf, group, key, nullptr));
  return v ? std::string(v.get()) : def;
}

unsigned GetUint(GKeyFile* kf, const std::string& path, const char* group, const char* key,
                 unsigned def, unsigned min, unsigned max) {
  if (!g_key_file_has_key(kf, group, key, nullptr)) return def;
  GErrorPtr err;
  gint64 v = g_key_file_get_int64(kf, group, key, err.out());
  if (err || v < min || v > max)
    throw ConfigError(path + ": [" + group + "] " + key + " must be an integer from " +
                      std::to_string(min) + " to " + std::to_string(max));
  return static_cast<unsigned>(v);
}

std::vector<std::string> GetList(GKeyFile* kf, const char* group, const char* key) {
  std::vector<std::string> out;
  GUnique<char*> list(g_key_file_get_string_list(kf, group, key, nullptr, nullptr));
  if (list)
    for (char** p = list.get(); *p; p++)
      if (**p) out.push_back(g_strstrip(*p));
  return out;
}

}  // namespace

void ParseListen(const std::string& listen, Config& config) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw ConfigError("--listen must be ADDR:PORT, got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535)
    throw ConfigError("--listen port must be 0-65535, got \"" + listen + "\"");
  if (!g_hostname_is_ip_address(host.c_str()))
    throw ConfigError("--listen address must be an IP address, got \"" + host + "\"");
  config.listen_host = host;
  config.listen_port = static_cast<unsigned>(port);
}

Config LoadConfigFile(const std::string& path, Config c) {
  GUnique<GKeyFile> kf(g_key_file_new());
  GErrorPtr err;
  if (!g_key_file_load_from_file(kf.get(), path.c_str(), G_KEY_FILE_NONE, err.out()))
    throw ConfigError(path + ": " + err->message);
  GKeyFile* k = kf.get();
  if (g_key_file_has_key(k, "server", "listen", nullptr))
    ParseListen(GetString(k, "server", "listen", ""), c);
  c.web_root = GetString(k, "server", "web_root", c.web_root);
  c.tls_cert = GetString(k, "server", "tls_cert", c.tls_cert);
  c.tls_key = GetString(k, "server", "tls_key", c.tls_key);
  if (c.tls_cert.empty() != c.tls_key.empty())
    throw ConfigError(path + ": [server] tls_cert and tls_key go together");
  c.hls_dir = GetString(k, "hls", "dir", c.hls_dir);
  c.x264_preset = GetString(k, "restream", "x264_preset", c.x264_preset);
  if (c.x264_preset != "ultrafast" && c.x264_preset != "superfast" && c.x264_preset != "veryfast" &&
      c.x264_preset != "faster" && c.x264_preset != "fast" && c.x264_preset != "medium")
    throw ConfigError(path + ": [restream] x264_preset must be ultrafast, superfast, veryfast, faster, fast or medium");
  c.ice.stun_server = GetString(k, "ice", "stun_server", c.ice.stun_server);
  if (g_key_file_has_key(k, "ice", "turn_servers", nullptr)) c.ice.turn_servers = GetList(k, "ice", "turn_servers");
  if (g_key_file_has_key(k, "ice", "local_addresses", nullptr))
    c.ice.local_addresses = GetList(k, "ice", "local_addresses");
  for (const auto& a : c.ice.local_addresses)
    if (!g_hostname_is_ip_address(a.c_str()))
      throw ConfigError(path + ": [ice] local_addresses: \"" + a + "\" is not an IP address");
  c.ice.min_port = GetUint(k, path, "ice", "min_port", c.ice.min_port, 0, 65535);
  c.ice.max_port = GetUint(k, path, "ice", "max_port", c.ice.max_port, 0, 65535);
  if (c.ice.min_port > c.ice.max_port)
    throw ConfigError(path + ": [ice] min_port is above max_port");
  c.rooms.max_participants = GetUint(k, path, "rooms", "max_participants", c.rooms.max_participants, 1, 1000);
  c.rooms.max_rooms = GetUint(k, path, "rooms", "max_rooms", c.rooms.max_rooms, 1, 100000);
  if (g_key_file_has_key(k, "restream", "allow_private_targets", nullptr)) {
    GErrorPtr e;
    gboolean v = g_key_file_get_boolean(k, "restream", "allow_private_targets", e.out());
    if (e) throw ConfigError(path + ": [restream] allow_private_targets must be true or false");
    c.restream.allow_private_targets = v;
  }
  c.restream.max_targets_per_room = GetUint(k, path, "restream", "max_targets_per_room",
                                            c.restream.max_targets_per_room, 1, 100);
  c.auth.keys_file = GetString(k, "auth", "keys_file", c.auth.keys_file);
  c.limits.ws_per_address =
      GetUint(k, path, "limits", "ws_per_address", c.limits.ws_per_address, 1, 1000000);
  c.limits.joins_per_minute =
      GetUint(k, path, "limits", "joins_per_minute", c.limits.joins_per_minute, 1, 1000000);
  c.limits.rest_per_second =
      GetUint(k, path, "limits", "rest_per_second", c.limits.rest_per_second, 1, 1000000);
  c.limits.chat_per_10s =
      GetUint(k, path, "limits", "chat_per_10s", c.limits.chat_per_10s, 1, 1000000);
  return c;
}

}  // namespace mediagw
