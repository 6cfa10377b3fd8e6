// GstHarness tests of mediagwforwarder: what each subscriber receives, and what reaches the
// publisher, driven packet by packet with a test clock.
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <vector>

#include "gstmediagw.h"

namespace {

constexpr guint32 kPublisherSsrc = 0x11223344;
constexpr const char* kVp8Caps =
    "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,"
    "ssrc=(uint)287454020,extmap-3=(string)http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr const char* kOpusCaps =
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111";

class ForwarderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    mediagw_plugin_register_static();
  }

  void SetUp() override {
    pub_ = gst_harness_new_with_padnames("mediagwforwarder", "sink", "src_%u");
    gst_harness_use_testclock(pub_);
    clock_ = gst_harness_get_testclock(pub_);
    gst_test_clock_set_time(clock_, 10 * GST_SECOND);
  }

  void TearDown() override {
    for (GstHarness* h : subs_) gst_harness_teardown(h);
    gst_object_unref(clock_);
    gst_harness_teardown(pub_);
  }

  // A further subscriber on a new src pad of the same element.
  GstHarness* AddSubscriber() {
    GstHarness* h = gst_harness_new_with_element(pub_->element, nullptr, "src_%u");
    subs_.push_back(h);
    return h;
  }

  GstPad* SrcPadOf(GstHarness* h) { return GST_PAD_PEER(h->sinkpad); }

  // One VP8 packet: keyframe or not, optionally with a one-byte header extension.
  GstBuffer* Vp8(guint16 seq, guint32 ts, bool key, GstClockTime pts = GST_CLOCK_TIME_NONE,
                 bool with_extension = false) {
    const guint8 payload[] = {0x10, static_cast<guint8>(key ? 0x00 : 0x01), 0x9d, 0x01, 0x2a};
    return Rtp(96, seq, ts, payload, sizeof payload, pts, with_extension);
  }

  GstBuffer* Rtp(guint8 pt, guint16 seq, guint32 ts, const guint8* payload, guint len,
                 GstClockTime pts, bool with_extension) {
    GstBuffer* buf = gst_rtp_buffer_new_allocate(len, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(buf, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_payload_type(&rtp, pt);
    gst_rtp_buffer_set_seq(&rtp, seq);
    gst_rtp_buffer_set_timestamp(&rtp, ts);
    gst_rtp_buffer_set_ssrc(&rtp, kPublisherSsrc);
    memcpy(gst_rtp_buffer_get_payload(&rtp), payload, len);
    if (with_extension) {
      const guint8 ext[] = {0x01, 0x02, 0x03};
      gst_rtp_buffer_add_extension_onebyte_header(&rtp, 3, ext, sizeof ext);
    }
    gst_rtp_buffer_unmap(&rtp);
    GST_BUFFER_PTS(buf) = pts;
    return buf;
  }

  struct Received {
    guint8 pt;
    guint16 seq;
    guint32 ts;
    guint32 ssrc;
    bool has_extension;
    std::vector<guint8> payload;
  };

  // Every packet the subscriber has received so far.
  std::vector<Received> Drain(GstHarness* h) {
    std::vector<Received> out;
    while (GstBuffer* buf = gst_harness_try_pull(h)) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      EXPECT_TRUE(gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp));
      auto* p = static_cast<guint8*>(gst_rtp_buffer_get_payload(&rtp));
      out.push_back({gst_rtp_buffer_get_payload_type(&rtp), gst_rtp_buffer_get_seq(&rtp),
                     gst_rtp_buffer_get_timestamp(&rtp), gst_rtp_buffer_get_ssrc(&rtp),
                     gst_rtp_buffer_get_extension(&rtp) != FALSE,
                     std::vector<guint8>(p, p + gst_rtp_buffer_get_payload_len(&rtp))});
      gst_rtp_buffer_unmap(&rtp);
      gst_buffer_unref(buf);
    }
    return out;
  }

  // Keyframe requests that reached the publisher side, with the SSRC each names.
  std::vector<guint> KeyframeRequests() {
    std::vector<guint> ssrcs;
    while (GstEvent* ev = gst_harness_try_pull_upstream_event(pub_)) {
      if (gst_video_event_is_force_key_unit(ev)) {
        guint ssrc = 0;
        gst_structure_get_uint(gst_event_get_structure(ev), "ssrc", &ssrc);
        ssrcs.push_back(ssrc);
      }
      gst_event_unref(ev);
    }
    return ssrcs;
  }

  void SubscriberPli(GstHarness* h) {
    GstEvent* ev = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 1);
    gst_structure_set(gst_event_writable_structure(ev), "ssrc", G_TYPE_UINT, 0xdeadbeefu, NULL);
    EXPECT_TRUE(gst_harness_push_upstream_event(h, ev));
  }

  void Advance(GstClockTime dt) { gst_test_clock_advance_time(clock_, dt); }

  static void ExpectConsecutive(const std::vector<Received>& got) {
    for (size_t i = 1; i < got.size(); i++)
      EXPECT_EQ(static_cast<guint16>(got[i].seq - got[i - 1].seq), 1) << "at packet " << i;
  }

  GstHarness* pub_ = nullptr;
  GstTestClock* clock_ = nullptr;
  std::vector<GstHarness*> subs_;
};

TEST_F(ForwarderTest, IsRegisteredWithRequestSrcPads) {
  GstElementFactory* f = gst_element_factory_find("mediagwforwarder");
  ASSERT_NE(f, nullptr);
  gst_object_unref(f);
}

TEST_F(ForwarderTest, LateSubscriberDropsUntilKeyframeAndAsksForOne) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  KeyframeRequests();
  ASSERT_EQ(gst_harness_push(pub_, Vp8(100, 3000, false)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(pub_, Vp8(101, 6000, false)), GST_FLOW_OK);
  EXPECT_TRUE(Drain(pub_).empty());
  std::vector<guint> requests = KeyframeRequests();
  ASSERT_EQ(requests.size(), 1u);  // two waiting packets, one request
  EXPECT_EQ(requests[0], kPublisherSsrc);

  gst_harness_push(pub_, Vp8(102, 9000, true));
  gst_harness_push(pub_, Vp8(103, 9000, false));
  gst_harness_push(pub_, Vp8(104, 12000, false));
  auto got = Drain(pub_);
  ASSERT_EQ(got.size(), 3u);
  ExpectConsecutive(got);
  EXPECT_EQ(got[0].payload[1] & 0x01, 0);  // the first packet is the keyframe
  EXPECT_EQ(got[1].ts, got[0].ts);
  EXPECT_EQ(got[2].ts - got[0].ts, 3000u);
}

TEST_F(ForwarderTest, SequenceStaysContinuousAcrossMuteAndUnmute) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  GstPad* pad = SrcPadOf(pub_);
  guint16 seq = 1;
  GstClockTime pts = GST_SECOND;
  auto push = [&](bool key) {
    gst_harness_push(pub_, Vp8(seq, seq * 3000u, key, pts));
    seq++;
    pts += 33 * GST_MSECOND;
  };
  push(true);
  push(false);
  push(false);
  std::vector<Received> seen = Drain(pub_);
  ASSERT_EQ(seen.size(), 3u);
  g_object_set(pad, "muted", TRUE, NULL);
  for (int i = 0; i < 5; i++) push(i == 2);
  EXPECT_TRUE(Drain(pub_).empty());
  g_object_set(pad, "muted", FALSE, NULL);
  push(false);  // after unmute video waits for a keyframe
  push(true);
  push(false);
  auto after = Drain(pub_);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].payload[1] & 0x01, 0);
  seen.insert(seen.end(), after.begin(), after.end());
  ExpectConsecutive(seen);  // no jump where the mute was
  // The timestamp moved on by the 7 frames (7 x 33 ms) between the last packet sent and now.
  EXPECT_EQ(after[0].ts - seen[2].ts, 7u * 33u * 90u);
  guint64 dropped = 0;
  g_object_get(pad, "dropped", &dropped, NULL);
  EXPECT_EQ(dropped, 6u);
}

TEST_F(ForwarderTest, NoGapAcrossMuteWithinOneStream) {
  gst_harness_set_src_caps_str(pub_, kOpusCaps);
  GstPad* pad = SrcPadOf(pub_);
  const guint8 opus[] = {0xf8, 0xff, 0xfe};
  std::vector<Received> all;
  guint16 seq = 60000;
  auto push = [&]() {
    gst_harness_push(pub_, Rtp(111, seq, seq * 960u, opus, sizeof opus, GST_CLOCK_TIME_NONE, false));
    seq++;
  };
  for (int i = 0; i < 4; i++) push();
  g_object_set(pad, "muted", TRUE, NULL);
  for (int i = 0; i < 10; i++) push();
  g_object_set(pad, "muted", FALSE, NULL);
  for (int i = 0; i < 4; i++) push();
  all = Drain(pub_);
  ASSERT_EQ(all.size(), 8u);
  ExpectConsecutive(all);
  for (size_t i = 1; i < all.size(); i++) EXPECT_GT(all[i].ts - all[i - 1].ts, 0u);
}

TEST_F(ForwarderTest, PublisherGapIsKeptAndSubscriberSeesItsOwnSsrc) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  g_object_set(SrcPadOf(pub_), "ssrc", 4242u, NULL);
  gst_harness_push(pub_, Vp8(10, 0, true));
  gst_harness_push(pub_, Vp8(11, 0, false));
  gst_harness_push(pub_, Vp8(13, 3000, false));  // 12 was lost before the gateway
  auto got = Drain(pub_);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(static_cast<guint16>(got[1].seq - got[0].seq), 1);
  EXPECT_EQ(static_cast<guint16>(got[2].seq - got[1].seq), 2);
  for (auto& r : got) EXPECT_EQ(r.ssrc, 4242u);
}

TEST_F(ForwarderTest, PayloadTypeIsMappedPerSubscriberAndExtensionsStripped) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  GstHarness* second = AddSubscriber();
  g_object_set(SrcPadOf(pub_), "payload-type", 100, NULL);
  g_object_set(SrcPadOf(second), "payload-type", 120, NULL);
  gst_harness_push(pub_, Vp8(1, 0, true, GST_CLOCK_TIME_NONE, true));
  auto a = Drain(pub_);
  auto b = Drain(second);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].pt, 100);
  EXPECT_EQ(b[0].pt, 120);
  EXPECT_FALSE(a[0].has_extension);
  EXPECT_EQ(a[0].payload, (std::vector<guint8>{0x10, 0x00, 0x9d, 0x01, 0x2a}));
  EXPECT_NE(a[0].ssrc, b[0].ssrc);

  GstCaps* caps = gst_pad_get_current_caps(SrcPadOf(second));
  ASSERT_NE(caps, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  gint pt = 0;
  guint ssrc = 0;
  EXPECT_TRUE(gst_structure_get_int(s, "payload", &pt));
  EXPECT_EQ(pt, 120);
  EXPECT_TRUE(gst_structure_get_uint(s, "ssrc", &ssrc));
  EXPECT_EQ(ssrc, b[0].ssrc);
  EXPECT_FALSE(gst_structure_has_field(s, "extmap-3"));
  gst_caps_unref(caps);
}

TEST_F(ForwarderTest, CapsSentAfterKeyframeGateCarryTheSsrcSetLater) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  GstHarness* late = AddSubscriber();  // requested while caps were known: gets provisional caps
  gst_harness_push(pub_, Vp8(1, 0, false));  // gated: nothing sent yet
  g_object_set(SrcPadOf(late), "ssrc", 777u, "payload-type", 98, NULL);
  gst_harness_push(pub_, Vp8(2, 0, false));
  gst_harness_push(pub_, Vp8(3, 3000, true));
  ASSERT_EQ(Drain(late).size(), 1u);
  GstCaps* caps = gst_pad_get_current_caps(SrcPadOf(late));
  ASSERT_NE(caps, nullptr);
  guint ssrc = 0;
  gint pt = 0;
  gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc);
  gst_structure_get_int(gst_caps_get_structure(caps, 0), "payload", &pt);
  EXPECT_EQ(ssrc, 777u);
  EXPECT_EQ(pt, 98);
  gst_caps_unref(caps);
}

TEST_F(ForwarderTest, KeyframeRequestsFromAllSubscribersAreCoalesced) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  GstHarness* second = AddSubscriber();
  gst_harness_push(pub_, Vp8(1, 0, true));
  Drain(pub_);
  Drain(second);
  KeyframeRequests();

  SubscriberPli(pub_);
  SubscriberPli(second);
  SubscriberPli(second);
  std::vector<guint> first = KeyframeRequests();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], kPublisherSsrc);  // the subscriber's SSRC never goes upstream

  gst_harness_push(pub_, Vp8(2, 3000, true));  // the publisher answers
  Advance(400 * GST_MSECOND);
  SubscriberPli(pub_);
  gst_harness_push(pub_, Vp8(3, 6000, false));
  EXPECT_TRUE(KeyframeRequests().empty());  // still inside 500 ms

  Advance(150 * GST_MSECOND);
  gst_harness_push(pub_, Vp8(4, 9000, false));  // the held request leaves with the next packet
  EXPECT_EQ(KeyframeRequests().size(), 1u);
  guint64 count = 0;
  g_object_get(pub_->element, "keyframe-requests", &count, NULL);
  EXPECT_EQ(count, 2u);
}

TEST_F(ForwarderTest, RequestsWhileOneIsUnansweredWaitForItsKeyframe) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  gst_harness_push(pub_, Vp8(1, 0, true));
  Drain(pub_);
  KeyframeRequests();
  SubscriberPli(pub_);
  ASSERT_EQ(KeyframeRequests().size(), 1u);

  // Subscribers joining meanwhile will get the keyframe on its way: nothing more is asked.
  Advance(600 * GST_MSECOND);
  SubscriberPli(pub_);
  gst_harness_push(pub_, Vp8(2, 3000, false));
  EXPECT_TRUE(KeyframeRequests().empty());

  // Unanswered for two intervals: the request or the keyframe was lost, so ask again.
  Advance(500 * GST_MSECOND);
  SubscriberPli(pub_);
  gst_harness_push(pub_, Vp8(3, 6000, false));
  EXPECT_EQ(KeyframeRequests().size(), 1u);
}

TEST_F(ForwarderTest, AudioIsNeverGatedAndNeverRequestsKeyframes) {
  gst_harness_set_src_caps_str(pub_, kOpusCaps);
  KeyframeRequests();
  const guint8 opus[] = {0xf8, 0xff, 0xfe};
  for (guint16 s = 0; s < 3; s++)
    gst_harness_push(pub_, Rtp(111, s, s * 960u, opus, sizeof opus, GST_CLOCK_TIME_NONE, false));
  EXPECT_EQ(Drain(pub_).size(), 3u);
  EXPECT_TRUE(KeyframeRequests().empty());
}

TEST_F(ForwarderTest, ReleasedSubscriberDoesNotDisturbTheOthers) {
  gst_harness_set_src_caps_str(pub_, kVp8Caps);
  GstHarness* second = AddSubscriber();
  gst_harness_push(pub_, Vp8(1, 0, true));
  GstPad* pad = SrcPadOf(second);
  gst_object_ref(pad);
  gst_harness_teardown(second);
  subs_.clear();
  gst_element_release_request_pad(pub_->element, pad);
  gst_object_unref(pad);
  EXPECT_EQ(gst_harness_push(pub_, Vp8(2, 0, false)), GST_FLOW_OK);
  EXPECT_EQ(Drain(pub_).size(), 2u);
}

}  // namespace
