// A short run of mediagw-load against the real mediagw: packets flow, and the report is
// well-formed and agrees with itself.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "processes.h"

namespace mediagw::testing {
namespace {

double Num(JsonObject* o, const char* k) { return json_object_get_double_member(o, k); }

TEST(Load, ShortRunReportsConsistentNumbers) {
  GatewayProcess gw;
  TempDir dir;
  std::string out = dir.path() + "/load.json", err = dir.path() + "/load.err";
  std::string cmd = std::string(g_getenv("MEDIAGW_LOAD_BIN")) + " --local-address 127.0.0.1" +
                    " --server " + gw.ws_url() +
                    " --publishers 1 --subscribers 3 --duration 8 --warmup 4 --server-pid " +
                    std::to_string(gw.pid()) + " > " + out + " 2> " + err;
  ASSERT_EQ(system(cmd.c_str()), 0);
  gchar* table = nullptr;
  g_file_get_contents(err.c_str(), &table, nullptr, nullptr);
  SCOPED_TRACE(std::string("mediagw-load said:\n") + (table ? table : ""));
  g_free(table);
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(out.c_str(), &text, nullptr, nullptr));
  auto root = ParseJson(text);
  g_free(text);
  ASSERT_TRUE(root && JSON_NODE_HOLDS_OBJECT(root.get()));
  JsonObject* top = json_node_get_object(root.get());
  JsonObject* s = json_object_get_object_member(top, "summary");
  ASSERT_NE(s, nullptr);

  EXPECT_EQ(Num(s, "streams_expected"), 6);  // 3 subscribers x (audio + video)
  EXPECT_EQ(Num(s, "streams_forwarded"), 6);
  EXPECT_EQ(Num(s, "participant_errors"), 0);
  EXPECT_EQ(Num(s, "loss_pct"), 0);
  // ~1 Mbit/s VP8 (~100 packets/s) + Opus (50/s) to 3 subscribers for most of 8 s.
  EXPECT_GT(Num(s, "packets_per_s"), 200);
  EXPECT_LT(Num(s, "packets_per_s"), 1000);
  // Latency: samples from the measured window only, ordered percentiles, a loopback magnitude.
  EXPECT_GT(Num(s, "latency_samples"), 150);  // 3 subscribers x 30 fps x 4 s, with slack
  EXPECT_GT(Num(s, "added_latency_p50_ms"), 0);
  EXPECT_LE(Num(s, "added_latency_p50_ms"), Num(s, "added_latency_p95_ms"));
  EXPECT_LE(Num(s, "added_latency_p95_ms"), Num(s, "added_latency_p99_ms"));
  EXPECT_LT(Num(s, "added_latency_p50_ms"), 100);
  EXPECT_GT(Num(s, "join_to_first_packet_p50_ms"), 0);
  EXPECT_LE(Num(s, "join_to_first_packet_p50_ms"), Num(s, "join_to_first_packet_p95_ms"));
  // The server was measured.
  EXPECT_GT(Num(s, "server_cpu_seconds"), 0);
  EXPECT_NEAR(Num(s, "server_cpu_pct"), 100 * Num(s, "server_cpu_seconds") / 4, 0.01);
  EXPECT_GT(Num(s, "server_peak_rss_mb"), 5);

  // The per-participant reports add up to the summary.
  JsonArray* ps = json_object_get_array_member(top, "participants");
  ASSERT_EQ(json_array_get_length(ps), 4u);
  double packets = 0;
  for (guint i = 0; i < json_array_get_length(ps); i++) {
    JsonArray* tracks = json_object_get_array_member(json_array_get_object_element(ps, i), "tracks");
    for (guint j = 0; j < json_array_get_length(tracks); j++)
      packets += static_cast<double>(json_object_get_int_member(json_array_get_object_element(tracks, j), "packets"));
  }
  EXPECT_NEAR(packets / 8.0, Num(s, "packets_per_s"), 1.0);
  EXPECT_EQ(gw.Stop(), 0);
}

}  // namespace
}  // namespace mediagw::testing
