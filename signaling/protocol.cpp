#include "protocol.h"

#include <json-glib/json-glib.h>

#include <array>
#include <cstring>
#include <span>

#include "fields.h"
#include "mediagw/gref.h"

namespace mediagw::signaling {
namespace {

struct MessageSpec {
  const char* name;
  MessageType type;
  std::span<const FieldSpec> fields;
};

constexpr std::size_t kMaxId = 64;
constexpr std::size_t kMaxSdp = 60000;
constexpr std::size_t kMaxCandidate = 1024;
constexpr std::size_t kMaxToken = 4096;

constexpr FieldSpec kJoinFields[] = {
    {.name = "room", .kind = FieldKind::kString, .required = true, .max_len = 64},
    {.name = "name", .kind = FieldKind::kString, .required = true, .max_len = 256},
    {.name = "token", .kind = FieldKind::kString, .max_len = kMaxToken},
    {.name = "screen", .kind = FieldKind::kBool},
};
constexpr FieldSpec kSdpFields[] = {
    {.name = "sdp", .kind = FieldKind::kString, .required = true, .max_len = kMaxSdp},
};
constexpr FieldSpec kIceFields[] = {
    {.name = "connection", .kind = FieldKind::kString, .required = true, .max_len = 16},
    {.name = "candidate", .kind = FieldKind::kString, .required = true, .max_len = kMaxCandidate},
    {.name = "sdp_mline_index", .kind = FieldKind::kInt, .required = true, .min = 0, .max = 255},
};
constexpr FieldSpec kChatFields[] = {
    {.name = "text", .kind = FieldKind::kString, .required = true, .max_len = kMaxChatBytes},
};
constexpr FieldSpec kMuteFields[] = {
    {.name = "kind", .kind = FieldKind::kString, .required = true, .max_len = 8},
    {.name = "muted", .kind = FieldKind::kBool, .required = true},
};

constexpr MessageSpec kSpecs[] = {
    {"join", MessageType::kJoin, kJoinFields},
    {"publish", MessageType::kPublish, kSdpFields},
    {"subscribe_answer", MessageType::kSubscribeAnswer, kSdpFields},
    {"ice", MessageType::kIce, kIceFields},
    {"mute", MessageType::kMute, kMuteFields},
    {"chat", MessageType::kChat, kChatFields},
    {"leave", MessageType::kLeave, {}},
};

ParseResult Fail(ErrorCode code, std::string message, std::optional<std::string> id = {}) {
  return ParseResult{std::nullopt, ParseError{code, std::move(message), std::move(id)}};
}

// Stores one validated field into the message.
void Store(ClientMessage& m, const FieldSpec& f, JsonNode* node) {
  std::string_view name = f.name;
  if (f.kind == FieldKind::kString) {
    std::string v = json_node_get_string(node);
    if (name == "room") m.room = std::move(v);
    else if (name == "name") m.name = std::move(v);
    else if (name == "sdp") m.sdp = std::move(v);
    else if (name == "candidate") m.candidate = std::move(v);
    else if (name == "text") m.text = std::move(v);
    else if (name == "token") m.token = std::move(v);
    else if (name == "connection") m.connection = v == "subscribe" ? Connection::kSubscribe : Connection::kPublish;
    else if (name == "kind") m.kind = v == "video" ? TrackKind::kVideo : TrackKind::kAudio;
  } else if (f.kind == FieldKind::kInt) {
    if (name == "sdp_mline_index") m.mline_index = static_cast<uint32_t>(json_node_get_int(node));
  } else if (name == "muted") {
    m.muted = json_node_get_boolean(node);
  } else if (name == "screen") {
    m.screen = json_node_get_boolean(node);
  }
}

// Rules beyond type and length that the table cannot say.
std::optional<std::string> CheckValue(const FieldSpec& f, JsonNode* node) {
  std::string_view name = f.name;
  if (f.kind == FieldKind::kString) {
    std::string_view v = json_node_get_string(node);
    if (name == "room" && !IsValidRoomName(v))
      return "room must be 1-64 characters of A-Z a-z 0-9 _ -";
    if (name == "name" && !IsValidDisplayName(v))
      return "name must be 1-64 characters of printable UTF-8";
    if (name == "connection" && v != "publish" && v != "subscribe")
      return "connection must be \"publish\" or \"subscribe\"";
    if (name == "kind" && v != "audio" && v != "video") return "kind must be \"audio\" or \"video\"";
    if (name == "sdp" && v.empty()) return "sdp must not be empty";
    if (name == "text" && (v.empty() || !g_utf8_validate(v.data(), static_cast<gssize>(v.size()), nullptr)))
      return "text must be 1-2000 bytes of UTF-8";
  }
  return std::nullopt;
}

}  // namespace

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadJson: return "bad_json";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kUnknownType: return "unknown_type";
    case ErrorCode::kMissingField: return "missing_field";
    case ErrorCode::kBadField: return "bad_field";
    case ErrorCode::kNotJoined: return "not_joined";
    case ErrorCode::kAlreadyJoined: return "already_joined";
    case ErrorCode::kRoomFull: return "room_full";
    case ErrorCode::kBadSdp: return "bad_sdp";
    case ErrorCode::kUnknownRoom: return "unknown_room";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

const char* TrackKindName(TrackKind kind) { return kind == TrackKind::kVideo ? "video" : "audio"; }
const char* ConnectionName(Connection c) {
  return c == Connection::kSubscribe ? "subscribe" : "publish";
}

bool IsValidRoomName(std::string_view room) {
  if (room.empty() || room.size() > 64) return false;
  for (char c : room) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidDisplayName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (!g_utf8_validate(name.data(), static_cast<gssize>(name.size()), nullptr)) return false;
  glong chars = g_utf8_strlen(name.data(), static_cast<gssize>(name.size()));
  if (chars > 64) return false;
  for (const char* p = name.data(); p < name.data() + name.size(); p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (g_unichar_iscntrl(c)) return false;
  }
  return true;
}

ParseResult Parse(std::string_view text) {
  if (text.size() > kMaxMessageBytes)
    return Fail(ErrorCode::kTooLarge, "message is larger than 65536 bytes");
  auto parser = GRef<JsonParser>::Adopt(json_parser_new_immutable());
  GErrorPtr err;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  err.out())) {
    return Fail(ErrorCode::kBadJson, std::string("not valid JSON: ") + err->message);
  }
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    return Fail(ErrorCode::kBadJson, "a message must be a JSON object");
  JsonObject* obj = json_node_get_object(root);

  std::optional<std::string> id;
  if (JsonNode* id_node = json_object_get_member(obj, "id")) {
    if (!JSON_NODE_HOLDS_VALUE(id_node) || json_node_get_value_type(id_node) != G_TYPE_STRING ||
        strlen(json_node_get_string(id_node)) > kMaxId)
      return Fail(ErrorCode::kBadField, "id must be a string of at most 64 bytes");
    id = json_node_get_string(id_node);
  }
  JsonNode* type_node = json_object_get_member(obj, "type");
  if (!type_node) return Fail(ErrorCode::kMissingField, "missing field: type", id);
  if (!JSON_NODE_HOLDS_VALUE(type_node) || json_node_get_value_type(type_node) != G_TYPE_STRING)
    return Fail(ErrorCode::kBadField, "type must be a string", id);
  std::string_view type = json_node_get_string(type_node);

  const MessageSpec* spec = nullptr;
  for (const auto& s : kSpecs)
    if (type == s.name) spec = &s;
  if (!spec) {
    std::string shown(type.substr(0, 32));
    return Fail(ErrorCode::kUnknownType, "unknown message type: " + shown, id);
  }

  ClientMessage m{};
  m.type = spec->type;
  m.id = id;
  if (auto problem = CheckFields(obj, spec->fields, false))
    return Fail(problem->missing ? ErrorCode::kMissingField : ErrorCode::kBadField,
                problem->message, id);
  for (const FieldSpec& f : spec->fields) {
    JsonNode* node = Member(obj, f);
    if (!node) continue;
    if (auto why = CheckValue(f, node)) return Fail(ErrorCode::kBadField, *why, id);
    Store(m, f, node);
  }
  return ParseResult{std::move(m), std::nullopt};
}

}  // namespace mediagw::signaling
