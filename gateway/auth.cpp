#include "auth.h"

#include <json-glib/json-glib.h>
#include <jwt.h>

#include <stdexcept>

#include "mediagw/gref.h"
#include "protocol.h"

namespace mediagw::auth {
namespace {

struct GrantName {
  const char* name;
  Grant grant;
};
constexpr GrantName kGrantNames[] = {
    {"join", kJoin}, {"publish", kPublish}, {"subscribe", kSubscribe},
    {"chat", kChat}, {"admin", kAdmin},
};

bool Base64UrlChar(char c) {
  return g_ascii_isalnum(c) || c == '-' || c == '_';
}

// base64url without padding (RFC 7515) -> bytes; nullopt when it is not that.
std::optional<std::string> Base64UrlDecode(std::string_view part) {
  if (part.empty() || part.size() % 4 == 1) return std::nullopt;
  std::string b64(part);
  for (char& c : b64) {
    if (!Base64UrlChar(c)) return std::nullopt;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (b64.size() % 4) b64 += '=';
  gsize len = 0;
  guchar* data = g_base64_decode(b64.c_str(), &len);
  std::string out(reinterpret_cast<char*>(data), len);
  g_free(data);
  return out;
}

// Parses `text` as a JSON object; null when it is not one.
GRef<JsonParser> ParseObject(const std::string& text, JsonObject** out) {
  auto parser = GRef<JsonParser>::Adopt(json_parser_new_immutable());
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  nullptr))
    return {};
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) return {};
  *out = json_node_get_object(root);
  return parser;
}

// A claim of the JSON type asked for: absent (nullopt, *present false), or *bad set when the type
// is wrong.
const char* StringClaim(JsonObject* o, const char* name, bool* bad) {
  JsonNode* n = json_object_get_member(o, name);
  if (!n) return nullptr;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    *bad = true;
    return nullptr;
  }
  return json_node_get_string(n);
}

std::optional<gint64> IntClaim(JsonObject* o, const char* name, bool* bad) {
  JsonNode* n = json_object_get_member(o, name);
  if (!n) return std::nullopt;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
    *bad = true;
    return std::nullopt;
  }
  return json_node_get_int(n);
}

VerifyResult Refuse(std::string why) {
  return VerifyResult{std::nullopt, std::move(why)};
}

bool ValidIdentity(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::string CheckKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return "an API key must be 1-64 characters";
  for (char c : key)
    if (!g_ascii_isalnum(c) && c != '_' && c != '-')
      return "an API key must be made of A-Z a-z 0-9 _ -";
  return "";
}

std::string CheckSecret(std::string_view secret) {
  if (secret.size() < kMinSecretBytes) return "an API secret must be at least 32 bytes";
  if (secret.size() > 512) return "an API secret must be at most 512 bytes";
  for (unsigned char c : secret)
    if (c < 0x21 || c > 0x7e) return "an API secret must be printable ASCII without spaces";
  return "";
}

void KeyStore::Add(const std::string& key, const std::string& secret) {
  if (std::string why = CheckKey(key); !why.empty()) throw std::invalid_argument(why);
  if (std::string why = CheckSecret(secret); !why.empty())
    throw std::invalid_argument(why + " (key " + key + ")");
  keys_[key] = secret;
}

bool KeyStore::LoadFile(const std::string& path, std::string* error) {
  GCharPtr contents;
  gsize len = 0;
  GErrorPtr err;
  if (!g_file_get_contents(path.c_str(), contents.out(), &len, err.out())) {
    *error = path + ": " + err->message;
    return false;
  }
  KeyStore loaded;
  GUnique<char*> lines(g_strsplit(contents.get(), "\n", -1));
  int number = 0;
  for (char** l = lines.get(); *l; l++) {
    number++;
    std::string line = g_strstrip(*l);
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      *error = path + ":" + std::to_string(number) + ": expected KEY: SECRET";
      return false;
    }
    std::string key = line.substr(0, colon), secret = line.substr(colon + 1);
    key = g_strstrip(key.data());
    secret = g_strstrip(secret.data());
    try {
      loaded.Add(key, secret);
    } catch (const std::invalid_argument& e) {
      // The message names the key, never the secret.
      *error = path + ":" + std::to_string(number) + ": " + e.what();
      return false;
    }
  }
  if (loaded.empty()) {
    *error = path + ": no keys";
    return false;
  }
  keys_ = std::move(loaded.keys_);
  return true;
}

const std::string* KeyStore::Secret(std::string_view key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

VerifyResult Verify(std::string_view token, const KeyStore& keys, gint64 now_s) {
  if (token.empty()) return Refuse("no token");
  if (token.size() > kMaxTokenBytes) return Refuse("token is longer than 4096 bytes");
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Refuse("token is not a JWT (header.payload.signature)");
  auto header = Base64UrlDecode(token.substr(0, dot1));
  auto payload = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  std::string_view signature = token.substr(dot2 + 1);
  if (!header || !payload || signature.empty())
    return Refuse("token is not a JWT (header.payload.signature in base64url)");
  for (char c : signature)
    if (!Base64UrlChar(c)) return Refuse("token's signature is not base64url");

  // The algorithm is ours to choose, not the token's: HS256 only, so "none" or an RSA/HMAC
  // confusion never reaches the library.
  JsonObject* head = nullptr;
  auto head_parser = ParseObject(*header, &head);
  if (!head_parser) return Refuse("token's header is not a JSON object");
  bool bad = false;
  const char* alg = StringClaim(head, "alg", &bad);
  if (!alg || bad || strcmp(alg, "HS256") != 0) return Refuse("token's alg must be HS256");
  const char* typ = StringClaim(head, "typ", &bad);
  if (bad || (typ && g_ascii_strcasecmp(typ, "JWT") != 0)) return Refuse("token's typ must be JWT");

  JsonObject* body = nullptr;
  auto body_parser = ParseObject(*payload, &body);
  if (!body_parser) return Refuse("token's payload is not a JSON object");
  const char* iss = StringClaim(body, "iss", &bad);
  if (bad || !iss) return Refuse("token has no iss (API key)");
  const std::string* secret = keys.Secret(iss);
  if (!secret) return Refuse("token is signed by an unknown API key");

  std::string text(token);
  jwt_t* jwt = nullptr;
  int rc = jwt_decode(&jwt, text.c_str(), reinterpret_cast<const unsigned char*>(secret->data()),
                      static_cast<int>(secret->size()));
  bool signed_ok = rc == 0 && jwt && jwt_get_alg(jwt) == JWT_ALG_HS256;
  if (jwt) jwt_free(jwt);
  if (!signed_ok) return Refuse("token's signature does not verify");

  Claims c;
  c.key = iss;
  auto exp = IntClaim(body, "exp", &bad);
  auto nbf = IntClaim(body, "nbf", &bad);
  const char* sub = StringClaim(body, "sub", &bad);
  const char* name = StringClaim(body, "name", &bad);
  const char* room = StringClaim(body, "room", &bad);
  if (bad) return Refuse("token has a claim of the wrong type");
  if (!exp) return Refuse("token has no exp");
  if (now_s > *exp + kLeewaySeconds) return Refuse("token has expired");
  if (nbf && now_s + kLeewaySeconds < *nbf) return Refuse("token is not valid yet (nbf)");
  c.expires = *exp;
  if (sub) {
    if (!ValidIdentity(sub)) return Refuse("token's sub must be 1-128 printable ASCII characters");
    c.identity = sub;
  }
  if (name) {
    if (!signaling::IsValidDisplayName(name))
      return Refuse("token's name must be 1-64 characters of printable UTF-8");
    c.name = name;
  }
  if (!room) return Refuse("token has no room");
  if (strcmp(room, "*") != 0 && !signaling::IsValidRoomName(room))
    return Refuse("token's room must be \"*\" or a room name");
  c.room = room;
  JsonNode* grants = json_object_get_member(body, "grants");
  if (!grants || !JSON_NODE_HOLDS_ARRAY(grants)) return Refuse("token's grants must be an array");
  std::vector<std::string> names;
  JsonArray* array = json_node_get_array(grants);
  if (json_array_get_length(array) > 16) return Refuse("token has too many grants");
  for (guint i = 0; i < json_array_get_length(array); i++) {
    JsonNode* g = json_array_get_element(array, i);
    if (!JSON_NODE_HOLDS_VALUE(g) || json_node_get_value_type(g) != G_TYPE_STRING)
      return Refuse("token's grants must be strings");
    names.emplace_back(json_node_get_string(g));
  }
  std::string why;
  auto bits = ParseGrantNames(names, &why);
  if (!bits) return Refuse("token's grants: " + why);
  c.grants = *bits;
  return VerifyResult{std::move(c), ""};
}

std::string Mint(const std::string& secret, const Claims& c, gint64 now_s, gint64 ttl_s) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) throw std::runtime_error("jwt_new failed");
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "grants");
  json_builder_begin_array(b.get());
  for (const auto& g : GrantNames(c.grants)) json_builder_add_string_value(b.get(), g.c_str());
  json_builder_end_array(b.get());
  json_builder_end_object(b.get());
  auto root = GRef<JsonNode>::Adopt(json_builder_get_root(b.get()));
  GCharPtr grants(json_to_string(root.get(), FALSE));
  bool ok = jwt_add_grant(jwt, "iss", c.key.c_str()) == 0 &&
            jwt_add_grant_int(jwt, "exp", static_cast<long>(now_s + ttl_s)) == 0 &&
            jwt_add_grant(jwt, "room", c.room.c_str()) == 0 &&
            (c.identity.empty() || jwt_add_grant(jwt, "sub", c.identity.c_str()) == 0) &&
            (c.name.empty() || jwt_add_grant(jwt, "name", c.name.c_str()) == 0) &&
            jwt_add_grants_json(jwt, grants.get()) == 0 &&
            jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())) == 0;
  char* encoded = ok ? jwt_encode_str(jwt) : nullptr;
  jwt_free(jwt);
  if (!encoded) throw std::runtime_error("cannot sign the token");
  std::string out = encoded;
  free(encoded);
  return out;
}

std::optional<unsigned> ParseGrantNames(const std::vector<std::string>& names, std::string* error) {
  unsigned bits = 0;
  for (const auto& n : names) {
    bool found = false;
    for (const auto& g : kGrantNames)
      if (n == g.name) {
        bits |= g.grant;
        found = true;
      }
    if (!found) {
      *error = "unknown grant \"" + n.substr(0, 32) +
               "\" (known: join, publish, subscribe, chat, admin)";
      return std::nullopt;
    }
  }
  return bits;
}

std::optional<unsigned> ParseGrantList(std::string_view comma_list, std::string* error) {
  std::vector<std::string> names;
  GUnique<char*> parts(g_strsplit(std::string(comma_list).c_str(), ",", -1));
  for (char** p = parts.get(); *p; p++) {
    std::string n = g_strstrip(*p);
    if (!n.empty()) names.push_back(n);
  }
  return ParseGrantNames(names, error);
}

std::vector<std::string> GrantNames(unsigned grants) {
  std::vector<std::string> out;
  for (const auto& g : kGrantNames)
    if (grants & g.grant) out.emplace_back(g.name);
  return out;
}

std::optional<gint64> ParseDuration(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  gint64 unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  if (text.empty()) return std::nullopt;
  gint64 v = 0;
  for (char c : text) {
    if (!g_ascii_isdigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0 || v * unit > 366 * 86400) return std::nullopt;
  return v * unit;
}

}  // namespace mediagw::auth
