// The WebSocket signaling protocol that browsers and mediagw-client speak to mediagw.
//
// Why a separate layer: the room logic must not know which wire protocol a participant uses, and
// everything a client sends is untrusted. Every message is checked here against a declarative
// table (which fields, of which JSON type, required or not, how long) before any other code sees
// it, so the rest of the gateway handles only well-formed requests. docs/signaling.md is the
// reference for every message, field and error code below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mediagw::signaling {

inline constexpr std::size_t kMaxMessageBytes = 64 * 1024;

enum class MessageType {
  kJoin,
  kPublish,           // the client's offer for its publish connection
  kSubscribeAnswer,   // the client's answer to a subscribe_offer
  kIce,               // a trickled ICE candidate for one of the two connections
  kMute,              // mute or unmute one of the client's own tracks
  kChat,              // a chat message to everyone in the room
  kLeave,
};

// Where an ICE candidate belongs: the connection the client publishes on, or the one it receives on.
enum class Connection { kPublish, kSubscribe };

enum class TrackKind { kAudio, kVideo };

// Error codes sent in `error` messages; the strings are part of the protocol.
enum class ErrorCode {
  kBadJson,
  kTooLarge,
  kUnknownType,
  kMissingField,
  kBadField,
  kNotJoined,
  kAlreadyJoined,
  kRoomFull,
  kBadSdp,
  kUnknownRoom,
  kBusy,
  kUnauthorized,  // no token, or one that does not verify
  kForbidden,     // a good token without the room or the grant
  kRateLimited,
  kInternal,
};
const char* ErrorCodeName(ErrorCode code);

struct ClientMessage {
  MessageType type;
  std::optional<std::string> id;  // echoed in the reply so clients can match requests
  // join
  std::string room;
  std::string name;
  std::string token;  // empty when the client sent none
  bool screen = false;  // a second connection of the same person that shares a screen
  // publish, subscribe_answer
  std::string sdp;
  // ice
  Connection connection = Connection::kPublish;
  std::string candidate;  // empty means end of candidates
  uint32_t mline_index = 0;
  // mute
  TrackKind kind = TrackKind::kAudio;
  bool muted = false;
  // chat
  std::string text;
};

inline constexpr std::size_t kMaxChatBytes = 2000;

struct ParseError {
  ErrorCode code;
  std::string message;
  std::optional<std::string> id;  // the request's id when it could be read
};

// Parses and validates one text frame. Exactly one of the two is set.
struct ParseResult {
  std::optional<ClientMessage> message;
  std::optional<ParseError> error;
};
ParseResult Parse(std::string_view text);

// Room and display-name rules shared with the REST API.
bool IsValidRoomName(std::string_view room);
bool IsValidDisplayName(std::string_view name);

const char* TrackKindName(TrackKind kind);
const char* ConnectionName(Connection c);

}  // namespace mediagw::signaling
