// mediagw: the media gateway daemon.
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <cstdio>
#include <memory>

#include "config.h"
#include "http_api.h"
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

}  // namespace

int main(int argc, char** argv) {
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
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- the mediagw media gateway");
  g_option_context_set_summary(
      ctx,
      "Serves WebRTC meetings: rooms over WebSocket signaling at /v1/signal, SFU forwarding,\n"
      "a REST API under /v1 and the browser app at /r/ROOM.");
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
  try {
    if (config_file) config = mediagw::LoadConfigFile(config_file, config);
    if (listen) mediagw::ParseListen(listen, config);
    if (tls_cert) config.tls_cert = tls_cert;
    if (tls_key) config.tls_key = tls_key;
    if (config.tls_cert.empty() != config.tls_key.empty())
      throw mediagw::ConfigError("--tls-cert and --tls-key go together");
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
    mediagw::HttpApi api(config, rooms, main_context);
    try {
      api.Listen();
    } catch (const std::exception& e) {
      fprintf(stderr, "mediagw: %s\n", e.what());
      g_main_loop_unref(loop);
      return 1;
    }
    const char* scheme = config.tls_cert.empty() ? "http" : "https";
    g_message("listening on %s://%s:%u (web app: %s)", scheme, config.listen_host.c_str(),
              api.port(), config.web_root.c_str());
    // The line tests and scripts wait for; it carries the bound port (useful with port 0).
    printf("mediagw listening on %s:%u\n", config.listen_host.c_str(), api.port());
    fflush(stdout);

    Daemon daemon{loop};
    guint sigint = g_unix_signal_add(SIGINT, OnStopSignal, &daemon);
    guint sigterm = g_unix_signal_add(SIGTERM, OnStopSignal, &daemon);
    g_main_loop_run(loop);
    g_source_remove(sigint);
    g_source_remove(sigterm);

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
