#include "protocol.h"

#include <gtest/gtest.h>

#include <string>

#include "messages.h"

namespace mediagw::signaling {
namespace {

ParseError ExpectError(const std::string& text, ErrorCode code) {
  ParseResult r = Parse(text);
  EXPECT_FALSE(r.message.has_value()) << text;
  EXPECT_TRUE(r.error.has_value()) << text;
  if (!r.error) return {};
  EXPECT_EQ(ErrorCodeName(r.error->code), std::string(ErrorCodeName(code))) << r.error->message;
  EXPECT_FALSE(r.error->message.empty());
  return *r.error;
}

ClientMessage ExpectMessage(const std::string& text) {
  ParseResult r = Parse(text);
  EXPECT_FALSE(r.error.has_value()) << text << ": " << (r.error ? r.error->message : "");
  EXPECT_TRUE(r.message.has_value());
  return r.message.value_or(ClientMessage{});
}

TEST(SignalingParse, JoinWithRoomNameAndIdIsAccepted) {
  ClientMessage m = ExpectMessage(R"({"type":"join","id":"1","room":"demo-1","name":"Ana"})");
  EXPECT_EQ(m.type, MessageType::kJoin);
  EXPECT_EQ(m.room, "demo-1");
  EXPECT_EQ(m.name, "Ana");
  EXPECT_EQ(m.id.value_or(""), "1");
}

TEST(SignalingParse, UnicodeDisplayNameIsAccepted) {
  ClientMessage m = ExpectMessage(R"({"type":"join","room":"r","name":"Zoë 李"})");
  EXPECT_EQ(m.name, "Zoë 李");
}

TEST(SignalingParse, PublishAndSubscribeAnswerCarrySdp) {
  EXPECT_EQ(ExpectMessage(R"({"type":"publish","sdp":"v=0\r\n"})").sdp, "v=0\r\n");
  ClientMessage a = ExpectMessage(R"({"type":"subscribe_answer","sdp":"v=0"})");
  EXPECT_EQ(a.type, MessageType::kSubscribeAnswer);
}

TEST(SignalingParse, IceNamesItsConnection) {
  ClientMessage m = ExpectMessage(
      R"({"type":"ice","connection":"subscribe","candidate":"candidate:1 1 UDP 1 127.0.0.1 5000 typ host","sdp_mline_index":2})");
  EXPECT_EQ(m.connection, Connection::kSubscribe);
  EXPECT_EQ(m.mline_index, 2u);
  ClientMessage end =
      ExpectMessage(R"({"type":"ice","connection":"publish","candidate":"","sdp_mline_index":0})");
  EXPECT_TRUE(end.candidate.empty());
}

TEST(SignalingParse, ChatCarriesUpTo2000BytesOfText) {
  EXPECT_EQ(ExpectMessage(R"({"type":"chat","text":"hej 👋"})").text, "hej 👋");
  EXPECT_EQ(ExpectMessage(R"({"type":"chat","text":")" + std::string(2000, 'x') + "\"}").text.size(), 2000u);
  ExpectError(R"({"type":"chat","text":")" + std::string(2001, 'x') + "\"}", ErrorCode::kBadField);
  ExpectError(R"({"type":"chat","text":""})", ErrorCode::kBadField);
  ExpectError(R"({"type":"chat"})", ErrorCode::kMissingField);
  ExpectError(R"({"type":"chat","text":5})", ErrorCode::kBadField);
}

TEST(SignalingMessages, JoinedCarriesTheChatHistoryAndChatItsFields) {
  std::string joined = Joined(std::nullopt, "r", "p1", {}, {{"p2", "Bo", "first", 1000}, {"p3", "Cy", "second", 2000}});
  EXPECT_NE(joined.find(R"("chat":[{"participant_id":"p2","name":"Bo","text":"first","time_ms":1000})"),
            std::string::npos) << joined;
  EXPECT_LT(joined.find("first"), joined.find("second"));
  std::string chat = Chat({"p2", "Bo", "say \"hi\"", 5});
  EXPECT_NE(chat.find(R"("type":"chat")"), std::string::npos) << chat;
  EXPECT_NE(chat.find(R"("text":"say \"hi\"")"), std::string::npos) << chat;
}

TEST(SignalingParse, MuteAndLeave) {
  ClientMessage m = ExpectMessage(R"({"type":"mute","kind":"video","muted":true})");
  EXPECT_EQ(m.kind, TrackKind::kVideo);
  EXPECT_TRUE(m.muted);
  EXPECT_EQ(ExpectMessage(R"({"type":"leave"})").type, MessageType::kLeave);
}

TEST(SignalingParse, MalformedJsonIsBadJson) {
  ExpectError("{\"type\":\"join\"", ErrorCode::kBadJson);
  ExpectError("", ErrorCode::kBadJson);
  ExpectError("[1,2]", ErrorCode::kBadJson);
  ExpectError("\"join\"", ErrorCode::kBadJson);
}

TEST(SignalingParse, UnknownTypeIsRejectedButIdIsKept) {
  ParseError e = ExpectError(R"({"type":"dance","id":"x7"})", ErrorCode::kUnknownType);
  EXPECT_EQ(e.id.value_or(""), "x7");
}

TEST(SignalingParse, MissingOrMistypedFieldsAreNamed) {
  ParseError e = ExpectError(R"({"type":"join","room":"r"})", ErrorCode::kMissingField);
  EXPECT_NE(e.message.find("name"), std::string::npos);
  ExpectError(R"({"room":"r"})", ErrorCode::kMissingField);
  ExpectError(R"({"type":7})", ErrorCode::kBadField);
  ExpectError(R"({"type":"join","room":5,"name":"a"})", ErrorCode::kBadField);
  ExpectError(R"({"type":"mute","kind":"video","muted":"yes"})", ErrorCode::kBadField);
  ExpectError(R"({"type":"ice","connection":"x","candidate":"","sdp_mline_index":0})",
              ErrorCode::kBadField);
  ExpectError(R"({"type":"ice","connection":"publish","candidate":"","sdp_mline_index":-1})",
              ErrorCode::kBadField);
  ExpectError(R"({"type":"publish","sdp":""})", ErrorCode::kBadField);
}

TEST(SignalingParse, RoomAndNameRulesAreEnforced) {
  ExpectError(R"({"type":"join","room":"a/b","name":"n"})", ErrorCode::kBadField);
  ExpectError(R"({"type":"join","room":"","name":"n"})", ErrorCode::kBadField);
  ExpectError(R"({"type":"join","room":"r","name":""})", ErrorCode::kBadField);
  ExpectError(R"({"type":"join","room":"r","name":"a\u0001b"})", ErrorCode::kBadField);
  std::string long_room(65, 'a');
  ExpectError(R"({"type":"join","room":")" + long_room + R"(","name":"n"})", ErrorCode::kBadField);
}

TEST(SignalingParse, OversizedMessageIsTooLargeBeforeParsing) {
  std::string sdp(kMaxMessageBytes, 'x');
  ExpectError(R"({"type":"publish","sdp":")" + sdp + "\"}", ErrorCode::kTooLarge);
}

TEST(SignalingParse, OversizedFieldIsBadField) {
  std::string cand(2000, 'c');
  ExpectError(R"({"type":"ice","connection":"publish","candidate":")" + cand +
                  R"(","sdp_mline_index":0})",
              ErrorCode::kBadField);
}

TEST(SignalingMessages, ErrorCarriesCodeMessageAndId) {
  std::string text = Error(ErrorCode::kRoomFull, "room r is full", std::string("9"));
  EXPECT_EQ(text, R"({"type":"error","id":"9","code":"room_full","message":"room r is full"})");
}

TEST(SignalingMessages, SubscribeOfferListsTracksByMid) {
  std::string text = SubscribeOffer("v=0", {{"0", "t1", "p1", TrackKind::kVideo}});
  EXPECT_EQ(text,
            R"({"type":"subscribe_offer","sdp":"v=0","tracks":[{"mid":"0","track_id":"t1",)"
            R"("participant_id":"p1","kind":"video"}]})");
}

TEST(SignalingMessages, JoinedListsOtherParticipantsAndTheirTracks) {
  ParticipantInfo p{"p2", "Bo", {{"p2-video", TrackKind::kVideo, "VP8", true}}};
  std::string text = Joined(std::string("1"), "r", "p1", {p});
  EXPECT_EQ(text, R"({"type":"joined","id":"1","room":"r","participant_id":"p1","participants":[)"
                  R"({"id":"p2","name":"Bo","tracks":[{"id":"p2-video","kind":"video",)"
                  R"("codec":"VP8","muted":true}]}],"chat":[]})");
}

}  // namespace
}  // namespace mediagw::signaling
