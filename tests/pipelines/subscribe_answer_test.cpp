// A subscribe answer is checked against the offer before anything is set up.
#include <gtest/gtest.h>

#include <string>

#include "subscribe_answer.h"

namespace mediagw {
namespace {

const std::string kHead =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n";
std::string Media(const std::string& kind, int port, const std::string& mid,
                  const std::string& extra) {
  return "m=" + kind + " " + std::to_string(port) +
         " UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" + "a=mid:" + mid +
         "\r\na=rtpmap:96 VP8/90000\r\n" + extra;
}
const std::string kCreds =
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n"
    "a=fingerprint:sha-256 AA:BB\r\na=setup:active\r\n"
    "a=candidate:1 1 UDP 2122252543 127.0.0.1 50000 typ host\r\n";

TEST(SubscribeAnswer, ReadsCredentialsCandidatesAndWhatIsAccepted) {
  std::string error;
  auto a = ReadSubscribeAnswer(kHead + Media("audio", 9, "0", kCreds + "a=recvonly\r\n") +
                                   Media("video", 9, "1", "a=inactive\r\n"),
                               {"0", "1"}, &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->accepted, (std::vector<bool>{true, false}));
  EXPECT_EQ(a->ufrag, "abcd");
  EXPECT_FALSE(a->dtls_client);
  ASSERT_EQ(a->candidates.size(), 1u);
  EXPECT_EQ(a->candidates[0].rfind("candidate:1 1 UDP", 0), 0u);
}

TEST(SubscribeAnswer, DecliningEverythingNeedsNoTransport) {
  std::string error;
  auto a = ReadSubscribeAnswer(kHead + Media("audio", 0, "0", "") + Media("video", 0, "1", ""),
                               {"0", "1"}, &error);
  ASSERT_TRUE(a) << error;
  EXPECT_TRUE(a->declined_all);
}

TEST(SubscribeAnswer, RefusesAnswersThatDoNotFitTheOffer) {
  std::string error;
  const std::string one = Media("audio", 9, "0", kCreds);
  EXPECT_FALSE(ReadSubscribeAnswer("not sdp", {"0"}, &error));
  EXPECT_FALSE(ReadSubscribeAnswer(kHead + one, {"0", "1"}, &error));
  EXPECT_NE(error.find("media sections"), std::string::npos);
  EXPECT_FALSE(ReadSubscribeAnswer(kHead + Media("audio", 9, "7", kCreds), {"0"}, &error));
  EXPECT_NE(error.find("mid"), std::string::npos);
  EXPECT_FALSE(
      ReadSubscribeAnswer(kHead + Media("audio", 9, "0", "a=setup:active\r\n"), {"0"}, &error));
  EXPECT_NE(error.find("ICE"), std::string::npos);
  std::string actpass = kCreds;
  actpass.replace(actpass.find("setup:active"), 12, "setup:actpass");
  EXPECT_FALSE(ReadSubscribeAnswer(kHead + Media("audio", 9, "0", actpass), {"0"}, &error));
  EXPECT_NE(error.find("a=setup"), std::string::npos);
}

}  // namespace
}  // namespace mediagw
