// API keys and the signed tokens (JWT, HS256) that REST calls and joins carry.
//
// Why LiveKit's model: an operator holds an API key and its secret and mints short-lived tokens
// for people and programs, each naming one room (or "*") and what its holder may do there. The
// gateway keeps no accounts: a valid signature by a known key is the whole proof. docs/security.md
// describes the claims; this is the one place that reads them. Tokens come from clients, so the
// parser is strict (one algorithm, typed claims, bounded sizes) and fuzzed on its own.
#pragma once

#include <glib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mediagw::auth {

// What a token allows; "admin" implies every other grant in its room.
enum Grant : unsigned {
  kJoin = 1u << 0,
  kPublish = 1u << 1,
  kSubscribe = 1u << 2,
  kChat = 1u << 3,
  kAdmin = 1u << 4,
};
inline constexpr unsigned kAllGrants = kJoin | kPublish | kSubscribe | kChat | kAdmin;

inline constexpr std::size_t kMaxTokenBytes = 4096;
inline constexpr gint64 kLeewaySeconds = 30;  // clock skew allowed on exp and nbf
inline constexpr std::size_t kMinSecretBytes = 32;

struct Claims {
  std::string key;       // iss: the API key that signed it
  std::string identity;  // sub (empty when the token has none)
  std::string name;      // display name (may be empty)
  std::string room;      // a room name or "*"
  unsigned grants = 0;
  gint64 expires = 0;  // exp, seconds since the epoch

  bool CoversRoom(std::string_view r) const { return room == "*" || room == r; }
  // Whether the token allows `grant` in room `r` (admin there allows everything).
  bool Allows(std::string_view r, Grant grant) const {
    return CoversRoom(r) && (grants & (grant | kAdmin)) != 0;
  }
};

struct VerifyResult {
  std::optional<Claims> claims;
  std::string error;  // why the token is refused (set when claims is not); never holds a secret
};

// The API keys the gateway accepts: from [auth] keys_file (one "KEY: SECRET" a line) and/or
// MEDIAGW_API_KEY + MEDIAGW_API_SECRET.
class KeyStore {
 public:
  // Replaces the file's keys with the file's current contents; on error keeps the old ones.
  bool LoadFile(const std::string& path, std::string* error);
  // Throws std::invalid_argument when the key or secret is not acceptable.
  void Add(const std::string& key, const std::string& secret);
  const std::string* Secret(std::string_view key) const;
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> keys_;
};

// Why `key` or `secret` cannot be an API key / secret, or "".
std::string CheckKey(std::string_view key);
std::string CheckSecret(std::string_view secret);

VerifyResult Verify(std::string_view token, const KeyStore& keys, gint64 now_s);

// A token signed with `secret`; c.key is the iss. Valid for ttl_s from now_s.
std::string Mint(const std::string& secret, const Claims& c, gint64 now_s, gint64 ttl_s);

// "join,publish" or ["join","publish"] -> grant bits; nullopt (and *error) for an unknown name.
std::optional<unsigned> ParseGrantList(std::string_view comma_list, std::string* error);
std::optional<unsigned> ParseGrantNames(const std::vector<std::string>& names, std::string* error);
std::vector<std::string> GrantNames(unsigned grants);

// "90s", "15m", "1h", "2d" or plain seconds -> seconds; nullopt when not that.
std::optional<gint64> ParseDuration(std::string_view text);

}  // namespace mediagw::auth
