// Restreaming a room to RTMP, against a real nginx-rtmp that the test starts on 127.0.0.1, checked
// with ffprobe: what arrives is H.264 at the requested size and AAC at 48 kHz; several targets
// share the encode; when nginx dies and comes back the targets reconnect by themselves while the
// meeting's forwarding never stops; a target that cannot be reached fails with a reason; DELETE
// (of the restream or of the room) ends it.
#include <gio/gio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "processes.h"

namespace mediagw::testing {
namespace {

// nginx runs on loopback, which a gateway refuses as a target by default.
const std::string kRestreamConfig = "[restream]\nallow_private_targets=true\n";

unsigned FreeTcpPort() {
  GErrorPtr err;
  auto* socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, err.out());
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* any = g_inet_socket_address_new(lo, 0);
  g_socket_bind(socket, any, TRUE, nullptr);
  GSocketAddress* bound = g_socket_get_local_address(socket, nullptr);
  unsigned port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(any);
  g_object_unref(lo);
  g_socket_close(socket, nullptr);
  g_object_unref(socket);
  return port;
}

// nginx with the RTMP module, in the foreground, with its own prefix and a config written here.
class NginxRtmp {
 public:
  NginxRtmp() : port_(FreeTcpPort()) { Start(); }
  ~NginxRtmp() { Kill(); }
  void Kill() {
    if (proc_) {
      g_subprocess_force_exit(proc_.get());
      g_subprocess_wait(proc_.get(), nullptr, nullptr);
      proc_.reset();
    }
  }
  // (Re)starts nginx on the same port.
  void Start() {
    std::string conf = dir_.Write(
        "nginx.conf",
        "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n"
        "daemon off;\nmaster_process off;\nerror_log stderr warn;\npid " +
            dir_.path() +
            "/nginx.pid;\n"
            "events { worker_connections 64; }\n"
            "rtmp { server { listen 127.0.0.1:" +
            std::to_string(port_) +
            "; application live { live on; record off; exec_publish_done /usr/bin/touch " +
            dir_.path() + "/done-$name; } } }\n");
    GErrorPtr err;
    const char* argv[] = {"nginx",  "-p", dir_.path().c_str(), "-e",
                          "stderr", "-c", conf.c_str(),        nullptr};
    proc_ = GRef<GSubprocess>::Adopt(
        g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, err.out()));
    // Ready when the port accepts connections.
    for (int i = 0; i < 100 && !Listening(); i++) g_usleep(50000);
  }
  bool Listening() const {
    auto client = GRef<GObject>::Adopt(G_OBJECT(g_socket_client_new()));
    GSocketConnection* c = g_socket_client_connect_to_host(G_SOCKET_CLIENT(client.get()),
                                                           "127.0.0.1", port_, nullptr, nullptr);
    if (c) g_object_unref(c);
    return c != nullptr;
  }
  // Whether a publisher of `key` has finished (nginx ran exec_publish_done for it).
  bool PublishDone(const std::string& key) const {
    return g_file_test((dir_.path() + "/done-" + key).c_str(), G_FILE_TEST_EXISTS);
  }
  std::string url(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(port_) + "/live/" + key;
  }

 private:
  TempDir dir_;
  unsigned port_;
  GRef<GSubprocess> proc_;
};

// ffprobe's view of a live RTMP stream: "h264 640x360" and "aac 48000" lines.
std::string Probe(const std::string& url) {
  std::string cmd =
      "timeout 15 ffprobe -v error -rw_timeout 10000000 -show_entries "
      "stream=codec_name,width,height,sample_rate -of compact=p=0:nk=1 " +
      url;
  gchar* out = nullptr;
  gint status = 0;
  g_spawn_command_line_sync(cmd.c_str(), &out, nullptr, &status, nullptr);
  std::string text = out ? out : "";
  g_free(out);
  return text;
}

// The share of pixels that are not black in one frame of the stream (gray, 8 bits), or -1.
double LitShare(const std::string& url) {
  TempDir dir;
  std::string frame = dir.path() + "/frame.gray";
  std::string cmd = "timeout 15 ffmpeg -v error -rw_timeout 10000000 -i " + url +
                    " -ss 1 -frames:v 1 -f rawvideo -pix_fmt gray -y " + frame;
  gint status = 0;
  g_spawn_command_line_sync(cmd.c_str(), nullptr, nullptr, &status, nullptr);
  gchar* data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(frame.c_str(), &data, &len, nullptr) || len == 0) return -1;
  size_t lit = 0;
  for (gsize i = 0; i < len; i++) lit += static_cast<unsigned char>(data[i]) > 64;
  g_free(data);
  return static_cast<double>(lit) / static_cast<double>(len);
}

std::string Post(const std::string& url, const std::string& body, unsigned* status) {
  std::string response;
  *status = HttpRequest("POST", url, body, &response);
  return response;
}

// Polls a restream until its state is `want` (or 15 s pass); returns its last JSON.
std::string WaitForState(const std::string& url, const std::string& want) {
  std::string body;
  for (int i = 0; i < 75; i++) {
    HttpRequest("GET", url, "", &body);
    if (body.find("\"state\":\"" + want + "\"") != std::string::npos) break;
    g_usleep(200000);
  }
  return body;
}

class RestreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GCharPtr ffprobe(g_find_program_in_path("ffprobe"));
    if (!g_file_test("/usr/lib/nginx/modules/ngx_rtmp_module.so", G_FILE_TEST_EXISTS) || !ffprobe)
      GTEST_SKIP() << "needs nginx, libnginx-mod-rtmp and ffmpeg (scripts/test.sh installs them)";
  }
};

TEST_F(RestreamTest, TwoTargetsGetH264AtTheRequestedSizeAndAacWhileTheMeetingGoesOn) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.Listening());
  GatewayProcess gw(kRestreamConfig, GatewayProcess::Auth::kOn);
  ClientProcess a(gw.ws_url(),
                  {"--room", "show", "--name", "A", "--duration", "35", "--no-decode"});
  ClientProcess b(gw.ws_url(),
                  {"--room", "show", "--name", "B", "--duration", "35", "--no-decode"});
  g_usleep(3 * G_USEC_PER_SEC);
  const std::string api = gw.http_url() + "/v1/rooms/show/restreams";
  unsigned status = 0;
  std::string first =
      Post(api, R"({"url":")" + nginx.url("one") + R"(","width":640,"height":360})", &status);
  ASSERT_EQ(status, 201u) << first << gw.Log();
  EXPECT_NE(first.find(R"("id":"rs1")"), std::string::npos) << first;
  std::string second = Post(api, R"({"url":")" + nginx.url("two") + R"("})", &status);
  ASSERT_EQ(status, 201u) << second;
  EXPECT_NE(second.find(R"("width":640)"), std::string::npos)
      << "a second target shares the encode: " << second;
  std::string clash = Post(api, R"({"url":")" + nginx.url("three") + R"(","width":1280})", &status);
  EXPECT_EQ(status, 409u) << clash;

  std::string live1 = WaitForState(api + "/rs1", "live");
  EXPECT_NE(live1.find(R"("state":"live")"), std::string::npos) << live1 << gw.Log();
  std::string live2 = WaitForState(api + "/rs2", "live");
  EXPECT_NE(live2.find(R"("state":"live")"), std::string::npos) << live2;
  for (const char* key : {"one", "two"}) {
    std::string probe = Probe(nginx.url(key));
    EXPECT_NE(probe.find("h264|640|360"), std::string::npos) << key << ": " << probe;
    EXPECT_NE(probe.find("aac|48000"), std::string::npos) << key << ": " << probe;
  }
  // The participants are in the picture: their test patterns (and names) light up part of the
  // otherwise black frame.
  double lit = LitShare(nginx.url("one"));
  EXPECT_GT(lit, 0.005) << "the composite shows nobody";
  std::string list;
  EXPECT_EQ(HttpRequest("GET", api, "", &list), 200u);
  EXPECT_NE(list.find(R"("bytes_sent":)"), std::string::npos) << list;

  // The RTMP server goes away and comes back: both targets reconnect by themselves.
  nginx.Kill();
  std::string dropped = WaitForState(api + "/rs1", "reconnecting");
  EXPECT_NE(dropped.find(R"("state":"reconnecting")"), std::string::npos) << dropped;
  nginx.Start();
  gint64 restarted = g_get_monotonic_time();
  for (const char* id : {"/rs1", "/rs2"}) {
    std::string back = WaitForState(api + id, "live");
    EXPECT_NE(back.find(R"("state":"live")"), std::string::npos) << back;
    EXPECT_EQ(back.find(R"("reconnects":0)"), std::string::npos) << back;
  }
  EXPECT_LE(g_get_monotonic_time() - restarted, 10 * G_USEC_PER_SEC)
      << "not live again within 10 s";
  std::string probe = Probe(nginx.url("one"));
  EXPECT_NE(probe.find("h264|640|360"), std::string::npos) << "after the restart: " << probe;

  // DELETE ends the stream: nginx sees the publisher finish (its exec_publish_done runs).
  std::string none;
  EXPECT_FALSE(nginx.PublishDone("one"));
  EXPECT_EQ(HttpRequest("DELETE", api + "/rs1", "", &none), 204u);
  for (int i = 0; i < 50 && !nginx.PublishDone("one"); i++) g_usleep(100000);
  EXPECT_TRUE(nginx.PublishDone("one")) << "nginx did not see the end of the stream within 5 s";
  EXPECT_EQ(HttpRequest("DELETE", api + "/rs2", "", &none), 204u);
  EXPECT_EQ(HttpRequest("GET", api + "/rs1", "", &none), 404u);
  EXPECT_EQ(HttpRequest("GET", api, "", &list), 200u);
  EXPECT_NE(list.find(R"("restreams":[])"), std::string::npos) << list;
  // The stream ended: nothing left to probe.
  EXPECT_EQ(Probe(nginx.url("one")).find("h264"), std::string::npos);

  // Meanwhile the meeting itself never stopped.
  for (auto* c : {&a, &b}) {
    auto r = ReadReport(c->Wait().get());
    ASSERT_EQ(r.size(), 1u);
    gint64 frames = 0;
    for (const auto& t : r[0].tracks)
      if (t.kind == "video") frames += t.frames;
    EXPECT_GT(frames, 600)
        << r[0].name;  // ~30 fps for 35 s: forwarding never waited on the restream
    for (const auto& t : r[0].tracks)
      EXPECT_LT(t.max_gap_ms, 1000) << r[0].name << " " << t.track_id;
    for (const auto& t : r[0].tracks) EXPECT_EQ(t.seq_gaps, 0) << r[0].name << " " << t.track_id;
  }
  EXPECT_EQ(gw.Stop(), 0);
}

TEST_F(RestreamTest, BadRequestsAreRefusedAndAnUnreachableTargetFailsWithAReason) {
  GatewayProcess gw(kRestreamConfig, GatewayProcess::Auth::kOn);
  std::string body, none;
  const std::string rooms = gw.http_url() + "/v1/rooms";
  unsigned status = 0;
  Post(rooms + "/nobody/restreams", R"({"url":"rtmp://127.0.0.1/live/x"})", &status);
  EXPECT_EQ(status, 404u);
  EXPECT_EQ(HttpRequest("POST", rooms, R"({"name":"empty"})", &body), 201u);
  const std::string api = rooms + "/empty/restreams";
  for (const char* bad :
       {R"({"url":"http://127.0.0.1/live/x"})", R"({"width":640})", R"({"url":5})",
        R"({"url":"rtmp://127.0.0.1/live/x","width":641})",
        R"({"url":"rtmp://127.0.0.1/live/x","fps":0})",
        R"({"url":"rtmp://127.0.0.1/live/x","layout":"mosaic"})", "[]", "not json"}) {
    body = Post(api, bad, &status);
    EXPECT_EQ(status, 400u) << bad << " -> " << body;
    EXPECT_NE(body.find("\"error\""), std::string::npos) << body;
  }
  // Nothing listens on this port: the target never accepted the stream, so it fails fast.
  body = Post(api,
              R"({"url":"rtmp://127.0.0.1:)" + std::to_string(FreeTcpPort()) +
                  R"(/live/x","width":320,"height":240})",
              &status);
  ASSERT_EQ(status, 201u) << body;
  std::string failed = WaitForState(api + "/rs1", "failed");
  EXPECT_NE(failed.find(R"("state":"failed")"), std::string::npos) << failed;
  EXPECT_EQ(failed.find(R"("last_error":null)"), std::string::npos)
      << "no reason given: " << failed;
  EXPECT_EQ(HttpRequest("DELETE", api + "/rs1", "", &none), 204u);
  EXPECT_EQ(HttpRequest("DELETE", api + "/rs1", "", &none), 404u);
  // Deleting the room ends its restreams with it.
  body = Post(api, R"({"url":"rtmp://127.0.0.1:)" + std::to_string(FreeTcpPort()) + R"(/live/y"})",
              &status);
  EXPECT_EQ(status, 201u) << body;
  EXPECT_EQ(HttpRequest("DELETE", rooms + "/empty", "", &none), 204u);
  EXPECT_EQ(HttpRequest("GET", api, "", &none), 404u);
  EXPECT_EQ(gw.Stop(), 0);
}

// Entries in /proc/PID/DIR (task: threads, fd: open files and sockets).
int CountEntries(int pid, const char* dir) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + dir;
  GDir* d = g_dir_open(path.c_str(), 0, nullptr);
  if (!d) return -1;
  int n = 0;
  while (g_dir_read_name(d)) n++;
  g_dir_close(d);
  return n;
}

bool DirExists(const std::string& path) {
  return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR);
}

// The target-duration and each segment's duration of a media playlist; false if it is not one.
bool ParsePlaylist(const std::string& text, double* target,
                   std::vector<std::pair<double, std::string>>* segments) {
  if (text.rfind("#EXTM3U", 0) != 0) return false;
  *target = -1;
  double pending = -1;
  gchar** lines = g_strsplit(text.c_str(), "\n", -1);
  for (gchar** l = lines; *l; l++) {
    std::string line = *l;
    if (line.rfind("#EXT-X-TARGETDURATION:", 0) == 0)
      *target = g_ascii_strtod(line.c_str() + 22, nullptr);
    else if (line.rfind("#EXTINF:", 0) == 0)
      pending = g_ascii_strtod(line.c_str() + 8, nullptr);
    else if (!line.empty() && line[0] != '#')
      segments->emplace_back(pending, line);
  }
  g_strfreev(lines);
  return *target > 0;
}

TEST_F(RestreamTest, HlsServesAValidPlaylistWhoseSegmentsDecodeAndDeleteRemovesIt) {
  TempDir hls_root;
  GatewayProcess gw(kRestreamConfig + "[hls]\ndir=" + hls_root.path() + "\n",
                    GatewayProcess::Auth::kOn);
  ClientProcess a(gw.ws_url(), {"--room", "tv", "--name", "A", "--duration", "40", "--no-decode"});
  g_usleep(2 * G_USEC_PER_SEC);
  const std::string api = gw.http_url() + "/v1/rooms/tv/hls";
  unsigned status = 0;
  std::string body = Post(api, R"({"width":640,"height":360})", &status);
  ASSERT_EQ(status, 201u) << body << gw.Log();
  EXPECT_NE(body.find(R"("playlist_url":"/hls/tv/index.m3u8")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("watch_url":"/watch/tv")"), std::string::npos) << body;
  body = Post(api, "", &status);
  EXPECT_EQ(status, 409u) << "a second HLS of the same room: " << body;
  // A restream joins the same encode, so it must ask for the same size.
  body = Post(gw.http_url() + "/v1/rooms/tv/restreams",
              R"({"url":"rtmp://127.0.0.1:1/live/x","width":1280})", &status);
  EXPECT_EQ(status, 409u) << body;

  std::string live = WaitForState(api, "live");
  ASSERT_NE(live.find(R"("state":"live")"), std::string::npos) << live << gw.Log();
  std::string playlist;
  ASSERT_EQ(HttpRequest("GET", gw.http_url() + "/hls/tv/index.m3u8", "", &playlist), 200u);
  double target = 0;
  std::vector<std::pair<double, std::string>> segments;
  ASSERT_TRUE(ParsePlaylist(playlist, &target, &segments)) << playlist;
  EXPECT_LE(target, 2.0) << playlist;
  EXPECT_GE(segments.size(), 3u) << playlist;
  for (const auto& [duration, uri] : segments) {
    EXPECT_GT(duration, 0.5) << uri << " in\n" << playlist;  // 1 to 2 s segments
    EXPECT_LE(duration, target + 0.01) << uri << " in\n" << playlist;
    EXPECT_TRUE(g_file_test((hls_root.path() + "/tv/" + uri).c_str(), G_FILE_TEST_EXISTS)) << uri;
  }
  // ffprobe reads it the way a player does, over HTTP: H.264 at the asked size and AAC.
  std::string probe = Probe(gw.http_url() + "/hls/tv/index.m3u8");
  EXPECT_NE(probe.find("h264|640|360"), std::string::npos) << probe;
  EXPECT_NE(probe.find("aac|48000"), std::string::npos) << probe;
  // ... and every listed segment decodes without an error.
  for (const auto& [duration, uri] : segments) {
    std::string cmd =
        "timeout 20 ffmpeg -v error -xerror -i " + gw.http_url() + "/hls/tv/" + uri + " -f null -";
    gchar* err = nullptr;
    gint st = 0;
    g_spawn_command_line_sync(cmd.c_str(), nullptr, &err, &st, nullptr);
    EXPECT_TRUE(g_spawn_check_wait_status(st, nullptr)) << uri << ": " << (err ? err : "");
    g_free(err);
  }
  std::string none;
  for (const char* bad : {"/hls/tv/..%2Ftv%2Findex.m3u8", "/hls/tv/index.txt", "/hls/tv/",
                          "/hls/nobody/index.m3u8", "/hls/tv/segment99999.ts"}) {
    unsigned st = HttpRequest("GET", gw.http_url() + bad, "", &none);
    EXPECT_TRUE(st == 404u || st == 400u)
        << bad << " -> " << st;  // 400: libsoup refuses an encoded '/'
  }

  // DELETE: the files go, the playlist is no longer served.
  EXPECT_EQ(HttpRequest("DELETE", api, "", &none), 204u);
  EXPECT_FALSE(DirExists(hls_root.path() + "/tv")) << "HLS files left behind";
  EXPECT_EQ(HttpRequest("GET", gw.http_url() + "/hls/tv/index.m3u8", "", &none), 404u);
  EXPECT_EQ(HttpRequest("GET", api, "", &none), 404u);
  EXPECT_EQ(HttpRequest("DELETE", api, "", &none), 404u);
  // Bad requests.
  Post(gw.http_url() + "/v1/rooms/nobody/hls", "", &status);
  EXPECT_EQ(status, 404u);
  for (const char* bad : {R"({"width":641})", R"({"fps":"x"})", "[1]", "{"}) {
    body = Post(api, bad, &status);
    EXPECT_EQ(status, 400u) << bad << " -> " << body;
  }
  EXPECT_EQ(HttpRequest("PUT", api, "", &none), 405u);
  // Deleting the room stops its HLS and removes the files too.
  ASSERT_EQ(HttpRequest("POST", api, "", &body), 201u) << body;
  body = WaitForState(api, "live");
  EXPECT_NE(body.find(R"("state":"live")"), std::string::npos) << body << gw.Log();
  EXPECT_TRUE(DirExists(hls_root.path() + "/tv"));
  EXPECT_EQ(HttpRequest("DELETE", gw.http_url() + "/v1/rooms/tv", "", &none), 204u) << gw.Log();
  EXPECT_FALSE(DirExists(hls_root.path() + "/tv")) << "the room's HLS files outlived it";
  EXPECT_EQ(gw.Stop(), 0);
}

// The speaker layout follows whoever is loud: of a participant with a tone and one in silence,
// the first becomes the speaker (shown in the API). A room with nobody in it shows a placeholder,
// not a black picture.
TEST_F(RestreamTest, SpeakerLayoutFollowsTheLoudParticipantAndAnEmptyRoomShowsAPlaceholder) {
  GatewayProcess gw(kRestreamConfig, GatewayProcess::Auth::kOn);
  std::string body, none;
  ASSERT_EQ(HttpRequest("POST", gw.http_url() + "/v1/rooms", R"({"name":"nobody"})", &body), 201u);
  ASSERT_EQ(HttpRequest("POST", gw.http_url() + "/v1/rooms/nobody/hls",
                        R"({"width":640,"height":360})", &body),
            201u)
      << body;
  ClientProcess loud(gw.ws_url(),
                     {"--room", "talk", "--name", "Loud", "--duration", "30", "--no-decode"});
  ClientProcess quiet(gw.ws_url(), {"--room", "talk", "--name", "Quiet", "--pattern", "silent",
                                    "--duration", "30", "--no-decode"});
  g_usleep(2 * G_USEC_PER_SEC);
  const std::string api = gw.http_url() + "/v1/rooms/talk/hls";
  ASSERT_EQ(HttpRequest("POST", api, R"({"width":640,"height":360,"layout":"speaker"})", &body),
            201u)
      << body;
  EXPECT_NE(body.find(R"("layout":"speaker")"), std::string::npos) << body;
  std::string room;
  ASSERT_EQ(HttpRequest("GET", gw.http_url() + "/v1/rooms/talk", "", &room), 200u);
  auto loud_at = room.find(R"("name":"Loud")");
  ASSERT_NE(loud_at, std::string::npos) << room;
  std::string loud_id = room.substr(room.rfind(R"("id":")", loud_at) + 6, 9);
  std::string speaker;
  for (int i = 0; i < 50 && speaker.find(R"("speaker":")" + loud_id) == std::string::npos; i++) {
    g_usleep(200000);
    HttpRequest("GET", api, "", &speaker);
  }
  EXPECT_NE(speaker.find(R"("speaker":")" + loud_id + "\""), std::string::npos)
      << loud_id << " " << speaker;
  // A restream must ask for the same layout as the running HLS.
  unsigned status = 0;
  Post(gw.http_url() + "/v1/rooms/talk/restreams",
       R"({"url":"rtmp://127.0.0.1:1/live/x","layout":"grid"})", &status);
  EXPECT_EQ(status, 409u);

  body = WaitForState(gw.http_url() + "/v1/rooms/nobody/hls", "live");
  EXPECT_NE(body.find(R"("state":"live")"), std::string::npos) << body << gw.Log();
  double lit = LitShare(gw.http_url() + "/hls/nobody/index.m3u8");
  EXPECT_GT(lit, 0.005) << "an empty room's picture is black";
  loud.Kill();
  quiet.Kill();
  EXPECT_EQ(gw.Stop(), 0);
}

// The "TYPE,time,value" lines of `type` that a command prints, as (time, value).
std::vector<std::pair<double, double>> Series(const std::string& out, const std::string& type) {
  std::vector<std::pair<double, double>> series;
  gchar** lines = g_strsplit(out.c_str(), "\n", -1);
  for (gchar** l = lines; *l; l++) {
    gchar** f = g_strsplit(*l, ",", 3);
    if (f[0] && f[1] && f[2] && type == f[0]) {
      double v = g_str_has_prefix(f[2], "-inf") ? -200 : g_ascii_strtod(f[2], nullptr);
      series.emplace_back(g_ascii_strtod(f[1], nullptr), v);
    }
    g_strfreev(f);
  }
  g_strfreev(lines);
  return series;
}

// Times at which a series crosses `threshold` upwards.
std::vector<double> Onsets(const std::vector<std::pair<double, double>>& series, double threshold) {
  std::vector<double> at;
  for (size_t i = 1; i < series.size(); i++)
    if (series[i].second > threshold && series[i - 1].second <= threshold)
      at.push_back(series[i].first);
  return at;
}

// Lip sync, measured at the RTMP target after a minute: a participant publishes a white frame
// and a 100 ms beep at the start of every second; in what nginx receives, each flash and its
// beep are within 100 ms of each other.
// (Before the composite timed its inputs itself (MediaClock), rtpbin's RTCP-based offsets put
// them 100-640 ms apart in about one run in four.)
TEST_F(RestreamTest, FlashAndBeepArriveWithin100msOfEachOtherAfterAMinute) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.Listening());
  GatewayProcess gw(kRestreamConfig, GatewayProcess::Auth::kOn);
  ClientProcess flash(gw.ws_url(), {"--room", "sync", "--name", "Flash", "--pattern", "flash",
                                    "--publish-only", "--duration", "90"});
  g_usleep(2 * G_USEC_PER_SEC);
  const std::string api = gw.http_url() + "/v1/rooms/sync/restreams";
  unsigned status = 0;
  std::string body =
      Post(api, R"({"url":")" + nginx.url("sync") + R"(","width":640,"height":360})", &status);
  ASSERT_EQ(status, 201u) << body;
  gint64 started = g_get_monotonic_time();
  ASSERT_NE(WaitForState(api + "/rs1", "live").find(R"("state":"live")"), std::string::npos)
      << gw.Log();
  g_usleep(std::max<gint64>(0, started + 60 * G_USEC_PER_SEC - g_get_monotonic_time()));
  TempDir dir;
  std::string flv = dir.path() + "/sync.flv";
  std::string record = "timeout 30 ffmpeg -v error -rw_timeout 10000000 -i " + nginx.url("sync") +
                       " -t 10 -c copy -y " + flv;
  gint st = 0;
  g_spawn_command_line_sync(record.c_str(), nullptr, nullptr, &st, nullptr);
  ASSERT_TRUE(g_file_test(flv.c_str(), G_FILE_TEST_EXISTS)) << "nothing recorded from nginx";
  // Mean luma per video frame and RMS level (dB) per AAC frame, both streams read by one movie
  // source so that they share the FLV's timeline.
  std::string graph =
      "movie=" + flv + ":s=dv+da[v][a];[v]signalstats[out0];[a]astats=metadata=1:reset=1[out1]";
  std::string cmd = "ffprobe -v error -f lavfi -i '" + graph +
                    "' -show_entries frame=media_type,pts_time:frame_tags=lavfi.signalstats.YAVG,"
                    "lavfi.astats.Overall.RMS_level -of csv=p=0";
  gchar* out = nullptr;
  g_spawn_command_line_sync(cmd.c_str(), &out, nullptr, &st, nullptr);
  std::string text = out ? out : "";
  g_free(out);
  auto luma = Series(text, "video");
  auto level = Series(text, "audio");
  auto flashes = Onsets(luma, 100);
  auto beeps = Onsets(level, -30);
  ASSERT_GE(flashes.size(), 6u) << "flashes seen: " << flashes.size() << " in " << luma.size()
                                << " frames";
  ASSERT_GE(beeps.size(), 6u) << "beeps heard: " << beeps.size() << " in " << level.size()
                              << " audio frames";
  int pairs = 0;
  double worst = 0, sum = 0;
  for (double f : flashes) {
    double nearest = 1e9;
    for (double b : beeps)
      if (std::abs(b - f) < std::abs(nearest)) nearest = b - f;
    if (std::abs(nearest) > 0.5) continue;  // the other end of the recording
    pairs++;
    sum += nearest;
    if (std::abs(nearest) > std::abs(worst)) worst = nearest;
    EXPECT_LE(std::abs(nearest), 0.100)
        << "flash at " << f << " s, its beep " << nearest * 1000 << " ms off";
  }
  printf(
      "lip sync after 60 s: %d flash/beep pairs, audio minus video: mean %.0f ms, worst %.0f ms "
      "(AAC frames are 21 ms)\n",
      pairs, pairs ? sum / pairs * 1000 : 0.0, worst * 1000);
  EXPECT_GE(pairs, 6);
  flash.Kill();
  EXPECT_EQ(gw.Stop(), 0);
}

// Restreams and HLS come and go in cycles: each DELETE takes its elements, their threads, its
// sockets and its files with it, so the room's pipeline is back to what it was and the gateway's
// threads and descriptors do not grow with the cycles.
// Meanwhile a target nobody listens on fails with a reason while the others stay live.
TEST_F(RestreamTest, StartStopCyclesLeaveNoThreadSocketOrFileAndAFailedTargetHarmsNoOther) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.Listening());
  TempDir hls_root;
  GatewayProcess gw(kRestreamConfig + "[hls]\ndir=" + hls_root.path() + "\n",
                    GatewayProcess::Auth::kOn);
  std::string body, none;
  ASSERT_EQ(HttpRequest("POST", gw.http_url() + "/v1/rooms", R"({"name":"cyc"})", &body), 201u);
  ClientProcess a(gw.ws_url(), {"--room", "cyc", "--name", "A", "--duration", "90", "--no-decode"});
  g_usleep(2 * G_USEC_PER_SEC);
  const std::string rooms = gw.http_url() + "/v1/rooms/cyc";
  // The room pipeline's elements: what they are with only the publisher in it.
  auto elements = [&] {
    std::string room;
    HttpRequest("GET", rooms, "", &room);
    auto at = room.find(R"("pipeline_elements":)");
    return at == std::string::npos ? -1 : atoi(room.c_str() + at + 20);
  };
  // (Settled: the publisher's tracks may still be coming in, slowly under a sanitizer.)
  int elements_before = elements();
  for (int i = 0; i < 20; i++) {
    g_usleep(500000);
    int now = elements();
    if (now == elements_before) break;
    elements_before = now;
  }
  EXPECT_GT(elements_before, 0);
  int threads_before = CountEntries(gw.pid(), "task"), fds_before = CountEntries(gw.pid(), "fd");
  int threads_first = 0, fds_first = 0;
  const int kCycles = 4;
  for (int cycle = 1; cycle <= kCycles; cycle++) {
    unsigned status = 0;
    body = Post(rooms + "/restreams",
                R"({"url":")" + nginx.url("c" + std::to_string(cycle)) +
                    R"(","width":320,"height":240,"fps":15})",
                &status);
    ASSERT_EQ(status, 201u) << body;
    std::string id = body.substr(body.find(R"("id":")") + 6, 3);
    std::string dead;
    if (cycle == 1) {
      // One target that never answers, beside the live one.
      dead = Post(rooms + "/restreams",
                  R"({"url":"rtmp://127.0.0.1:)" + std::to_string(FreeTcpPort()) + R"(/live/x"})",
                  &status);
      ASSERT_EQ(status, 201u) << dead;
      dead = dead.substr(dead.find(R"("id":")") + 6, 3);
    }
    ASSERT_EQ(HttpRequest("POST", rooms + "/hls", "", &body), 201u) << body;
    std::string live = WaitForState(rooms + "/restreams/" + id, "live");
    EXPECT_NE(live.find(R"("state":"live")"), std::string::npos)
        << "cycle " << cycle << ": " << live;
    std::string hls = WaitForState(rooms + "/hls", "live");
    EXPECT_NE(hls.find(R"("state":"live")"), std::string::npos) << "cycle " << cycle << ": " << hls;
    EXPECT_GT(elements(), elements_before + 10) << "the composite is not in the room's pipeline";
    if (cycle == 1) {
      std::string failed = WaitForState(rooms + "/restreams/" + dead, "failed");
      EXPECT_NE(failed.find(R"("state":"failed")"), std::string::npos) << failed;
      EXPECT_EQ(failed.find(R"("last_error":null)"), std::string::npos)
          << "no reason given: " << failed;
      HttpRequest("GET", rooms + "/restreams/" + id, "", &live);
      EXPECT_NE(live.find(R"("state":"live")"), std::string::npos)
          << "the good target suffered: " << live;
      EXPECT_NE(Probe(nginx.url("c1")).find("h264|320|240"), std::string::npos);
      EXPECT_EQ(HttpRequest("DELETE", rooms + "/restreams/" + dead, "", &none), 204u);
    }
    EXPECT_EQ(HttpRequest("DELETE", rooms + "/restreams/" + id, "", &none), 204u);
    EXPECT_EQ(HttpRequest("DELETE", rooms + "/hls", "", &none), 204u);
    EXPECT_FALSE(DirExists(hls_root.path() + "/cyc")) << "cycle " << cycle;
    EXPECT_EQ(elements(), elements_before) << "elements left in the room after cycle " << cycle;
    g_usleep(G_USEC_PER_SEC);  // threads finish exiting
    if (cycle == 1) {
      threads_first = CountEntries(gw.pid(), "task");
      fds_first = CountEntries(gw.pid(), "fd");
    }
  }
  int threads_after = CountEntries(gw.pid(), "task"), fds_after = CountEntries(gw.pid(), "fd");
  printf("threads: before %d, after 1 cycle %d, after %d cycles %d; fds: %d, %d, %d\n",
         threads_before, threads_first, kCycles, threads_after, fds_before, fds_first, fds_after);
  // GStreamer's task pool may keep a couple of idle threads for reuse; nothing per cycle.
  // (The first cycle may start pools that stay: GStreamer's task pool, pango's font loader.)
  EXPECT_LE(threads_after, threads_first + 1);
  EXPECT_LE(fds_after, fds_first + 1);
  EXPECT_LE(fds_after, fds_before + 2);
  a.Kill();
  EXPECT_EQ(gw.Stop(), 0);
}

}  // namespace
}  // namespace mediagw::testing
