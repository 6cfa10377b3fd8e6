// The restream URL parser: what it accepts, what it refuses, and what it lets be shown.
#include <gtest/gtest.h>

#include "mediagw/gref.h"
#include "rtmp_url.h"

namespace mediagw::signaling {
namespace {

TEST(RtmpUrl, AcceptsWhatYouTubeTwitchAndFacebookGive) {
  auto yt = ParseRtmpUrl("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop-qrst");
  ASSERT_TRUE(yt.url) << yt.error;
  EXPECT_EQ(yt.url->scheme, "rtmp");
  EXPECT_EQ(yt.url->host, "a.rtmp.youtube.com");
  EXPECT_EQ(yt.url->port, 1935);
  EXPECT_EQ(yt.url->redacted, "rtmp://a.rtmp.youtube.com/live2/***");
  auto fb = ParseRtmpUrl("rtmps://live-api-s.facebook.com:443/rtmp/FB-123-0-Ab?s_bl=1&s_sw=0");
  ASSERT_TRUE(fb.url) << fb.error;
  EXPECT_EQ(fb.url->port, 443);
  EXPECT_EQ(fb.url->redacted, "rtmps://live-api-s.facebook.com:443/rtmp/***?***");
  auto v6 = ParseRtmpUrl("rtmp://[2001:db8::1]:1936/app/inst/key");
  ASSERT_TRUE(v6.url) << v6.error;
  EXPECT_EQ(v6.url->host, "2001:db8::1");
  EXPECT_EQ(v6.url->redacted, "rtmp://[2001:db8::1]:1936/app/inst/***");
}

TEST(RtmpUrl, RedactedFormsNeverHoldTheKeyOrTheCredentials) {
  auto r =
      ParseRtmpUrl("rtmp://user:hunter2hunter2@ingest.example.com/live/sk_live_SECRET?auth=TOKEN");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->redacted, "rtmp://***@ingest.example.com/live/***?***");
  for (const char* secret : {"hunter2", "sk_live_SECRET", "TOKEN", "user"})
    EXPECT_EQ(r.url->redacted.find(secret), std::string::npos) << secret;
  bool has_key = false;
  for (const auto& s : r.url->secrets) has_key = has_key || s == "sk_live_SECRET";
  EXPECT_TRUE(has_key);
}

TEST(RtmpUrl, RefusesThePipelineInjectionString) {
  auto r = ParseRtmpUrl(
      "rtmp://127.0.0.1:9/a\" fakesink name=q videotestsrc num-buffers=3 ! "
      "video/x-raw,width=8,height=8 ! filesink location=\"anyfile");
  EXPECT_FALSE(r.url);
  EXPECT_NE(r.error.find("quotes"), std::string::npos) << r.error;
}

TEST(RtmpUrl, RefusesOtherSchemesHostsAndShapes) {
  for (const char* bad : {"",
                          "http://host/app/key",
                          "file:///etc/passwd",
                          "rtmp:///app/key",
                          "rtmp://host",
                          "rtmp://host/",
                          "rtmp://host/app",
                          "rtmp://host/app/key#frag",
                          "rtmp://ho st/app/key",
                          "rtmp://host/app/ke'y",
                          "rtmp://host/app/ke\\y",
                          "rtmp://host/app/key\n",
                          "rtmp://host/app/%22key",
                          "rtmp://host/app/%0akey",
                          "rtmp://host/app/%20",
                          "rtmp://host:0/a/k",
                          "rtmp://host:99999/a/k",
                          "rtmp://-/a/k.",
                          "rtmp://fe80::1%25eth0/a/k",
                          "rtmp://h\x01/a/k",
                          "rtmp://host/a/k\x7f",
                          "rtmp://host/app/k\xc3\xa9",
                          "rtmp://host/a/{k}",
                          "rtmp://a..b/a/k"}) {
    auto r = ParseRtmpUrl(bad);
    EXPECT_FALSE(r.url) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
  EXPECT_FALSE(ParseRtmpUrl(std::string(3000, 'a')).url);
}

std::string Reason(const char* text) {
  auto a = GRef<GInetAddress>::Adopt(g_inet_address_new_from_string(text));
  return a ? ForbiddenAddressReason(a.get()) : "unparsable";
}

TEST(RtmpUrl, PrivateLoopbackLinkLocalCgnatAndUnspecifiedAddressesAreForbidden) {
  for (const char* forbidden : {"127.0.0.1",
                                "127.8.9.10",
                                "10.1.2.3",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "169.254.169.254",
                                "100.64.0.1",
                                "100.127.255.254",
                                "0.0.0.0",
                                "224.0.0.1",
                                "255.255.255.255",
                                "::",
                                "::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "fe80::1",
                                "ff02::1",
                                "::ffff:127.0.0.1",
                                "::ffff:10.0.0.1",
                                "::ffff:169.254.169.254",
                                "64:ff9b::a00:1"})
    EXPECT_NE(Reason(forbidden), "") << forbidden;
  for (const char* allowed : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1",
                              "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"})
    EXPECT_EQ(Reason(allowed), "") << allowed;
  EXPECT_NE(Reason("10.0.0.1").find("private"), std::string::npos);
  EXPECT_NE(Reason("127.0.0.1").find("loopback"), std::string::npos);
}

}  // namespace
}  // namespace mediagw::signaling
