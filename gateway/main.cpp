// mediagw: the media gateway daemon.
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "auth.h"
#include "config.h"
#include "http_api.h"
#include "protocol.h"
#include "restream.h"
#include "room_pipeline.h"
#include "room_registry.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_main_debug);
#define GST_CAT_DEFAULT mediagw_main_debug

#ifndef MEDIAGW_WEB_DIR
#define MEDIAGW_WEB_DIR "gateway/web"
#endif

namespace {

struct Daemon {
  GMainLoop* loop;
  bool stopping = false;
};

gboolean OnStopSignal(gpointer data) {
  auto* d = static_cast<Daemon*>(data);
  if (!d->stopping) {
    d->stopping = true;
    g_message("stopping");
    g_main_loop_quit(d->loop);
  }
  return G_SOURCE_CONTINUE;
}

// The keys of [auth] keys_file and MEDIAGW_API_KEY/MEDIAGW_API_SECRET; throws ConfigError.
void LoadKeys(const mediagw::Config& config, mediagw::auth::KeyStore* keys) {
  if (!config.auth.keys_file.empty()) {
    std::string error;
    if (!keys->LoadFile(config.auth.keys_file, &error)) throw mediagw::ConfigError(error);
  }
  const char* key = g_getenv("MEDIAGW_API_KEY");
  const char* secret = g_getenv("MEDIAGW_API_SECRET");
  if (!key != !secret)
    throw mediagw::ConfigError("MEDIAGW_API_KEY and MEDIAGW_API_SECRET go together");
  if (key) {
    try {
      keys->Add(key, secret);
    } catch (const std::invalid_argument& e) {
      throw mediagw::ConfigError(std::string("MEDIAGW_API_KEY/MEDIAGW_API_SECRET: ") + e.what());
    }
  }
}

struct Reload {
  const mediagw::Config* config;
  mediagw::auth::KeyStore* keys;
};

gboolean OnReloadSignal(gpointer data) {
  auto* r = static_cast<Reload*>(data);
  if (r->config->auth.keys_file.empty()) return G_SOURCE_CONTINUE;
  std::string error;
  if (r->keys->LoadFile(r->config->auth.keys_file, &error))
    g_message("SIGHUP: %zu API keys loaded from %s", r->keys->size(),
              r->config->auth.keys_file.c_str());
  else
    g_warning("SIGHUP: keeping the old keys: %s", error.c_str());
  return G_SOURCE_CONTINUE;
}

bool IsLoopback(const std::string& host) {
  auto address = mediagw::GRef<GInetAddress>::Adopt(g_inet_address_new_from_string(host.c_str()));
  return address && g_inet_address_get_is_loopback(address.get());
}

// What libnice gathers by default (every interface's addresses but loopback and IPv6
// link-local), plus loopback: a gateway serving loopback is used from this machine, where
// clients may gather 127.0.0.1 only (tests, tools) or the interfaces only (browsers).
std::vector<std::string> LoopbackAndInterfaceAddresses() {
  std::vector<std::string> out = {"127.0.0.1"};
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (struct ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    int family = i->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    auto address = mediagw::GRef<GInetAddress>::Adopt(g_inet_address_new_from_bytes(
        family == AF_INET ? reinterpret_cast<const guint8*>(
                                &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr)
                          : reinterpret_cast<const guint8*>(
                                &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr),
        family == AF_INET ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6));
    if (g_inet_address_get_is_link_local(address.get())) continue;
    mediagw::GCharPtr text(g_inet_address_to_string(address.get()));
    out.emplace_back(text.get());
  }
  freeifaddrs(list);
  return out;
}

// mediagw token ...: prints a signed token (or a meeting link holding one).
int TokenCommand(int argc, char** argv) {
  gchar *key = nullptr, *secret = nullptr, *room = nullptr, *identity = nullptr, *name = nullptr,
        *grants = nullptr, *ttl = nullptr, *link = nullptr;
  GOptionEntry entries[] = {
      {"key", 0, 0, G_OPTION_ARG_STRING, &key, "API key (default: $MEDIAGW_API_KEY)", "KEY"},
      {"secret", 0, 0, G_OPTION_ARG_STRING, &secret, "API secret (default: $MEDIAGW_API_SECRET)",
       "SECRET"},
      {"room", 0, 0, G_OPTION_ARG_STRING, &room, "Room name, or * for every room", "ROOM"},
      {"identity", 0, 0, G_OPTION_ARG_STRING, &identity, "Who the holder is (sub)", "ID"},
      {"name", 0, 0, G_OPTION_ARG_STRING, &name, "Display name", "NAME"},
      {"grants", 0, 0, G_OPTION_ARG_STRING, &grants,
       "Comma-separated: join,publish,subscribe,chat,admin (default join,publish,subscribe,chat)",
       "LIST"},
      {"ttl", 0, 0, G_OPTION_ARG_STRING, &ttl, "Lifetime: 90s, 15m, 1h (default), 7d", "TTL"},
      {"link", 0, 0, G_OPTION_ARG_STRING, &link,
       "Print a meeting link on this origin instead (http://HOST:PORT)", "ORIGIN"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- mint a mediagw access token");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* err = nullptr;
  bool parsed = g_option_context_parse(ctx, &argc, &argv, &err);
  g_option_context_free(ctx);
  std::unique_ptr<gchar, decltype(&g_free)> owners[] = {
      {key, g_free},  {secret, g_free}, {room, g_free}, {identity, g_free},
      {name, g_free}, {grants, g_free}, {ttl, g_free},  {link, g_free}};
  if (!parsed) {
    fprintf(stderr, "mediagw token: %s\n", err->message);
    g_error_free(err);
    return 2;
  }
  mediagw::auth::Claims c;
  const char* k = key ? key : g_getenv("MEDIAGW_API_KEY");
  const char* sec = secret ? secret : g_getenv("MEDIAGW_API_SECRET");
  std::string why;
  if (!k || !sec)
    why = "--key and --secret (or MEDIAGW_API_KEY and MEDIAGW_API_SECRET) are needed";
  else if (!(why = mediagw::auth::CheckKey(k)).empty() ||
           !(why = mediagw::auth::CheckSecret(sec)).empty()) {
  } else if (!room || (strcmp(room, "*") != 0 && !mediagw::signaling::IsValidRoomName(room)))
    why = "--room must be a room name (A-Z a-z 0-9 _ -) or *";
  else if (link && strcmp(room, "*") == 0)
    why = "--link needs one room, not *";
  else if (name && !mediagw::signaling::IsValidDisplayName(name))
    why = "--name must be 1-64 characters of printable UTF-8";
  if (!why.empty()) {
    fprintf(stderr, "mediagw token: %s\n", why.c_str());
    return 2;
  }
  auto bits = mediagw::auth::ParseGrantList(grants ? grants : "join,publish,subscribe,chat", &why);
  auto seconds = mediagw::auth::ParseDuration(ttl ? ttl : "1h");
  if (!bits || !seconds) {
    fprintf(stderr, "mediagw token: %s\n",
            !bits ? why.c_str() : "--ttl must be like 90s, 15m, 1h or 7d (at most a year)");
    return 2;
  }
  c.key = k;
  c.room = room;
  c.identity = identity ? identity : "";
  c.name = name ? name : "";
  c.grants = *bits;
  if ((c.grants & mediagw::auth::kJoin) && c.identity.empty() && link) {
    char id[24];
    g_snprintf(id, sizeof id, "host-%08x", g_random_int());
    c.identity = id;
  }
  std::string token = mediagw::auth::Mint(sec, c, g_get_real_time() / G_USEC_PER_SEC, *seconds);
  if (link) {
    std::string origin = link;
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    printf("%s/r/%s?token=%s\n", origin.c_str(), room, token.c_str());
  } else {
    printf("%s\n", token.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "token") == 0) return TokenCommand(argc - 1, argv + 1);
  gboolean no_auth = FALSE;
  gchar* listen = nullptr;
  gchar* config_file = nullptr;
  gchar* tls_cert = nullptr;
  gchar* tls_key = nullptr;
  GOptionEntry entries[] = {
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
       "Address and port for HTTP, REST and signaling (default 127.0.0.1:8080)", "ADDR:PORT"},
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
       "Configuration file (GKeyFile; see docs/operations.md)", "FILE"},
      {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
       "Serve HTTPS/WSS with this PEM certificate (chain); needs --tls-key", "FILE"},
      {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "The PEM private key of --tls-cert",
       "FILE"},
      {"no-auth", 0, 0, G_OPTION_ARG_NONE, &no_auth,
       "Serve a non-loopback address without API keys: anyone who reaches it may do anything",
       nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- the mediagw media gateway");
  g_option_context_set_summary(
      ctx,
      "Serves WebRTC meetings: rooms over WebSocket signaling at /v1/signal, SFU forwarding,\n"
      "a REST API under /v1 and the browser app at /r/ROOM.\n"
      "'mediagw token --help' tells how to mint access tokens.");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    fprintf(stderr, "mediagw: %s\n(see mediagw --help)\n", err->message);
    g_error_free(err);
    g_option_context_free(ctx);
    return 2;
  }
  g_option_context_free(ctx);
  std::unique_ptr<gchar, decltype(&g_free)> listen_owner(listen, g_free),
      config_owner(config_file, g_free), cert_owner(tls_cert, g_free), key_owner(tls_key, g_free);

  gst_init(nullptr, nullptr);
  GST_DEBUG_CATEGORY_INIT(mediagw_main_debug, "mediagw", 0, "mediagw daemon");
  mediagw::RegisterMediagwElements();
  if (!gst_element_factory_find("webrtcbin") || !gst_element_factory_find("nicesrc")) {
    fprintf(stderr,
            "mediagw: webrtcbin or nicesrc is missing: install gstreamer1.0-plugins-bad "
            "and gstreamer1.0-nice (scripts/run.sh does)\n");
    return 1;
  }

  mediagw::Config config;
  config.web_root = MEDIAGW_WEB_DIR;
  mediagw::auth::KeyStore keys;
  try {
    if (config_file) config = mediagw::LoadConfigFile(config_file, config);
    if (listen) mediagw::ParseListen(listen, config);
    if (tls_cert) config.tls_cert = tls_cert;
    if (tls_key) config.tls_key = tls_key;
    if (config.tls_cert.empty() != config.tls_key.empty())
      throw mediagw::ConfigError("--tls-cert and --tls-key go together");
    config.auth.no_auth = no_auth;
    if (IsLoopback(config.listen_host) && config.ice.local_addresses.empty())
      config.ice.local_addresses = LoopbackAndInterfaceAddresses();
    LoadKeys(config, &keys);
    // Secure by default: without keys, only this machine may reach the gateway.
    if (keys.empty() && !no_auth && !IsLoopback(config.listen_host))
      throw mediagw::ConfigError(
          "refusing to listen on " + config.listen_host +
          " without API keys: anyone who reaches it could join any room, delete rooms and "
          "restream meetings anywhere. Set [auth] keys_file or MEDIAGW_API_KEY + "
          "MEDIAGW_API_SECRET (docs/security.md), listen on 127.0.0.1, or start with --no-auth");
  } catch (const mediagw::ConfigError& e) {
    fprintf(stderr, "mediagw: %s\n", e.what());
    return 2;
  }

  bool own_hls_dir = false;
  if (config.hls_dir.empty()) {
    gchar* dir = g_dir_make_tmp("mediagw-hls-XXXXXX", nullptr);
    if (!dir) {
      fprintf(stderr, "mediagw: cannot make a temporary directory for HLS; set [hls] dir\n");
      return 1;
    }
    config.hls_dir = dir;
    g_free(dir);
    own_hls_dir = true;
  }

  GMainContext* main_context = g_main_context_default();
  GMainLoop* loop = g_main_loop_new(main_context, FALSE);
  int status = 0;
  {
    mediagw::RoomRegistry rooms(config, main_context);
    const mediagw::auth::KeyStore* auth_keys = keys.empty() ? nullptr : &keys;
    if (!auth_keys && no_auth && !IsLoopback(config.listen_host))
      g_warning(
          "--no-auth: %s serves without authentication; anyone who reaches it may join, "
          "delete rooms and restream anywhere",
          config.listen_host.c_str());
    mediagw::HttpApi api(config, rooms, auth_keys, main_context);
    try {
      api.Listen();
    } catch (const std::exception& e) {
      fprintf(stderr, "mediagw: %s\n", e.what());
      g_main_loop_unref(loop);
      return 1;
    }
    const char* scheme = config.tls_cert.empty() ? "http" : "https";
    g_message("listening on %s://%s:%u (web app: %s; %s)", scheme, config.listen_host.c_str(),
              api.port(), config.web_root.c_str(),
              auth_keys ? "tokens required" : "no authentication: loopback only");
    // The line tests and scripts wait for; it carries the bound port (useful with port 0).
    printf("mediagw listening on %s:%u\n", config.listen_host.c_str(), api.port());
    fflush(stdout);

    Daemon daemon{loop};
    guint sigint = g_unix_signal_add(SIGINT, OnStopSignal, &daemon);
    guint sigterm = g_unix_signal_add(SIGTERM, OnStopSignal, &daemon);
    Reload reload{&config, &keys};
    guint sighup = g_unix_signal_add(SIGHUP, OnReloadSignal, &reload);
    g_main_loop_run(loop);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    g_source_remove(sighup);

    // Everyone is told, every pipeline goes to NULL, and the close frames get out.
    api.CloseAll("shutdown");
    rooms.Shutdown();
    mediagw::RestreamTarget::FinishStopping();
    gint64 until = g_get_monotonic_time() + 300 * G_TIME_SPAN_MILLISECOND;
    while (g_get_monotonic_time() < until) {
      if (!g_main_context_iteration(main_context, FALSE)) g_usleep(5000);
      if (api.sessions() == 0) break;
    }
  }
  g_main_loop_unref(loop);
  if (own_hls_dir) g_rmdir(config.hls_dir.c_str());  // each room's HLS removed its own files
  g_message("stopped");
  return status;
}
