#include "rtp_keyframe.h"

#include <gtest/gtest.h>

#include <vector>

namespace mediagw {
namespace {

bool Key(RtpCodec c, std::vector<uint8_t> p) { return IsKeyframeStart(c, p.data(), p.size()); }

TEST(RtpKeyframe, Vp8KeyframeNeedsStartOfPartitionZeroAndClearPBit) {
  EXPECT_TRUE(Key(RtpCodec::kVp8, {0x10, 0x00, 0x9d}));   // S=1 PID=0, P=0
  EXPECT_FALSE(Key(RtpCodec::kVp8, {0x10, 0x01, 0x9d}));  // P=1: inter frame
  EXPECT_FALSE(Key(RtpCodec::kVp8, {0x00, 0x00}));        // not the start of a frame
  EXPECT_FALSE(Key(RtpCodec::kVp8, {0x11, 0x00}));        // partition 1
}

TEST(RtpKeyframe, Vp8ExtendedDescriptorIsSkipped) {
  // X=1, I=1 with a 15-bit picture id, L=1, T=1, then the payload header.
  EXPECT_TRUE(Key(RtpCodec::kVp8, {0x90, 0xE0, 0x80, 0x01, 0x05, 0x20, 0x00}));
  EXPECT_FALSE(Key(RtpCodec::kVp8, {0x90, 0xE0, 0x80, 0x01, 0x05, 0x20, 0x01}));
  EXPECT_FALSE(Key(RtpCodec::kVp8, {0x90, 0xE0, 0x80}));  // truncated
}

TEST(RtpKeyframe, H264SingleStapAndFuA) {
  EXPECT_TRUE(Key(RtpCodec::kH264, {0x67, 0x42}));        // SPS
  EXPECT_TRUE(Key(RtpCodec::kH264, {0x65, 0x88}));        // IDR
  EXPECT_FALSE(Key(RtpCodec::kH264, {0x41, 0x9a}));       // non-IDR slice
  EXPECT_TRUE(Key(RtpCodec::kH264, {0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}));
  EXPECT_FALSE(Key(RtpCodec::kH264, {0x78, 0x00, 0x02, 0x41, 0x9a}));
  EXPECT_TRUE(Key(RtpCodec::kH264, {0x7c, 0x85, 0x00}));  // FU-A start of IDR
  EXPECT_FALSE(Key(RtpCodec::kH264, {0x7c, 0x05, 0x00}));  // FU-A continuation
  EXPECT_FALSE(Key(RtpCodec::kH264, {0x78, 0x00, 0x09, 0x67}));  // STAP-A size past the end
}

TEST(RtpKeyframe, AudioIsAlwaysAStartAndNamesAreCaseInsensitive) {
  EXPECT_TRUE(Key(RtpCodec::kOpus, {0x00}));
  EXPECT_EQ(RtpCodecFromEncodingName("OPUS"), RtpCodec::kOpus);
  EXPECT_EQ(RtpCodecFromEncodingName("vp8"), RtpCodec::kVp8);
  EXPECT_EQ(RtpCodecFromEncodingName("H264"), RtpCodec::kH264);
  EXPECT_EQ(RtpCodecFromEncodingName("VP9"), RtpCodec::kUnknown);
}

}  // namespace
}  // namespace mediagw
