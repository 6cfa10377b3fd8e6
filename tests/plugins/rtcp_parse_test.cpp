// Demultiplexing a subscriber's packets and reading keyframe requests from RTCP.
#include <gtest/gtest.h>

#include <vector>

#include "rtcp_parse.h"

namespace mediagw {
namespace {

std::vector<uint8_t> Pli(uint32_t media_ssrc) {
  return {0x81,
          206,
          0,
          2,
          0,
          0,
          0,
          1,
          uint8_t(media_ssrc >> 24),
          uint8_t(media_ssrc >> 16),
          uint8_t(media_ssrc >> 8),
          uint8_t(media_ssrc)};
}

TEST(RtcpParse, ClassifiesByTheFirstByteAndThePacketType) {
  std::vector<uint8_t> rtp(20, 0);
  rtp[0] = 0x80;
  rtp[1] = 96;
  EXPECT_EQ(ClassifyPacket(rtp.data(), rtp.size(), 1500), PacketClass::kRtp);
  rtp[1] = 201;
  EXPECT_EQ(ClassifyPacket(rtp.data(), rtp.size(), 1500), PacketClass::kRtcp);
  rtp[0] = 22;
  EXPECT_EQ(ClassifyPacket(rtp.data(), rtp.size(), 1500), PacketClass::kDtls);
  rtp[0] = 1;
  EXPECT_EQ(ClassifyPacket(rtp.data(), rtp.size(), 1500), PacketClass::kStun);
  rtp[0] = 0x80;
  EXPECT_EQ(ClassifyPacket(rtp.data(), 11, 1500), PacketClass::kOther);  // shorter than a header
  EXPECT_EQ(ClassifyPacket(rtp.data(), rtp.size(), 16), PacketClass::kOther);  // too long
  EXPECT_EQ(ClassifyPacket(rtp.data(), 0, 1500), PacketClass::kOther);
}

TEST(RtcpParse, FindsPliAndFirInACompoundPacket) {
  std::vector<uint8_t> compound = {0x80, 201, 0, 1, 0, 0, 0, 1};  // an empty receiver report
  auto pli = Pli(0xabcdef01);
  compound.insert(compound.end(), pli.begin(), pli.end());
  std::vector<uint8_t> fir = {0x84, 206, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                              0,    7,   1, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
  compound.insert(compound.end(), fir.begin(), fir.end());
  EXPECT_EQ(KeyframeRequests(compound.data(), compound.size()),
            (std::vector<uint32_t>{0xabcdef01, 7, 8}));
}

TEST(RtcpParse, StopsAtAPacketThatClaimsMoreThanIsThere) {
  auto pli = Pli(5);
  std::vector<uint8_t> bad = {0x81, 206, 0, 200, 0, 0, 0, 1, 0, 0, 0, 9};
  pli.insert(pli.end(), bad.begin(), bad.end());
  EXPECT_EQ(KeyframeRequests(pli.data(), pli.size()), (std::vector<uint32_t>{5}));
  std::vector<uint8_t> wrong_version = {0x41, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 9};
  EXPECT_TRUE(KeyframeRequests(wrong_version.data(), wrong_version.size()).empty());
  EXPECT_TRUE(KeyframeRequests(pli.data(), 3).empty());
}

}  // namespace
}  // namespace mediagw
