// Integration on loopback: the real mediagw and real mediagw-client participants (webrtcbin)
// exchanging media through the forwarder.
#include <gtest/gtest.h>

#include "processes.h"

namespace mediagw::testing {
namespace {

const ReportParticipant* Only(const std::vector<ReportParticipant>& r) {
  return r.size() == 1 ? &r[0] : nullptr;
}

TEST(RoomIntegration, ThreeParticipantsDecodeEachOtherAfterOneLeavesAndLateJoinerGetsVideoFast) {
  GatewayProcess gw;
  const std::string url = gw.ws_url();
  // A and B stay 16 s; C leaves after 6 s; D joins at 9 s for 5 s.
  ClientProcess a(url, {"--room", "meet", "--name", "A", "--duration", "16"});
  ClientProcess b(url, {"--room", "meet", "--name", "B", "--duration", "16"});
  ClientProcess c(url, {"--room", "meet", "--name", "C", "--duration", "6"});
  auto rc = ReadReport(c.Wait().get());
  gint64 c_left_at_a_ms = (g_get_monotonic_time() - a.started_us()) / 1000;
  g_usleep(3 * G_USEC_PER_SEC);
  ClientProcess d(url, {"--room", "meet", "--name", "D", "--duration", "5"});
  auto rd = ReadReport(d.Wait().get());
  auto ra = ReadReport(a.Wait().get());
  auto rb = ReadReport(b.Wait().get());
  const ReportParticipant *pa = Only(ra), *pb = Only(rb), *pc = Only(rc), *pd = Only(rd);
  ASSERT_TRUE(pa && pb && pc && pd) << gw.Log();
  for (auto* p : {pa, pb, pc, pd}) EXPECT_EQ(p->error, "") << p->name;

  // Everyone decoded everyone else who was there, video and audio.
  for (auto* p : {pa, pb, pc}) {
    for (auto* q : {pa, pb, pc}) {
      if (p == q) continue;
      EXPECT_GT(p->FramesFrom(q->participant_id, "video"), 30) << p->name << " from " << q->name;
      EXPECT_GT(p->FramesFrom(q->participant_id, "audio"), 50) << p->name << " from " << q->name;
    }
  }
  // After C left, A and B kept receiving each other to the end (well after C's departure).
  const ReportTrack* ab = pa->TrackFrom(pb->participant_id, "video");
  const ReportTrack* ba = pb->TrackFrom(pa->participant_id, "video");
  ASSERT_TRUE(ab && ba);
  EXPECT_GT(ab->last_frame_ms, c_left_at_a_ms + 5000);
  EXPECT_GT(ba->last_frame_ms, c_left_at_a_ms + 5000);
  bool told = false;  // A was told C left
  for (const auto& [id, ms] : pa->left) told |= id == pc->participant_id;
  EXPECT_TRUE(told);

  // The late joiner decoded A's and B's video within 1 s of its subscription, and nothing of C.
  for (auto* q : {pa, pb}) {
    const ReportTrack* t = pd->TrackFrom(q->participant_id, "video");
    ASSERT_TRUE(t) << "D has no video from " << q->name;
    ASSERT_GE(t->first_frame_ms, 0) << "D decoded nothing from " << q->name;
    EXPECT_LE(t->first_frame_ms - t->subscribed_ms, 1000) << "D waited for " << q->name << "'s video";
    EXPECT_GT(pd->FramesFrom(q->participant_id, "audio"), 20);
  }
  // On loopback nothing is lost, so no subscriber may see a sequence gap on any track.
  for (auto* p : {pa, pb, pc, pd})
    for (const auto& t : p->tracks) EXPECT_EQ(t.seq_gaps, 0) << p->name << " " << t.track_id;
  EXPECT_EQ(pd->TrackFrom(pc->participant_id, "video"), nullptr);
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(RoomIntegration, RestShowsParticipantsAndTracksAndDeleteDisconnectsEveryone) {
  GatewayProcess gw;
  ClientProcess a(gw.ws_url(), {"--room", "r2", "--name", "A", "--duration", "30", "--no-decode"});
  ClientProcess b(gw.ws_url(), {"--room", "r2", "--name", "B", "--duration", "30", "--no-decode"});
  std::string body;
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  int tracks = 0;
  while (g_get_monotonic_time() < until && tracks < 4) {
    g_usleep(200000);
    if (HttpRequest("GET", gw.http_url() + "/v1/rooms/r2", "", &body) != 200) continue;
    tracks = 0;
    for (size_t pos = 0; (pos = body.find("\"kind\"", pos)) != std::string::npos; pos++) tracks++;
  }
  EXPECT_EQ(tracks, 4) << body;
  EXPECT_NE(body.find("\"name\":\"A\""), std::string::npos);
  EXPECT_EQ(HttpRequest("DELETE", gw.http_url() + "/v1/rooms/r2", "", nullptr), 204u);
  EXPECT_EQ(HttpRequest("GET", gw.http_url() + "/v1/rooms/r2", "", &body), 404u);
  auto ra = ReadReport(a.Wait().get());
  ASSERT_EQ(ra.size(), 1u);
  EXPECT_NE(ra[0].error.find("room_deleted"), std::string::npos) << ra[0].error;
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(RoomIntegration, KilledClientIsRemovedAndOthersRenegotiatedWithin15s) {
  GatewayProcess gw;
  ClientProcess a(gw.ws_url(), {"--room", "k", "--name", "A", "--duration", "14", "--no-decode"});
  ClientProcess b(gw.ws_url(), {"--room", "k", "--name", "B", "--duration", "60", "--no-decode"});
  g_usleep(5 * G_USEC_PER_SEC);
  b.Kill();
  gint64 killed_at_a_ms = (g_get_monotonic_time() - a.started_us()) / 1000;
  auto ra = ReadReport(a.Wait().get());
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(ra[0].left.size(), 1u) << "A was never told that B left";
  EXPECT_LE(ra[0].left[0].second - killed_at_a_ms, 15000);
  EXPECT_GE(ra[0].last_offer_ms, ra[0].left[0].second - 100);  // renegotiated without B's tracks
  std::string body;
  EXPECT_EQ(HttpRequest("GET", gw.http_url() + "/v1/rooms", "", &body), 200u);
  EXPECT_EQ(body.find("\"k\""), std::string::npos) << "room k should be gone: " << body;
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(RoomIntegration, H264IsForwardedAndMutingStopsVideoOnlyWhileMuted) {
  GatewayProcess gw;
  // A publishes H.264 and mutes its video from 5 s to 8 s; B publishes VP8. (Under ASan the
  // clients' first H.264 keyframe can take 3 s to reach B, so the mute starts later than that.)
  ClientProcess a(gw.ws_url(), {"--room", "mute", "--name", "A", "--video-codec", "h264",
                                "--mute-video-at", "5", "--mute-video-for", "3", "--duration", "12"});
  ClientProcess b(gw.ws_url(), {"--room", "mute", "--name", "B", "--duration", "12"});
  auto ra = ReadReport(a.Wait().get());
  auto rb = ReadReport(b.Wait().get());
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(rb.size(), 1u);
  const ReportTrack* h264 = rb[0].TrackFrom(ra[0].participant_id, "video");
  ASSERT_NE(h264, nullptr);
  EXPECT_GT(h264->frames, 60) << "B decoded too little of A's H.264";
  EXPECT_GE(h264->max_gap_ms, 2500) << "video kept flowing while muted (first frame at "
                                    << h264->first_frame_ms << " ms, " << h264->frames << " frames)";
  EXPECT_LE(h264->max_gap_ms, 4500) << "video did not resume promptly after unmute";
  EXPECT_GT(h264->last_frame_ms, 10000) << "video did not resume after unmute";
  EXPECT_EQ(rb[0].track_muted_events, 2);  // muted, then unmuted
  EXPECT_EQ(h264->seq_gaps, 0) << "B saw a sequence jump across the mute";
  const ReportTrack* audio = rb[0].TrackFrom(ra[0].participant_id, "audio");
  ASSERT_NE(audio, nullptr);
  EXPECT_LT(audio->max_gap_ms, 1000) << "muting video must not touch audio";
  EXPECT_GT(ra[0].FramesFrom(rb[0].participant_id, "video"), 60);
}

TEST(RoomIntegration, ShutdownTellsEveryParticipantAndExitsZero) {
  GatewayProcess gw;
  ClientProcess a(gw.ws_url(), {"--room", "bye", "--name", "A", "--duration", "60", "--no-decode"});
  ClientProcess b(gw.ws_url(), {"--room", "bye", "--name", "B", "--duration", "60", "--no-decode"});
  g_usleep(4 * G_USEC_PER_SEC);
  EXPECT_EQ(gw.Stop(), 0);
  for (auto* c : {&a, &b}) {
    auto r = ReadReport(c->Wait().get());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_NE(r[0].error.find("shutdown"), std::string::npos) << r[0].error;
  }
}

TEST(RoomIntegration, MediaUsesOnlyTheConfiguredUdpPortRange) {
  GatewayProcess gw("min_port=47100\nmax_port=47140\n");
  setenv("MEDIAGW_CLIENT_TRACE", "1", 1);  // the client logs every message it receives
  ClientProcess a(gw.ws_url(), {"--room", "ports", "--name", "A", "--duration", "4", "--no-decode"});
  ClientProcess b(gw.ws_url(), {"--room", "ports", "--name", "B", "--duration", "4", "--no-decode"});
  unsetenv("MEDIAGW_CLIENT_TRACE");
  auto ra = ReadReport(a.Wait().get());
  ReadReport(b.Wait().get());
  ASSERT_EQ(ra.size(), 1u);
  // Every candidate the gateway sent, trickled or inside a subscribe offer, names 127.0.0.1 and
  // a port in the range.
  std::string log = a.Stderr() + b.Stderr();
  int candidates = 0;
  for (size_t pos = 0; (pos = log.find("candidate:", pos)) != std::string::npos; pos++) {
    bool trickled = pos >= 13 && log.compare(pos - 13, 13, "\"candidate\":\"") == 0;
    bool in_sdp = pos >= 2 && log.compare(pos - 2, 2, "a=") == 0;
    if (!trickled && !in_sdp) continue;
    std::string line = log.substr(pos, log.find_first_of("\"\\", pos) - pos);
    auto host = line.find("127.0.0.1 ");
    ASSERT_NE(host, std::string::npos) << line;
    int port = std::stoi(line.substr(host + 10));
    EXPECT_GE(port, 47100) << line;
    EXPECT_LE(port, 47140) << line;
    candidates++;
  }
  EXPECT_GE(candidates, 4);  // publish and subscribe connection, two participants
}

// GET `url` accepting any certificate (ours is self-signed); returns the status, 0 if no reply.
unsigned HttpsGet(const std::string& url, std::string* body) {
  auto session = GRef<SoupSession>::Adopt(soup_session_new());
  auto msg = GRef<SoupMessage>::Adopt(soup_message_new("GET", url.c_str()));
  g_signal_connect(msg.get(), "accept-certificate",
                   G_CALLBACK(+[](SoupMessage*, GTlsCertificate*, GTlsCertificateFlags) -> gboolean {
                     return TRUE;
                   }),
                   nullptr);
  GErrorPtr err;
  auto bytes = GRef<GBytes>::Adopt(soup_session_send_and_read(session.get(), msg.get(), nullptr, err.out()));
  if (!bytes) return 0;
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes.get(), &size));
  body->assign(data ? data : "", size);
  return soup_message_get_status(msg.get());
}

TEST(RoomIntegration, ServesHttpsWithTheConfiguredCertificate) {
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-subj /CN=127.0.0.1 -keyout " + key + " -out " + cert;
  gint status = 0;
  ASSERT_TRUE(g_spawn_command_line_sync(cmd.c_str(), nullptr, nullptr, &status, nullptr) &&
              g_spawn_check_wait_status(status, nullptr)) << cmd;
  GatewayProcess gw("[server]\ntls_cert=" + cert + "\ntls_key=" + key + "\n");
  std::string base = "https://127.0.0.1:" + std::to_string(gw.port()), body;
  EXPECT_EQ(HttpsGet(base + "/healthz", &body), 200u) << gw.Log();
  EXPECT_EQ(HttpsGet(base + "/r/secure?name=x", &body), 200u);
  EXPECT_NE(body.find("room.js"), std::string::npos) << body.substr(0, 200);
  // Plain HTTP on the TLS port gets no page.
  EXPECT_NE(HttpRequest("GET", "http://127.0.0.1:" + std::to_string(gw.port()) + "/healthz", "", &body), 200u);
  EXPECT_EQ(gw.Stop(), 0);
}

}  // namespace
}  // namespace mediagw::testing
