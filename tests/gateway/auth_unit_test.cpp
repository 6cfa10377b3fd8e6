// Tokens: what verifies, and every way one must not.
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <jwt.h>

#include <vector>

#include "auth.h"

namespace mediagw::auth {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-secret";
const std::string kOtherSecret = "another-secret-another-secret-another-x";
constexpr gint64 kNow = 1800000000;

KeyStore Keys() {
  KeyStore k;
  k.Add("key1", kSecret);
  k.Add("key2", kOtherSecret);
  return k;
}

Claims Base() {
  Claims c;
  c.key = "key1";
  c.identity = "alice";
  c.name = "Alice";
  c.room = "standup";
  c.grants = kJoin | kPublish;
  return c;
}

std::string B64(const std::string& s) {
  gchar* b = g_base64_encode(reinterpret_cast<const guchar*>(s.data()), s.size());
  std::string out = b;
  g_free(b);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

TEST(Token, MintedTokenVerifiesWithItsClaims) {
  std::string t = Mint(kSecret, Base(), kNow, 3600);
  VerifyResult v = Verify(t, Keys(), kNow + 10);
  ASSERT_TRUE(v.claims) << v.error;
  EXPECT_EQ(v.claims->key, "key1");
  EXPECT_EQ(v.claims->identity, "alice");
  EXPECT_EQ(v.claims->name, "Alice");
  EXPECT_EQ(v.claims->room, "standup");
  EXPECT_EQ(v.claims->grants, unsigned(kJoin | kPublish));
  EXPECT_TRUE(v.claims->Allows("standup", kPublish));
  EXPECT_FALSE(v.claims->Allows("standup", kChat));
  EXPECT_FALSE(v.claims->Allows("other", kJoin));
}

TEST(Token, AdminAllowsEverythingInItsRoomAndStarEveryRoom) {
  Claims c = Base();
  c.grants = kAdmin;
  auto v = Verify(Mint(kSecret, c, kNow, 60), Keys(), kNow);
  ASSERT_TRUE(v.claims);
  EXPECT_TRUE(v.claims->Allows("standup", kChat));
  EXPECT_FALSE(v.claims->Allows("*", kAdmin));
  c.room = "*";
  v = Verify(Mint(kSecret, c, kNow, 60), Keys(), kNow);
  ASSERT_TRUE(v.claims);
  EXPECT_TRUE(v.claims->Allows("anything", kAdmin));
  EXPECT_TRUE(v.claims->Allows("*", kAdmin));
}

TEST(Token, ExpiryAndNotBeforeHaveThirtySecondsOfLeeway) {
  std::string t = Mint(kSecret, Base(), kNow, 60);
  EXPECT_TRUE(Verify(t, Keys(), kNow + 60 + 30).claims);
  auto late = Verify(t, Keys(), kNow + 60 + 31);
  EXPECT_FALSE(late.claims);
  EXPECT_NE(late.error.find("expired"), std::string::npos);
  // nbf, signed by hand with libjwt.
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "iss", "key1");
  jwt_add_grant_int(jwt, "exp", kNow + 3600);
  jwt_add_grant_int(jwt, "nbf", kNow + 600);
  jwt_add_grant(jwt, "room", "standup");
  jwt_add_grants_json(jwt, "{\"grants\":[\"join\"]}");
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
              static_cast<int>(kSecret.size()));
  char* s = jwt_encode_str(jwt);
  std::string nbf = s;
  free(s);
  jwt_free(jwt);
  auto early = Verify(nbf, Keys(), kNow);
  EXPECT_FALSE(early.claims);
  EXPECT_NE(early.error.find("not valid yet"), std::string::npos);
  EXPECT_TRUE(Verify(nbf, Keys(), kNow + 600 - 30).claims);
}

TEST(Token, ForgedSignatureWrongKeyAndUnknownKeyAreRefused) {
  std::string t = Mint(kSecret, Base(), kNow, 60);
  std::string forged = t;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verify(forged, Keys(), kNow).claims);
  // Signed with key2's secret but claiming key1.
  EXPECT_FALSE(Verify(Mint(kOtherSecret, Base(), kNow, 60), Keys(), kNow).claims);
  Claims c = Base();
  c.key = "nobody";
  auto unknown = Verify(Mint(kSecret, c, kNow, 60), Keys(), kNow);
  EXPECT_FALSE(unknown.claims);
  EXPECT_NE(unknown.error.find("unknown API key"), std::string::npos);
  // A payload changed after signing.
  auto dot1 = t.find('.'), dot2 = t.rfind('.');
  std::string payload =
      R"({"iss":"key1","exp":)" + std::to_string(kNow + 60) + R"(,"room":"*","grants":["admin"]})";
  EXPECT_FALSE(Verify(t.substr(0, dot1 + 1) + B64(payload) + t.substr(dot2), Keys(), kNow).claims);
}

TEST(Token, AlgNoneAndOtherAlgorithmsAreRefused) {
  std::string payload =
      R"({"iss":"key1","exp":)" + std::to_string(kNow + 60) + R"(,"room":"*","grants":["admin"]})";
  for (const char* header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"RS256"})", R"({})", R"({"alg":"HS256","typ":"JWE"})"}) {
    for (const std::string& sig : {std::string(""), std::string("AAAA")}) {
      std::string t = B64(header) + "." + B64(payload) + "." + sig;
      EXPECT_FALSE(Verify(t, Keys(), kNow).claims) << header;
    }
  }
}

TEST(Token, ClaimsOfTheWrongTypeOrMissingAreRefused) {
  auto sign = [](const std::string& payload) {
    jwt_t* jwt = nullptr;
    jwt_new(&jwt);
    jwt_add_grants_json(jwt, payload.c_str());
    jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
                static_cast<int>(kSecret.size()));
    char* s = jwt_encode_str(jwt);
    std::string out = s ? s : "";
    free(s);
    jwt_free(jwt);
    return out;
  };
  std::string exp = std::to_string(kNow + 60);
  for (const std::string& p : std::vector<std::string>{
           R"({"exp":)" + exp + R"(,"room":"r","grants":[]})",                       // no iss
           std::string(R"({"iss":"key1","room":"r","grants":[]})"),                  // no exp
           R"({"iss":"key1","exp":")" + exp + R"(","room":"r","grants":[]})",        // exp a string
           R"({"iss":"key1","exp":)" + exp + R"(,"grants":[]})",                     // no room
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"a b","grants":[]})",        // bad room
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"r"})",                      // no grants
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"r","grants":"admin"})",     // not an array
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"r","grants":["root"]})",    // unknown
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"r","grants":[1]})",         // not strings
           R"({"iss":"key1","exp":)" + exp + R"(,"room":"r","grants":[],"sub":7})",  // sub a number
       }) {
    std::string t = sign(p);
    ASSERT_FALSE(t.empty()) << p;
    EXPECT_FALSE(Verify(t, Keys(), kNow).claims) << p;
  }
}

TEST(Token, GarbageIsRefusedWithAReason) {
  for (const char* g :
       {"", "a", "a.b", "a.b.c.d", "...", "!!.??.**", "eyJ.eyJ.sig", "e30.e30.", "e30.e30.sig"}) {
    auto v = Verify(g, Keys(), kNow);
    EXPECT_FALSE(v.claims) << g;
    EXPECT_FALSE(v.error.empty()) << g;
  }
  EXPECT_FALSE(Verify(std::string(5000, 'a'), Keys(), kNow).claims);
}

TEST(Keys, SecretsShorterThan32BytesAndBadKeyNamesAreRefused) {
  KeyStore k;
  EXPECT_THROW(k.Add("key", "short"), std::invalid_argument);
  EXPECT_THROW(k.Add("bad key", kSecret), std::invalid_argument);
  EXPECT_NO_THROW(k.Add("good_key-1", kSecret));
  EXPECT_TRUE(k.Secret("good_key-1"));
}

TEST(Keys, FileIsReadAndABadFileKeepsTheOldKeys) {
  gchar* path = nullptr;
  int fd = g_file_open_tmp("mediagw-keys-XXXXXX", &path, nullptr);
  close(fd);
  std::string good = "# comment\nkey1: " + kSecret + "\n\nkey2 : " + kOtherSecret + "\n";
  g_file_set_contents(path, good.c_str(), -1, nullptr);
  KeyStore k;
  std::string error;
  ASSERT_TRUE(k.LoadFile(path, &error)) << error;
  EXPECT_EQ(k.size(), 2u);
  g_file_set_contents(path, "key3: tooshort\n", -1, nullptr);
  EXPECT_FALSE(k.LoadFile(path, &error));
  EXPECT_EQ(error.find("tooshort"), std::string::npos) << "the error shows the secret: " << error;
  EXPECT_EQ(k.size(), 2u);
  EXPECT_TRUE(k.Secret("key1"));
  g_unlink(path);
  g_free(path);
}

TEST(Grants, ListsAndDurationsParse) {
  std::string error;
  EXPECT_EQ(ParseGrantList("join, publish,chat", &error).value_or(0),
            unsigned(kJoin | kPublish | kChat));
  EXPECT_FALSE(ParseGrantList("join,root", &error));
  EXPECT_EQ(ParseDuration("1h").value_or(0), 3600);
  EXPECT_EQ(ParseDuration("90s").value_or(0), 90);
  EXPECT_EQ(ParseDuration("2d").value_or(0), 172800);
  EXPECT_FALSE(ParseDuration("-1h"));
  EXPECT_FALSE(ParseDuration("h"));
  EXPECT_FALSE(ParseDuration("400d"));
}

}  // namespace
}  // namespace mediagw::auth
