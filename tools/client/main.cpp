// mediagw-client: N synthetic participants in one process, speaking mediagw's signaling
// protocol over webrtcbin. Prints one JSON report on stdout when the duration is over.
#include <glib-unix.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "synthetic_participant.h"

using mediagw::client::Options;
using mediagw::client::SyntheticParticipant;

int main(int argc, char** argv) {
  gchar* server = nullptr;
  gchar* room = nullptr;
  gchar* name = nullptr;
  gchar* token = nullptr;
  gchar** local_addresses = nullptr;
  gint participants = 1;
  gdouble duration = 10;
  gboolean publish_only = FALSE, subscribe_only = FALSE, no_decode = FALSE;
  gint width = 320, height = 240, fps = 30;
  gchar* video_codec = nullptr;
  gchar* pattern = nullptr;
  gdouble mute_at = -1, mute_for = 3;
  GOptionEntry entries[] = {
      {"server", 's', 0, G_OPTION_ARG_STRING, &server, "Gateway URL (default ws://127.0.0.1:8080)", "URL"},
      {"room", 'r', 0, G_OPTION_ARG_STRING, &room, "Room to join (default demo)", "ROOM"},
      {"name", 0, 0, G_OPTION_ARG_STRING, &name, "Display name prefix (default bot)", "NAME"},
      {"token", 't', 0, G_OPTION_ARG_STRING, &token,
       "Join with this token (with auth on; or set MEDIAGW_API_KEY and MEDIAGW_API_SECRET to mint "
       "one per participant)", "TOKEN"},
      {"local-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &local_addresses,
       "An address ICE may gather (repeatable; default: every interface but loopback, as a "
       "browser)", "ADDR"},
      {"participants", 'n', 0, G_OPTION_ARG_INT, &participants, "Participants in this process (default 1)", "N"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Seconds to stay (default 10)", "SECONDS"},
      {"publish-only", 0, 0, G_OPTION_ARG_NONE, &publish_only, "Publish, subscribe to nothing", nullptr},
      {"subscribe-only", 0, 0, G_OPTION_ARG_NONE, &subscribe_only, "Subscribe, publish nothing", nullptr},
      {"no-decode", 0, 0, G_OPTION_ARG_NONE, &no_decode,
       "Count packets and whole frames without decoding", nullptr},
      {"width", 0, 0, G_OPTION_ARG_INT, &width, "Published video width (default 320)", "PX"},
      {"height", 0, 0, G_OPTION_ARG_INT, &height, "Published video height (default 240)", "PX"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Published frame rate (default 30)", "FPS"},
      {"video-codec", 0, 0, G_OPTION_ARG_STRING, &video_codec, "vp8 (default) or h264", "CODEC"},
      {"pattern", 0, 0, G_OPTION_ARG_STRING, &pattern,
       "ball (default: a moving ball, a 440 Hz tone), silent (the ball, no sound), flash (a white frame "
       "and a 100 ms beep at the start of every second)", "PATTERN"},
      {"mute-video-at", 0, 0, G_OPTION_ARG_DOUBLE, &mute_at,
       "Mute own video this many seconds after start (default never)", "SECONDS"},
      {"mute-video-for", 0, 0, G_OPTION_ARG_DOUBLE, &mute_for, "How long to stay muted (default 3)",
       "SECONDS"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  if (!mediagw::client::ParseOptions("mediagw-client", "- synthetic mediagw participants", entries, true,
                                     &argc, &argv))
    return 2;
  if (participants < 1 || participants > 500 || duration <= 0 || (publish_only && subscribe_only)) {
    fprintf(stderr, "mediagw-client: need 1-500 participants, a positive duration, and at most one "
                    "of --publish-only/--subscribe-only\n");
    return 2;
  }
  gst_init(nullptr, nullptr);

  Options options;
  if (server) options.server = server;
  if (room) options.room = room;
  if (token) options.token = token;
  for (gchar** a = local_addresses; a && *a; a++) options.local_addresses.emplace_back(*a);
  g_strfreev(local_addresses);
  g_free(token);
  if (const char* k = g_getenv("MEDIAGW_API_KEY")) options.api_key = k;
  if (const char* s = g_getenv("MEDIAGW_API_SECRET")) options.api_secret = s;
  options.publish = !subscribe_only;
  options.subscribe = !publish_only;
  options.decode = !no_decode;
  options.width = width;
  options.height = height;
  options.fps = fps;
  std::string codec = video_codec ? video_codec : "vp8";
  g_free(video_codec);
  if (codec != "vp8" && codec != "h264") {
    fprintf(stderr, "mediagw-client: --video-codec must be vp8 or h264\n");
    return 2;
  }
  options.video_codec = codec;
  options.pattern = pattern ? pattern : "ball";
  g_free(pattern);
  if (options.pattern != "ball" && options.pattern != "silent" && options.pattern != "flash") {
    fprintf(stderr, "mediagw-client: --pattern must be ball, silent or flash\n");
    return 2;
  }
  options.mute_video_at = mute_at;
  options.mute_video_for = mute_for;
  std::string prefix = name ? name : "bot";
  g_free(server);
  g_free(room);
  g_free(name);

  SoupSession* session = soup_session_new();
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  std::vector<std::unique_ptr<SyntheticParticipant>> people;
  for (int i = 0; i < participants; i++) {
    std::string n = participants == 1 ? prefix : prefix + "-" + std::to_string(i + 1);
    people.push_back(std::make_unique<SyntheticParticipant>(n, options, session));
    people.back()->Start();
  }
  struct MuteTimer {
    std::vector<std::unique_ptr<SyntheticParticipant>>* people;
    bool muted;
  };
  static MuteTimer mute{&people, true}, unmute{&people, false};
  auto toggle = +[](gpointer data) -> gboolean {
    auto* m = static_cast<MuteTimer*>(data);
    for (auto& p : *m->people) p->SendMute(m->muted);
    return G_SOURCE_REMOVE;
  };
  if (mute_at >= 0) {
    g_timeout_add(static_cast<guint>(mute_at * 1000), toggle, &mute);
    g_timeout_add(static_cast<guint>((mute_at + mute_for) * 1000), toggle, &unmute);
  }
  auto quit = +[](gpointer data) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_REMOVE;
  };
  g_timeout_add(static_cast<guint>(duration * 1000), quit, loop);
  // Stop early once the gateway has removed every participant.
  struct Watch {
    std::vector<std::unique_ptr<SyntheticParticipant>>* people;
    GMainLoop* loop;
  } watch{&people, loop};
  g_timeout_add(200, +[](gpointer data) -> gboolean {
    auto* w = static_cast<Watch*>(data);
    for (auto& p : *w->people)
      if (!p->removed()) return G_SOURCE_CONTINUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
  }, &watch);
  guint sigint = g_unix_signal_add(SIGINT, quit, loop);
  guint sigterm = g_unix_signal_add(SIGTERM, quit, loop);
  g_main_loop_run(loop);
  g_source_remove(sigint);
  g_source_remove(sigterm);

  // Counters are read before leaving so that they describe the whole stay.
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "server");
  json_builder_add_string_value(b, options.server.c_str());
  json_builder_set_member_name(b, "room");
  json_builder_add_string_value(b, options.room.c_str());
  json_builder_set_member_name(b, "duration_s");
  json_builder_add_double_value(b, duration);
  json_builder_set_member_name(b, "decode");
  json_builder_add_boolean_value(b, options.decode);
  json_builder_set_member_name(b, "participants");
  json_builder_begin_array(b);
  for (auto& p : people) json_builder_add_value(b, p->Report());
  json_builder_end_array(b);
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  gchar* text = json_to_string(root, TRUE);
  printf("%s\n", text);
  fflush(stdout);
  g_free(text);
  json_node_unref(root);
  g_object_unref(b);

  mediagw::client::LeaveAll(people);
  g_main_loop_unref(loop);
  g_object_unref(session);
  return 0;
}
