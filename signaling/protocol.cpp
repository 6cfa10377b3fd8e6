#include "protocol.h"

#include <json-glib/json-glib.h>

#include <array>
#include <cstring>
#include <span>

#include "mediagw/gref.h"

namespace mediagw::signaling {
namespace {

enum class FieldKind { kString, kInt, kBool };

struct FieldSpec {
  const char* name;
  FieldKind kind;
  bool required;
  std::size_t max_len;  // strings: bytes; ints: largest value
};

struct MessageSpec {
  const char* name;
  MessageType type;
  std::span<const FieldSpec> fields;
};

constexpr std::size_t kMaxId = 64;
constexpr std::size_t kMaxSdp = 60000;
constexpr std::size_t kMaxCandidate = 1024;

constexpr FieldSpec kJoinFields[] = {
    {"room", FieldKind::kString, true, 64},
    {"name", FieldKind::kString, true, 256},
};
constexpr FieldSpec kSdpFields[] = {
    {"sdp", FieldKind::kString, true, kMaxSdp},
};
constexpr FieldSpec kIceFields[] = {
    {"connection", FieldKind::kString, true, 16},
    {"candidate", FieldKind::kString, true, kMaxCandidate},
    {"sdp_mline_index", FieldKind::kInt, true, 255},
};
constexpr FieldSpec kChatFields[] = {
    {"text", FieldKind::kString, true, kMaxChatBytes},
};
constexpr FieldSpec kMuteFields[] = {
    {"kind", FieldKind::kString, true, 8},
    {"muted", FieldKind::kBool, true, 0},
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

const char* KindName(FieldKind k) {
  switch (k) {
    case FieldKind::kString: return "a string";
    case FieldKind::kInt: return "an integer";
    case FieldKind::kBool: return "a boolean";
  }
  return "?";
}

bool HasKind(JsonNode* node, FieldKind kind) {
  if (!JSON_NODE_HOLDS_VALUE(node)) return false;
  GType t = json_node_get_value_type(node);
  switch (kind) {
    case FieldKind::kString: return t == G_TYPE_STRING;
    case FieldKind::kInt: return t == G_TYPE_INT64;
    case FieldKind::kBool: return t == G_TYPE_BOOLEAN;
  }
  return false;
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
    else if (name == "connection") m.connection = v == "subscribe" ? Connection::kSubscribe : Connection::kPublish;
    else if (name == "kind") m.kind = v == "video" ? TrackKind::kVideo : TrackKind::kAudio;
  } else if (f.kind == FieldKind::kInt) {
    if (name == "sdp_mline_index") m.mline_index = static_cast<uint32_t>(json_node_get_int(node));
  } else if (name == "muted") {
    m.muted = json_node_get_boolean(node);
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
    if (!HasKind(id_node, FieldKind::kString) || strlen(json_node_get_string(id_node)) > kMaxId)
      return Fail(ErrorCode::kBadField, "id must be a string of at most 64 bytes");
    id = json_node_get_string(id_node);
  }
  JsonNode* type_node = json_object_get_member(obj, "type");
  if (!type_node) return Fail(ErrorCode::kMissingField, "missing field: type", id);
  if (!HasKind(type_node, FieldKind::kString))
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
  for (const FieldSpec& f : spec->fields) {
    JsonNode* node = json_object_get_member(obj, f.name);
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
      if (f.required) return Fail(ErrorCode::kMissingField, std::string("missing field: ") + f.name, id);
      continue;
    }
    if (!HasKind(node, f.kind))
      return Fail(ErrorCode::kBadField, std::string(f.name) + " must be " + KindName(f.kind), id);
    if (f.kind == FieldKind::kString && strlen(json_node_get_string(node)) > f.max_len)
      return Fail(ErrorCode::kBadField,
                  std::string(f.name) + " is longer than " + std::to_string(f.max_len) + " bytes",
                  id);
    if (f.kind == FieldKind::kInt) {
      gint64 v = json_node_get_int(node);
      if (v < 0 || static_cast<std::size_t>(v) > f.max_len)
        return Fail(ErrorCode::kBadField,
                    std::string(f.name) + " must be 0.." + std::to_string(f.max_len), id);
    }
    if (auto why = CheckValue(f, node)) return Fail(ErrorCode::kBadField, *why, id);
    Store(m, f, node);
  }
  return ParseResult{std::move(m), std::nullopt};
}

}  // namespace mediagw::signaling
