#include "rtp_rewriter.h"

#include <gtest/gtest.h>

namespace mediagw {
namespace {

using Verdict = RtpRewriter::Verdict;

struct Out {
  Verdict verdict;
  uint16_t seq;
  uint32_t ts;
};

Out Feed(RtpRewriter& r, uint16_t seq, uint32_t ts, bool key = false, uint64_t pts = 0) {
  Out o{};
  o.verdict = r.Process({seq, ts, pts, key}, &o.seq, &o.ts);
  return o;
}

TEST(RtpRewriter, VideoWaitsForKeyframeThenStartsAtFirstSeq) {
  RtpRewriter r(1000, 5000, 90000, true);
  EXPECT_EQ(Feed(r, 40, 100).verdict, Verdict::kWaitKeyframe);
  Out o = Feed(r, 41, 3100, true);
  EXPECT_EQ(o.verdict, Verdict::kForward);
  EXPECT_EQ(o.seq, 1000);
  EXPECT_EQ(o.ts, 5000u);
  EXPECT_EQ(Feed(r, 42, 3100).seq, 1001);
}

TEST(RtpRewriter, PublisherGapsAndReorderingPassThrough) {
  RtpRewriter r(10, 0, 48000, false);
  EXPECT_EQ(Feed(r, 500, 0).seq, 10);
  EXPECT_EQ(Feed(r, 502, 960).seq, 12);   // the publisher lost 501
  EXPECT_EQ(Feed(r, 501, 480).seq, 11);   // and it arrived late
  EXPECT_EQ(Feed(r, 503, 1440).seq, 13);
}

TEST(RtpRewriter, SequenceWrapsAround) {
  RtpRewriter r(65534, 0, 48000, false);
  EXPECT_EQ(Feed(r, 7, 0).seq, 65534);
  EXPECT_EQ(Feed(r, 8, 960).seq, 65535);
  EXPECT_EQ(Feed(r, 9, 1920).seq, 0);
}

TEST(RtpRewriter, MuteAndUnmuteLeaveNoGapAndAdvanceTimestampByElapsedTime) {
  RtpRewriter r(100, 0, 90000, true);
  EXPECT_EQ(Feed(r, 1, 9000, true, 1'000'000'000).seq, 100);
  EXPECT_EQ(Feed(r, 2, 12000, false, 1'033'000'000).seq, 101);
  r.Pause();
  EXPECT_EQ(Feed(r, 3, 15000, true, 1'066'000'000).verdict, Verdict::kDrop);
  EXPECT_EQ(Feed(r, 4, 18000, false, 1'100'000'000).verdict, Verdict::kDrop);
  r.Resume();
  EXPECT_EQ(Feed(r, 5, 21000, false, 1'133'000'000).verdict, Verdict::kWaitKeyframe);
  Out o = Feed(r, 6, 24000, true, 2'033'000'000);  // one second after the last packet sent
  EXPECT_EQ(o.verdict, Verdict::kForward);
  EXPECT_EQ(o.seq, 102);
  EXPECT_EQ(o.ts - 3000u, 90000u);  // 3000 was the last timestamp sent
  EXPECT_EQ(Feed(r, 7, 27000, false, 2'066'000'000).ts, o.ts + 3000u);
}

TEST(RtpRewriter, AudioResumesWithoutKeyframe) {
  RtpRewriter r(0, 0, 48000, false);
  Feed(r, 1, 0);
  r.Pause();
  EXPECT_EQ(Feed(r, 2, 960).verdict, Verdict::kDrop);
  r.Resume();
  Out o = Feed(r, 3, 1920);
  EXPECT_EQ(o.verdict, Verdict::kForward);
  EXPECT_EQ(o.seq, 1);
}

}  // namespace
}  // namespace mediagw
