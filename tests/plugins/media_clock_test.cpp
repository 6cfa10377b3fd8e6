#include "media_clock.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace mediagw {
namespace {

constexpr int64_t kMs = 1'000'000;

// Audio packets of 20 ms arriving 1 to 30 ms late: their times are their capture times plus
// the smallest delay lately seen, whatever the jitter of each.
TEST(MediaClock, JitterDoesNotMoveTheTimes) {
  MediaClock clock(48000);
  srand(7);
  const uint32_t base = 4'000'000'000u;
  for (int k = 0; k < 500; k++) {
    int64_t capture = 5000 * kMs + k * 20 * kMs;
    int64_t jitter = k == 10 ? 0 : (1 + rand() % 30) * kMs;
    int64_t pts = clock.Stamp(base + static_cast<uint32_t>(k * 960), capture + jitter);
    // Never later than it arrived; from the undelayed packet on, within the smallest delay of
    // the recent windows (1 ms here) of its capture, however late it came.
    EXPECT_LE(pts, capture + jitter) << k;
    if (k >= 10) {
      EXPECT_GE(pts, capture) << k;
      EXPECT_LE(pts, capture + 1 * kMs) << k;
    }
  }
}

// Audio and video of one sender, with unrelated RTP bases and clock rates, captured together
// and sent with different delays (video later, after encoding): their times differ only by
// the difference in the smallest delays.
TEST(MediaClock, AudioAndVideoOfOneSenderStayTogether) {
  MediaClock audio(48000), video(90000);
  srand(11);
  int64_t a = 0, v = 0;
  for (int k = 0; k < 300; k++) {  // 10 s at 30 fps; audio every 1/30 s too, for simplicity
    int64_t capture = 100 * kMs + k * 1000 * kMs / 30;
    a = audio.Stamp(123u + static_cast<uint32_t>(k * 1600), capture + (5 + rand() % 20) * kMs);
    v = video.Stamp(987654321u + static_cast<uint32_t>(k * 3000),
                    capture + (25 + rand() % 40) * kMs);
  }
  EXPECT_NEAR(static_cast<double>(v - a), 20.0 * kMs, 2.0 * kMs);  // 25 - 5 ms of send delay
}

// RTP timestamps wrap at 2^32: times go on.
TEST(MediaClock, TimestampWrapIsContinuous) {
  MediaClock clock(90000);
  uint32_t ts = 0xFFFFFFFFu - 3000;
  int64_t first = clock.Stamp(ts, 1000 * kMs);
  int64_t later = clock.Stamp(ts + 6000, 1070 * kMs);  // wrapped, 3.3 ms later than the first
  EXPECT_NEAR(static_cast<double>(later - first), 66.67 * kMs, 0.1 * kMs);
}

// A sender whose clock runs 200 ppm slow: old minima are forgotten, so after ten minutes its
// times lag their arrival by no more than the drift of the two windows kept.
TEST(MediaClock, FollowsASlowSenderClock) {
  MediaClock clock(48000);
  int64_t pts = 0, arrival = 0;
  for (int64_t k = 0; k < 30000; k++) {                 // 10 min of 20 ms packets
    arrival = 10 * kMs + k * 20 * kMs * 10002 / 10000;  // the sender's 20 ms take 20.004 ms here
    pts = clock.Stamp(static_cast<uint32_t>(k * 960), arrival);
  }
  EXPECT_LE(arrival - pts, 2 * MediaClock::kWindowNs * 2 / 10000 + kMs);
  EXPECT_GE(arrival - pts, 0);
}

// A new source or a long pause moves RTP time away from arrival: the mapping starts over rather
// than putting every packet seconds in the past.
TEST(MediaClock, ReanchorsWhenRtpTimeJumps) {
  MediaClock clock(48000);
  for (int k = 0; k < 100; k++)
    clock.Stamp(static_cast<uint32_t>(k * 960), 1000 * kMs + k * 20 * kMs);
  // RTP time goes back 10 s while arrival goes on.
  int64_t pts = clock.Stamp(static_cast<uint32_t>(100 * 960 - 480000), 3000 * kMs + 5 * kMs);
  EXPECT_EQ(pts, 3005 * kMs);
  EXPECT_EQ(clock.Stamp(static_cast<uint32_t>(101 * 960 - 480000), 3025 * kMs + 2 * kMs),
            3025 * kMs);
  // A jump forward (a gap in sending, RTP time went on): times follow RTP time.
  EXPECT_EQ(clock.Stamp(static_cast<uint32_t>(201 * 960 - 480000), 5027 * kMs), 5025 * kMs);
}

}  // namespace
}  // namespace mediagw
