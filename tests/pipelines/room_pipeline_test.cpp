// The room's pipeline, inspected while two real participants exchange media through it: it holds
// our forwarders and webrtcbins, and not one decoder or encoder.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "config.h"
#include "http_api.h"
#include "processes.h"
#include "room_registry.h"

namespace mediagw {
namespace {

void Iterate(int ms) {
  gint64 until = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < until)
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(2000);
}

TEST(RoomPipeline, ForwardingPathHoldsNoDecoderOrEncoder) {
  gst_init(nullptr, nullptr);
  RegisterMediagwElements();
  Config config;
  config.listen_port = 0;
  config.ice.local_addresses = {"127.0.0.1"};
  RoomRegistry rooms(config, g_main_context_default());
  HttpApi api(config, rooms, nullptr, g_main_context_default());
  api.Listen();

  testing::ClientProcess pair("ws://127.0.0.1:" + std::to_string(api.port()),
                              {"--room", "nd", "--participants", "2", "--duration", "6"});
  Iterate(4000);
  Room* room = rooms.Find("nd");
  ASSERT_NE(room, nullptr);
  ASSERT_EQ(room->size(), 2u);
  std::vector<std::string> factories = room->pipeline().ElementFactories();
  auto count = [&](const char* name) { return std::count(factories.begin(), factories.end(), name); };
  EXPECT_EQ(count("mediagwforwarder"), 4);  // two participants, audio and video each
  EXPECT_EQ(count("webrtcbin"), 2);         // each publish connection; subscribers have none
  EXPECT_EQ(count("mediagwtransportsink"), 4);  // one per subscribed track
  for (const auto& name : factories) {
    GstElementFactory* f = gst_element_factory_find(name.c_str());
    if (!f) continue;
    std::string klass = gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS);
    // Media codecs say "Codec/Decoder/Video" and the like; DTLS/SRTP's "Decoder/Network" is
    // encryption, which the path needs.
    EXPECT_EQ(klass.find("Codec/Decoder"), std::string::npos) << name << " is a decoder: " << klass;
    EXPECT_EQ(klass.find("Codec/Encoder"), std::string::npos) << name << " is an encoder: " << klass;
    EXPECT_FALSE(g_str_has_suffix(name.c_str(), "depay")) << name << " depayloads media";
    gst_object_unref(f);
  }

  // Meanwhile the two decoded each other through that pipeline.
  auto report = testing::ReadReport([&] {
    auto node = GRef<JsonNode>();
    gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    // Keep serving signaling while the clients finish.
    while (g_get_monotonic_time() < until && rooms.Find("nd")) Iterate(100);
    return pair.Wait();
  }().get());
  ASSERT_EQ(report.size(), 2u);
  EXPECT_GT(report[0].FramesFrom(report[1].participant_id, "video"), 30);
  EXPECT_GT(report[1].FramesFrom(report[0].participant_id, "video"), 30);
}

}  // namespace
}  // namespace mediagw
