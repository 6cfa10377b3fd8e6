// mediagw-load: P publishers and S subscribers (and/or rooms of M members who do both) spread
// over R rooms, in one process. Publishers replay pre-encoded VP8 and Opus (encoded once at
// start) and answer PLIs with the loop's keyframe; subscribers count packets and frames without
// decoding, detect sequence gaps, and time each frame from its publisher to their arrival (one
// process, one clock). Prints one JSON document on stdout and a readable table on stderr; with
// --server-pid, also the server's CPU time and peak RSS over the measurement window.
#include <glib-unix.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "proc_stats.h"
#include "synthetic_participant.h"

using namespace mediagw;
using namespace mediagw::client;

namespace {

struct LoadOptions {
  int rooms = 1, publishers = 0, subscribers = 0, members = 0;
  double duration = 20, warmup = 5;
  int server_pid = 0;
  int width = 640, height = 360, fps = 30, kbps = 1000;
  gboolean webrtcbin_subscribers = FALSE;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct ServerWatch {
  int pid = 0;
  ProcSample start, end;
  double peak_rss_mb = 0;
  bool measuring = false;
};

}  // namespace

int main(int argc, char** argv) {
  LoadOptions o;
  gchar* server = nullptr;
  gchar* protocol = nullptr;
  gchar** local_addresses = nullptr;
  GOptionEntry entries[] = {
      {"protocol", 0, 0, G_OPTION_ARG_STRING, &protocol,
       "mediagw (default) or janus (then --server is http://HOST:8088/janus)", "NAME"},
      {"local-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &local_addresses,
       "An address the generator's ICE may use (repeatable; default: every interface but "
       "loopback, as a browser)", "ADDR"},
      {"server", 's', 0, G_OPTION_ARG_STRING, &server, "Gateway URL (default ws://127.0.0.1:8080)", "URL"},
      {"rooms", 'r', 0, G_OPTION_ARG_INT, &o.rooms, "Rooms to spread over (default 1)", "R"},
      {"publishers", 'p', 0, G_OPTION_ARG_INT, &o.publishers, "Publish-only participants (default 0)", "P"},
      {"subscribers", 'n', 0, G_OPTION_ARG_INT, &o.subscribers, "Subscribe-only participants (default 0)", "S"},
      {"members", 'm', 0, G_OPTION_ARG_INT, &o.members,
       "Participants per room who both publish and subscribe (default 0)", "M"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o.duration, "Seconds to run (default 20)", "SECONDS"},
      {"warmup", 'w', 0, G_OPTION_ARG_DOUBLE, &o.warmup,
       "Seconds before the server is measured (default 5)", "SECONDS"},
      {"server-pid", 0, 0, G_OPTION_ARG_INT, &o.server_pid, "Measure this process's CPU and RSS", "PID"},
      {"width", 0, 0, G_OPTION_ARG_INT, &o.width, "Video width (default 640)", "PX"},
      {"height", 0, 0, G_OPTION_ARG_INT, &o.height, "Video height (default 360)", "PX"},
      {"kbps", 0, 0, G_OPTION_ARG_INT, &o.kbps, "Video bitrate (default 1000)", "KBPS"},
      {"webrtcbin-subscribers", 0, 0, G_OPTION_ARG_NONE, &o.webrtcbin_subscribers,
       "Receive with a webrtcbin per subscriber (default: light receivers, one shared thread)",
       nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  if (!ParseOptions("mediagw-load", "- load generator for mediagw", entries, false, &argc, &argv))
    return 2;
  if (o.rooms < 1 || o.publishers < 0 || o.subscribers < 0 || o.members < 0 ||
      o.duration <= o.warmup || o.warmup < 0 || o.publishers + o.subscribers + o.members == 0) {
    fprintf(stderr, "mediagw-load: need rooms >= 1, some participants, and duration > warmup >= 0\n");
    return 2;
  }
  gst_init(&argc, &argv);

  Options base;
  base.server = server ? server : "ws://127.0.0.1:8080";
  base.protocol = protocol ? protocol : "mediagw";
  for (gchar** a = local_addresses; a && *a; a++) base.local_addresses.emplace_back(*a);
  g_free(server);
  g_free(protocol);
  g_strfreev(local_addresses);
  if (base.protocol != "mediagw" && base.protocol != "janus") {
    fprintf(stderr, "mediagw-load: --protocol must be mediagw or janus\n");
    return 2;
  }
  base.decode = false;
  base.receive_latency_ms = 0;  // measure the server, not a jitterbuffer
  base.light_subscribe = !o.webrtcbin_subscribers;
  SendTimes send_times;
  base.send_times = &send_times;
  try {
    base.loop = EncodedLoop::Make(o.width, o.height, o.fps, o.kbps, 4);
  } catch (const std::exception& e) {
    fprintf(stderr, "mediagw-load: %s\n", e.what());
    return 1;
  }
  base.fps = o.fps;
  // Latency is sampled in the same window as the server's CPU: after everyone has joined.
  base.measure_from_us = g_get_monotonic_time() + static_cast<gint64>(o.warmup * G_USEC_PER_SEC);

  SoupSession* session = soup_session_new_with_options("max-conns", 10000, "max-conns-per-host", 10000, nullptr);
  std::vector<std::unique_ptr<SyntheticParticipant>> people;
  auto add = [&](const std::string& name, int room, bool pub, bool sub) {
    Options opt = base;
    opt.room = "load-" + std::to_string(room);
    opt.publish = pub;
    opt.subscribe = sub;
    people.push_back(std::make_unique<SyntheticParticipant>(name, opt, session));
  };
  for (int i = 0; i < o.publishers; i++) add("pub-" + std::to_string(i + 1), i % o.rooms, true, false);
  for (int r = 0; r < o.rooms; r++)
    for (int i = 0; i < o.members; i++) add("member-" + std::to_string(r) + "-" + std::to_string(i + 1), r, true, true);
  for (int i = 0; i < o.subscribers; i++) add("sub-" + std::to_string(i + 1), i % o.rooms, false, true);
  // Publishers first, so subscribers measure joining an active room.
  for (auto& p : people) p->Start();

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  ServerWatch watch;
  watch.pid = o.server_pid;
  g_timeout_add(static_cast<guint>(o.warmup * 1000), +[](gpointer data) -> gboolean {
    auto* w = static_cast<ServerWatch*>(data);
    if (w->pid) w->start = ReadProc(w->pid);
    w->measuring = true;
    return G_SOURCE_REMOVE;
  }, &watch);
  g_timeout_add(500, +[](gpointer data) -> gboolean {
    auto* w = static_cast<ServerWatch*>(data);
    if (w->pid && w->measuring) w->peak_rss_mb = std::max(w->peak_rss_mb, ReadProc(w->pid).rss_mb);
    return G_SOURCE_CONTINUE;
  }, &watch);
  auto quit = +[](gpointer data) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_REMOVE;
  };
  g_timeout_add(static_cast<guint>(o.duration * 1000), quit, loop);
  g_unix_signal_add(SIGINT, quit, loop);
  g_main_loop_run(loop);
  if (watch.pid) watch.end = ReadProc(watch.pid);
  double window = o.duration - o.warmup;
  for (auto& p : people) p->StopMedia();

  // Aggregate.
  std::vector<double> latency_ms, join_ms;
  gint64 packets = 0, lost = 0, streams = 0, expected = 0, errors = 0;
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "participants");
  json_builder_begin_array(b.get());
  for (auto& p : people) {
    auto report = GRef<JsonNode>::Adopt(p->Report());
    JsonObject* obj = json_node_get_object(report.get());
    if (!json_object_get_null_member(obj, "error")) errors++;
    JsonArray* tracks = json_object_get_array_member(obj, "tracks");
    for (guint i = 0; i < json_array_get_length(tracks); i++) {
      JsonObject* t = json_array_get_object_element(tracks, i);
      gint64 n = json_object_get_int_member(t, "packets");
      packets += n;
      lost += json_object_get_int_member(t, "lost");
      streams += n > 0;
      if (gint64 first = json_object_get_int_member(t, "first_packet_ms"); first >= 0)
        join_ms.push_back(static_cast<double>(first));
      JsonArray* lat = json_object_get_array_member(t, "latency_us");
      for (guint k = 0; k < json_array_get_length(lat); k++)
        latency_ms.push_back(static_cast<double>(json_array_get_int_element(lat, k)) / 1000.0);
      json_object_remove_member(t, "latency_us");  // summarised below
    }
    json_builder_add_value(b.get(), json_node_ref(report.get()));
  }
  json_builder_end_array(b.get());
  // Every subscriber (and member) should receive audio and video from every publisher in its room
  // (members not from themselves).
  for (int r = 0; r < o.rooms; r++) {
    int pubs = o.publishers / o.rooms + (r < o.publishers % o.rooms) + o.members;
    int subs = o.subscribers / o.rooms + (r < o.subscribers % o.rooms);
    expected += 2 * (static_cast<gint64>(subs) * pubs + static_cast<gint64>(o.members) * (pubs - 1));
  }
  double loss_pct = packets + lost ? 100.0 * static_cast<double>(lost) / static_cast<double>(packets + lost) : 0;
  double cpu_s = watch.pid ? watch.end.cpu_seconds - watch.start.cpu_seconds : -1;

  json_builder_set_member_name(b.get(), "summary");
  json_builder_begin_object(b.get());
  auto num = [&](const char* k, double v) {
    json_builder_set_member_name(b.get(), k);
    json_builder_add_double_value(b.get(), v);
  };
  num("rooms", o.rooms);
  num("publishers", o.publishers);
  num("subscribers", o.subscribers);
  num("members_per_room", o.members);
  num("duration_s", o.duration);
  num("streams_forwarded", static_cast<double>(streams));
  num("streams_expected", static_cast<double>(expected));
  num("participant_errors", static_cast<double>(errors));
  num("packets_per_s", static_cast<double>(packets) / o.duration);
  num("loss_pct", loss_pct);
  num("added_latency_p50_ms", Percentile(latency_ms, 50));
  num("added_latency_p95_ms", Percentile(latency_ms, 95));
  num("added_latency_p99_ms", Percentile(latency_ms, 99));
  num("latency_samples", static_cast<double>(latency_ms.size()));
  num("join_to_first_packet_p50_ms", Percentile(join_ms, 50));
  num("join_to_first_packet_p95_ms", Percentile(join_ms, 95));
  num("server_cpu_seconds", cpu_s);
  num("server_cpu_pct", watch.pid ? 100.0 * cpu_s / window : -1);
  num("server_peak_rss_mb", watch.pid ? watch.peak_rss_mb : -1);
  json_builder_end_object(b.get());
  json_builder_end_object(b.get());
  auto root = GRef<JsonNode>::Adopt(json_builder_get_root(b.get()));
  GCharPtr text(json_to_string(root.get(), TRUE));
  printf("%s\n", text.get());

  fprintf(stderr,
          "mediagw-load: %d room(s), %d publisher(s), %d subscriber(s), %d member(s)/room, %.0f s\n"
          "  streams forwarded      %lld / %lld%s\n"
          "  packets/s              %.0f\n"
          "  loss                   %.3f %%\n"
          "  added latency (ms)     p50 %.2f  p95 %.2f  p99 %.2f  (%zu frames)\n"
          "  join to first packet   p50 %.0f ms  p95 %.0f ms\n",
          o.rooms, o.publishers, o.subscribers, o.members, o.duration, static_cast<long long>(streams),
          static_cast<long long>(expected), errors ? "  (some participants reported errors)" : "",
          static_cast<double>(packets) / o.duration, loss_pct, Percentile(latency_ms, 50),
          Percentile(latency_ms, 95), Percentile(latency_ms, 99), latency_ms.size(),
          Percentile(join_ms, 50), Percentile(join_ms, 95));
  if (watch.pid)
    fprintf(stderr, "  server                 %.2f s CPU in %.0f s (%.1f %% of a core), peak RSS %.1f MB\n",
            cpu_s, window, 100.0 * cpu_s / window, watch.peak_rss_mb);

  LeaveAll(people);
  g_main_loop_unref(loop);
  g_object_unref(session);
  return 0;
}
