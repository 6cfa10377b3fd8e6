// What a client sends cannot hurt the gateway: each kind of bad input gets an `error` with its
// code, the connection stays usable, and other participants keep exchanging media meanwhile.
#include <gtest/gtest.h>

#include <string>

#include "processes.h"
#include "ws_client.h"

namespace mediagw::testing {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gw_ = new GatewayProcess("[rooms]\nmax_participants=2\n"); }
  static void TearDownTestSuite() {
    delete gw_;
    gw_ = nullptr;
  }

  std::string Url() const { return gw_->ws_url() + "/v1/signal"; }

  // Sends `text` and returns the code of the error it gets.
  static std::string ErrorCodeFor(WsClient& ws, const std::string& text) {
    ws.SendText(text);
    std::string reply = ws.WaitFor("error");
    EXPECT_FALSE(reply.empty()) << "no error for " << text.substr(0, 80);
    EXPECT_FALSE(JsonField(reply, "message").empty());
    return JsonField(reply, "code");
  }

  static void Join(WsClient& ws, const std::string& room) {
    ws.SendText(R"({"type":"join","room":")" + room + R"(","name":"tester"})");
    ASSERT_FALSE(ws.WaitFor("joined").empty());
  }

  static GatewayProcess* gw_;
};
GatewayProcess* BadInputTest::gw_ = nullptr;

TEST_F(BadInputTest, MalformedJsonIsAnErrorAndTheConnectionStaysUsable) {
  WsClient ws(Url());
  EXPECT_EQ(ErrorCodeFor(ws, "{\"type\": \"join\", "), "bad_json");
  EXPECT_EQ(ErrorCodeFor(ws, "not json at all"), "bad_json");
  EXPECT_EQ(ErrorCodeFor(ws, "[]"), "bad_json");
  Join(ws, "json-room");
}

TEST_F(BadInputTest, UnknownTypeAndMissingFieldsAreNamed) {
  WsClient ws(Url());
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"teleport","id":"7"})"), "unknown_type");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"join","room":"x"})"), "missing_field");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"join","room":"../etc","name":"n"})"), "bad_field");
}

TEST_F(BadInputTest, BinaryFramesAreRejected) {
  WsClient ws(Url());
  ws.SendBinary(std::string("\x00\x01\x02", 3));
  std::string reply = ws.WaitFor("error");
  EXPECT_EQ(JsonField(reply, "code"), "bad_json");
}

TEST_F(BadInputTest, MessageOver64KiBIsTooLarge) {
  WsClient ws(Url());
  Join(ws, "big-room");
  std::string sdp(70 * 1024, 'x');
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"publish","sdp":")" + sdp + "\"}"), "too_large");
  EXPECT_TRUE(ws.open());
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"mute","kind":"smell","muted":true})"), "bad_field");
}

TEST_F(BadInputTest, MessagesBeforeJoinAreNotJoined) {
  WsClient ws(Url());
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"publish","sdp":"v=0"})"), "not_joined");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"mute","kind":"audio","muted":true})"), "not_joined");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"leave"})"), "not_joined");
}

TEST_F(BadInputTest, InvalidSdpIsBadSdp) {
  WsClient ws(Url());
  Join(ws, "sdp-room");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"publish","sdp":"hello"})"), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"publish","sdp":"v=0\r\ns=-\r\n"})"), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"publish","sdp":"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"})"),
            "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"subscribe_answer","sdp":"v=0\r\nm=audio 0 RTP/AVP 0\r\n"})"),
            "bad_sdp");
  // Parses and passes our checks, but no subscribe offer is waiting for it.
  const std::string plausible =
      "v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 96\\r\\n"
      "c=IN IP4 0.0.0.0\\r\\na=ice-ufrag:abcd\\r\\na=ice-pwd:abcdefghijklmnopqrstuvwx\\r\\n"
      "a=fingerprint:sha-256 00:11\\r\\na=setup:active\\r\\na=mid:0\\r\\na=recvonly\\r\\n"
      "a=rtpmap:96 VP8/90000\\r\\n";
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"subscribe_answer","sdp":")" + plausible + "\"}"), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, R"({"type":"ice","connection":"publish","candidate":"x","sdp_mline_index":0})"),
            "bad_field");
  ws.SendText(R"({"type":"leave"})");
  EXPECT_FALSE(ws.WaitFor("left").empty());
}

// The gateway writes subscribe offers itself and checks each answer against the offer: an
// answer that does not fit is refused, and the offer stays open for a better one.
TEST_F(BadInputTest, SubscribeAnswersThatDoNotFitTheOfferAreBadSdp) {
  ClientProcess publisher(gw_->ws_url(), {"--room", "answer-room", "--publish-only", "--duration", "30",
                                          "--no-decode"});
  WsClient ws(Url());
  Join(ws, "answer-room");
  std::string offer = ws.WaitFor("subscribe_offer", 10000);
  ASSERT_FALSE(offer.empty());
  std::string sdp = JsonField(offer, "sdp");
  int mlines = 0;
  for (size_t pos = 0; (pos = sdp.find("\nm=", pos)) != std::string::npos; pos++) mlines++;
  ASSERT_GE(mlines, 1);
  // An answer with `count` m-lines, mids 0.., the given a=setup and, optionally, no fingerprint.
  auto answer = [](int count, const std::string& setup, bool fingerprint, const std::string& mid0) {
    std::string a = "v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n";
    for (int i = 0; i < count; i++) {
      a += "m=video 9 UDP/TLS/RTP/SAVPF 96\\r\\nc=IN IP4 0.0.0.0\\r\\na=ice-ufrag:abcd\\r\\n"
           "a=ice-pwd:abcdefghijklmnopqrstuvwx\\r\\n";
      if (fingerprint) a += "a=fingerprint:sha-256 00:11\\r\\n";
      a += "a=setup:" + setup + "\\r\\na=mid:" + (i == 0 ? mid0 : std::to_string(i)) +
           "\\r\\na=recvonly\\r\\na=rtpmap:96 VP8/90000\\r\\n";
    }
    return R"({"type":"subscribe_answer","sdp":")" + a + "\"}";
  };
  EXPECT_EQ(ErrorCodeFor(ws, answer(mlines + 1, "active", true, "0")), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, answer(mlines, "actpass", true, "0")), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, answer(mlines, "active", true, "nine")), "bad_sdp");
  EXPECT_EQ(ErrorCodeFor(ws, answer(mlines, "active", false, "0")), "bad_sdp");
  EXPECT_TRUE(ws.open());
  ws.SendText(R"({"type":"leave"})");
  EXPECT_FALSE(ws.WaitFor("left").empty());
}

TEST_F(BadInputTest, ChatReachesEveryoneAndLateJoinersGetTheHistory) {
  WsClient a(Url()), b(Url());
  Join(a, "chat-room");
  Join(b, "chat-room");
  a.SendText(R"({"type":"chat","id":"c1","text":"hello \u00e9"})");
  for (WsClient* ws : {&a, &b}) {
    std::string m = ws->WaitFor("chat");
    EXPECT_EQ(JsonField(m, "text"), "hello é") << m;
    EXPECT_EQ(JsonField(m, "name"), "tester");
  }
  EXPECT_FALSE(a.WaitFor("ack").empty());
  EXPECT_EQ(ErrorCodeFor(a, R"({"type":"chat","text":""})"), "bad_field");
  EXPECT_EQ(ErrorCodeFor(a, R"({"type":"chat","text":")" + std::string(3000, 'y') + "\"}"), "bad_field");
  b.SendText(R"({"type":"leave"})");
  EXPECT_FALSE(b.WaitFor("left").empty());
  WsClient c(Url());
  c.SendText(R"({"type":"join","room":"chat-room","name":"late"})");
  std::string joined = c.WaitFor("joined");
  EXPECT_NE(joined.find("hello"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("yyyy"), std::string::npos) << "a refused message was kept";
}

TEST_F(BadInputTest, JoiningAFullRoomIsRoomFull) {
  WsClient a(Url()), b(Url()), c(Url());
  Join(a, "full-room");
  Join(b, "full-room");
  EXPECT_EQ(ErrorCodeFor(c, R"({"type":"join","room":"full-room","name":"third"})"), "room_full");
  EXPECT_EQ(ErrorCodeFor(a, R"({"type":"join","room":"other","name":"again"})"), "already_joined");
  Join(c, "another-room");  // the refused client can still go elsewhere
}

TEST_F(BadInputTest, GatewaySurvivesAFloodOfGarbageWhileOthersExchangeMedia) {
  ClientProcess pair(gw_->ws_url(), {"--room", "calm", "--participants", "2", "--duration", "8",
                                     "--no-decode"});
  {
    WsClient ws(Url());
    const char* garbage[] = {"{", "}", "null", "0", "\"\"", "{\"type\":null}", "{\"type\":{}}",
                             "{\"type\":\"ice\",\"connection\":\"publish\",\"candidate\":1}",
                             "{\"type\":\"join\",\"room\":\"calm\",\"name\":\"x\",\"id\":5}"};
    for (int round = 0; round < 50; round++)
      for (const char* g : garbage) ws.SendText(g);
    EXPECT_FALSE(ws.WaitFor("error").empty());
    // A frame far beyond any limit closes only that connection.
    WsClient huge(Url());
    huge.SendText(std::string(2 * 1024 * 1024, 'a'));
    g_usleep(300000);
  }
  auto report = ReadReport(pair.Wait().get());
  ASSERT_EQ(report.size(), 2u);
  for (const auto& p : report) {
    EXPECT_EQ(p.error, "");
    EXPECT_GT(p.FramesFrom(report[&p == &report[0] ? 1 : 0].participant_id, "video"), 60) << p.name;
  }
  std::string body;
  EXPECT_EQ(HttpRequest("GET", gw_->http_url() + "/healthz", "", &body), 200u);
  EXPECT_TRUE(gw_->running());
}

TEST_F(BadInputTest, RestRejectsBadBodiesWithJsonErrors) {
  std::string body;
  EXPECT_EQ(HttpRequest("POST", gw_->http_url() + "/v1/rooms", "{nope", &body), 400u);
  EXPECT_EQ(JsonField(body, "error"), "");  // error is an object, not a string
  EXPECT_NE(body.find("\"bad_json\""), std::string::npos);
  EXPECT_EQ(HttpRequest("POST", gw_->http_url() + "/v1/rooms", R"({"name":"no spaces"})", &body), 400u);
  EXPECT_EQ(HttpRequest("POST", gw_->http_url() + "/v1/rooms", std::string(70000, ' '), &body), 413u);
  EXPECT_EQ(HttpRequest("GET", gw_->http_url() + "/v1/rooms/nobody-here", "", &body), 404u);
  EXPECT_NE(body.find("\"unknown_room\""), std::string::npos);
  EXPECT_EQ(HttpRequest("PUT", gw_->http_url() + "/v1/rooms", "", &body), 405u);
  EXPECT_EQ(HttpRequest("POST", gw_->http_url() + "/v1/rooms", R"({"name":"made"})", &body), 201u);
  EXPECT_EQ(HttpRequest("POST", gw_->http_url() + "/v1/rooms", R"({"name":"made"})", &body), 409u);
  EXPECT_EQ(HttpRequest("GET", gw_->http_url() + "/r/bad%20name", "", &body), 404u);
  EXPECT_EQ(HttpRequest("GET", gw_->http_url() + "/static/.hidden", "", &body), 404u);
}

}  // namespace
}  // namespace mediagw::testing
