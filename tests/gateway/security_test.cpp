// Secure by default, against a real gateway: every REST route needs a token that verifies and
// grants it; joins need one for their room; restream URLs cannot inject into a pipeline, cannot
// reach private addresses unless allowed, and never show their key; limits answer with codes.
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <jwt.h>

#include <string>
#include <thread>
#include <vector>

#include "processes.h"
#include "ws_client.h"

namespace mediagw::testing {
namespace {

using Auth = GatewayProcess::Auth;

std::string Error(const std::string& body) {
  auto pos = body.find("\"code\":\"");
  if (pos == std::string::npos) return "";
  return body.substr(pos + 8, body.find('"', pos + 8) - pos - 8);
}

unsigned Call(const std::string& method, const std::string& url, const std::string& body,
              std::string* out = nullptr, std::optional<std::string> token = std::nullopt) {
  std::string response;
  unsigned status = HttpRequest(method, url, body, &response, std::move(token));
  if (out) *out = response;
  return status;
}

std::string B64(const std::string& s) {
  gchar* b = g_base64_encode(reinterpret_cast<const guchar*>(s.data()), s.size());
  std::string out = b;
  g_free(b);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

// A token signed by hand (libjwt), for claims mediagw's own minting would not write.
std::string SignedToken(const std::string& claims_json, const std::string& secret) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grants_json(jwt, claims_json.c_str());
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* s = jwt_encode_str(jwt);
  std::string out = s ? s : "";
  free(s);
  jwt_free(jwt);
  return out;
}

std::string Now(gint64 offset) {
  return std::to_string(g_get_real_time() / G_USEC_PER_SEC + offset);
}

// Every way a token must fail, for REST and for join.
std::vector<std::pair<std::string, std::string>> BadTokens(const std::string& room) {
  std::string good = GatewayProcess::Token(room, "admin,join,publish", "x");
  std::string forged = good;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  std::string claims = R"({"iss":"testkey","exp":)" + Now(600) + R"(,"room":")" + room +
                       R"(","sub":"x","grants":["admin","join"]})";
  return {
      {"forged signature", forged},
      {"alg none", B64(R"({"alg":"none","typ":"JWT"})") + "." + B64(claims) + "."},
      {"expired", GatewayProcess::Token(room, "admin,join", "x", -120)},
      {"not yet valid",
       SignedToken(R"({"iss":"testkey","exp":)" + Now(600) + R"(,"nbf":)" + Now(300) +
                       R"(,"room":")" + room + R"(","sub":"x","grants":["admin","join"]})",
                   kTestApiSecret)},
      {"wrong key", SignedToken(claims, "some-other-secret-some-other-secret-xx")},
      {"unknown key", SignedToken(R"({"iss":"nokey","exp":)" + Now(600) + R"(,"room":")" + room +
                                      R"(","sub":"x","grants":["admin"]})",
                                  kTestApiSecret)},
      {"garbage", "not.a.token"},
  };
}

TEST(Security, EveryRestRouteNeedsAValidTokenThatGrantsIt) {
  GatewayProcess gw("", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"sec"})"), 201u);
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/rooms"},
      {"POST", "/v1/rooms"},
      {"GET", "/v1/rooms/sec"},
      {"DELETE", "/v1/rooms/sec"},
      {"GET", "/v1/rooms/sec/restreams"},
      {"POST", "/v1/rooms/sec/restreams"},
      {"GET", "/v1/rooms/sec/restreams/rs1"},
      {"DELETE", "/v1/rooms/sec/restreams/rs1"},
      {"GET", "/v1/rooms/sec/hls"},
      {"POST", "/v1/rooms/sec/hls"},
      {"DELETE", "/v1/rooms/sec/hls"},
      {"POST", "/v1/rooms/sec/invites"}};
  for (const auto& [method, path] : routes) {
    std::string body;
    EXPECT_EQ(Call(method, gw.http_url() + path, "{}", &body, ""), 401u) << method << " " << path;
    EXPECT_EQ(Error(body), "unauthorized") << method << " " << path;
    for (const auto& [what, token] : BadTokens("sec")) {
      EXPECT_EQ(Call(method, gw.http_url() + path, "{}", &body, token), 401u)
          << what << ": " << method << " " << path;
    }
  }
  // Good tokens without the right: another room, or no admin grant.
  std::string body;
  EXPECT_EQ(Call("GET", api + "/sec", "", &body, GatewayProcess::Token("other", "admin")), 403u);
  EXPECT_EQ(Error(body), "forbidden");
  EXPECT_EQ(Call("GET", api + "/sec", "", &body, GatewayProcess::Token("sec", "join,publish")),
            403u);
  EXPECT_EQ(Call("GET", api, "", &body, GatewayProcess::Token("sec", "admin")), 403u);
  EXPECT_EQ(Call("POST", api, R"({"name":"x2"})", &body, GatewayProcess::Token("sec", "admin")),
            403u);
  // And with the right one.
  EXPECT_EQ(Call("GET", api + "/sec", "", &body, GatewayProcess::Token("sec", "admin")), 200u);
  EXPECT_EQ(Call("GET", api, "", &body, GatewayProcess::Token("*", "admin")), 200u);
  EXPECT_EQ(Call("GET", gw.http_url() + "/healthz", "", &body, ""), 200u);
  EXPECT_EQ(Call("GET", gw.http_url() + "/", "", &body, ""), 200u);
  // The documented errors of the boundary itself.
  EXPECT_EQ(Call("PUT", api + "/sec", "", &body), 405u);
  EXPECT_EQ(Call("GET", gw.http_url() + "/v1/nothing", "", &body), 404u);
  EXPECT_EQ(Call("POST", api, R"({"name":"a","extra":1})", &body), 400u);
  EXPECT_EQ(Error(body), "bad_field");
}

TEST(Security, JoinNeedsATokenForTheRoomAndGrantsAreEnforced) {
  GatewayProcess gw("", Auth::kOn);
  const std::string url = gw.ws_url() + "/v1/signal";
  auto join = [&](WsClient& ws, const std::string& token) {
    ws.SendText(R"({"type":"join","room":"meet","name":"n")" +
                (token.empty() ? std::string() : R"(,"token":")" + token + "\"") + "}");
  };
  {
    WsClient ws(url);
    join(ws, "");
    EXPECT_EQ(JsonField(ws.WaitFor("error"), "code"), "unauthorized");
    for (const auto& [what, token] : BadTokens("meet")) {
      join(ws, token);
      EXPECT_EQ(JsonField(ws.WaitFor("error"), "code"), "unauthorized") << what;
    }
    join(ws, GatewayProcess::Token("elsewhere", "join", "a"));
    EXPECT_EQ(JsonField(ws.WaitFor("error"), "code"), "forbidden");
    join(ws, GatewayProcess::Token("meet", "publish", "a"));
    EXPECT_EQ(JsonField(ws.WaitFor("error"), "code"), "forbidden");
    join(ws, GatewayProcess::Token("meet", "join"));  // no sub
    EXPECT_EQ(JsonField(ws.WaitFor("error"), "code"), "unauthorized");
  }
  // Joined with join only: publishing, subscribing and chat are refused.
  WsClient viewer(url);
  join(viewer, GatewayProcess::Token("meet", "join", "viewer"));
  ASSERT_FALSE(viewer.WaitFor("joined").empty());
  viewer.SendText(R"({"type":"publish","sdp":"v=0"})");
  EXPECT_EQ(JsonField(viewer.WaitFor("error"), "code"), "forbidden");
  viewer.SendText(R"({"type":"subscribe_answer","sdp":"v=0"})");
  EXPECT_EQ(JsonField(viewer.WaitFor("error"), "code"), "forbidden");
  viewer.SendText(R"({"type":"chat","text":"hi"})");
  EXPECT_EQ(JsonField(viewer.WaitFor("error"), "code"), "forbidden");
  // With chat granted it goes through; the token's name is the one shown.
  WsClient talker(url);
  join(talker, GatewayProcess::Token("meet", "join,chat", "talker"));
  ASSERT_FALSE(talker.WaitFor("joined").empty());
  talker.SendText(R"({"type":"chat","text":"hello"})");
  EXPECT_EQ(JsonField(talker.WaitFor("chat"), "text"), "hello");
  // The same identity again replaces the first connection.
  WsClient again(url);
  join(again, GatewayProcess::Token("meet", "join", "viewer"));
  ASSERT_FALSE(again.WaitFor("joined").empty());
  EXPECT_EQ(JsonField(viewer.WaitFor("left"), "reason"), "replaced");
}

TEST(Security, TheInjectionStringIsRefusedAndCreatesNoFile) {
  GatewayProcess gw("[restream]\nallow_private_targets=true\n", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"inj"})"), 201u);
  g_unlink("anyfile");
  std::string body;
  unsigned status = Call(
      "POST", api + "/inj/restreams",
      R"({"url": "rtmp://127.0.0.1:9/a\" fakesink name=q videotestsrc num-buffers=3 ! video/x-raw,width=8,height=8 ! filesink location=\"anyfile"})",
      &body);
  EXPECT_EQ(status, 400u) << body;
  EXPECT_EQ(Error(body), "bad_field");
  g_usleep(1000000);
  EXPECT_FALSE(g_file_test("anyfile", G_FILE_TEST_EXISTS));
  Call("GET", api + "/inj/restreams", "", &body);
  EXPECT_EQ(body, R"({"restreams":[]})");
}

TEST(Security, PrivateTargetsAreRefusedByDefaultNamesIncluded) {
  GatewayProcess gw("", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"priv"})"), 201u);
  for (const char* target :
       {"rtmp://127.0.0.1:1935/live/k", "rtmp://10.1.2.3/live/k", "rtmp://[::1]/live/k",
        "rtmp://169.254.169.254/live/k", "rtmp://100.64.1.1/live/k", "rtmp://0.0.0.0/live/k",
        "rtmp://localhost/live/k"}) {
    std::string body;
    EXPECT_EQ(
        Call("POST", api + "/priv/restreams", std::string(R"({"url":")") + target + "\"}", &body),
        403u)
        << target << ": " << body;
    EXPECT_EQ(Error(body), "forbidden_target") << target;
  }
  std::string body;
  Call("POST", api + "/priv/restreams", R"({"url":"rtmp://localhost/live/k"})", &body);
  EXPECT_TRUE(body.find("127.0.0.1") != std::string::npos || body.find("::1") != std::string::npos)
      << body;
  Call("GET", api + "/priv/restreams", "", &body);
  EXPECT_EQ(body, R"({"restreams":[]})");
}

TEST(Security, AllowedPrivateTargetsAreCountedAndNeverShowTheirKey) {
  GatewayProcess gw("[restream]\nallow_private_targets=true\nmax_targets_per_room=2\n", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"keys"})"), 201u);
  std::string body;
  // Nothing listens on port 9: the targets fail, with an error that must not echo the key.
  ASSERT_EQ(
      Call("POST", api + "/keys/restreams",
           R"({"url":"rtmp://user:PASSWORD123@127.0.0.1:9/live/SECRETKEY123?auth=QUERYSECRET"})",
           &body),
      201u)
      << body;
  EXPECT_NE(body.find(R"("url":"rtmp://***@127.0.0.1:9/live/***?***")"), std::string::npos) << body;
  ASSERT_EQ(Call("POST", api + "/keys/restreams", R"({"url":"rtmp://localhost:9/live/KEYTWO456"})",
                 &body),
            201u)
      << body;
  EXPECT_EQ(Call("POST", api + "/keys/restreams", R"({"url":"rtmp://127.0.0.1:9/live/k3"})", &body),
            409u);
  EXPECT_EQ(Error(body), "too_many_targets");
  for (int i = 0; i < 50; i++) {
    Call("GET", api + "/keys/restreams", "", &body);
    if (body.find("\"state\":\"failed\"") != std::string::npos) break;
    g_usleep(100000);
  }
  EXPECT_NE(body.find("\"state\":\"failed\""), std::string::npos) << body;
  for (const char* secret : {"SECRETKEY123", "PASSWORD123", "QUERYSECRET", "KEYTWO456"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
  }
  gw.Stop();
  std::string log = gw.Log();
  EXPECT_NE(log.find("rtmp://***@127.0.0.1:9/live/***"), std::string::npos);
  for (const char* secret : {"SECRETKEY123", "PASSWORD123", "QUERYSECRET", "KEYTWO456"})
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log";
}

TEST(Security, RestRequestsPerTokenAreLimited) {
  GatewayProcess gw("[limits]\nrest_per_second=5\n", Auth::kOn);
  std::string body;
  unsigned last = 0;
  int ok = 0;
  for (int i = 0; i < 12 && last != 429; i++) {
    last = Call("GET", gw.http_url() + "/v1/rooms", "", &body);
    ok += last == 200;
  }
  EXPECT_EQ(last, 429u);
  EXPECT_EQ(Error(body), "rate_limited");
  EXPECT_LE(ok, 5);
  // Another token is not slowed down by this one.
  EXPECT_EQ(Call("GET", gw.http_url() + "/v1/rooms", "", &body,
                 GatewayProcess::Token("*", "admin", "another-caller")),
            200u);
}

TEST(Security, ChatJoinsAndConnectionsPerAddressAreLimited) {
  GatewayProcess gw("[limits]\nchat_per_10s=3\njoins_per_minute=4\nws_per_address=3\n");
  const std::string url = gw.ws_url() + "/v1/signal";
  WsClient a(url);
  a.SendText(R"({"type":"join","room":"lim","name":"a"})");
  ASSERT_FALSE(a.WaitFor("joined").empty());
  for (int i = 0; i < 3; i++) {
    a.SendText(R"({"type":"chat","text":"m"})");
    EXPECT_FALSE(a.WaitFor("chat").empty());
  }
  a.SendText(R"({"type":"chat","text":"one too many"})");
  EXPECT_EQ(JsonField(a.WaitFor("error"), "code"), "rate_limited");
  WsClient b(url), c(url);
  // A fourth connection from the same address is told why and closed.
  WsClient d(url);
  EXPECT_EQ(JsonField(d.WaitFor("error"), "code"), "rate_limited");
  // Joins: a's counted one; three more pass, the next is refused.
  for (int i = 0; i < 3; i++) {
    WsClient& ws = i == 0 ? b : c;
    if (i == 2) {
      ws.SendText(R"({"type":"leave"})");
      ws.WaitFor("left");
    }
    ws.SendText(R"({"type":"join","room":"lim","name":"x"})");
    EXPECT_FALSE(ws.WaitFor("joined").empty()) << i;
  }
  c.SendText(R"({"type":"leave"})");
  c.WaitFor("left");
  c.SendText(R"({"type":"join","room":"lim","name":"x"})");
  EXPECT_EQ(JsonField(c.WaitFor("error"), "code"), "rate_limited");
  // Others in the room were not dropped.
  a.SendText(R"({"type":"mute","kind":"audio","muted":true})");
  EXPECT_FALSE(a.WaitFor("ack").empty());
}

// A DNS server on 127.0.0.1:53 that reads queries and never answers: the slowest resolver.
class SilentDns {
 public:
  SilentDns() {
    GErrorPtr err;
    socket_ = GRef<GObject>::Adopt(G_OBJECT(g_socket_new(
        G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, err.out())));
    auto lo = GRef<GObject>::Adopt(G_OBJECT(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)));
    auto at =
        GRef<GObject>::Adopt(G_OBJECT(g_inet_socket_address_new(G_INET_ADDRESS(lo.get()), 53)));
    bound_ = g_socket_bind(G_SOCKET(socket_.get()), G_SOCKET_ADDRESS(at.get()), TRUE, err.out());
  }
  bool bound() const { return bound_; }

 private:
  GRef<GObject> socket_;
  bool bound_ = false;
};

// Inside a network and mount namespace of its own (see the test below): resolv.conf points at
// SilentDns, so resolving a restream target's name takes the resolver's whole timeout.
void SlowResolverInsideNamespace() {
  ASSERT_EQ(system("ip link set lo up"), 0);
  TempDir dir;
  std::string conf =
      dir.Write("resolv.conf", "nameserver 127.0.0.1\noptions timeout:4 attempts:1\n");
  ASSERT_EQ(system(("mount --bind " + conf + " /etc/resolv.conf").c_str()), 0);
  SilentDns dns;
  ASSERT_TRUE(dns.bound());
  GatewayProcess gw("", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"slow"})"), 201u);
  unsigned status = 0;
  std::string body;
  gint64 posted = g_get_monotonic_time();
  std::thread post([&] {
    status =
        Call("POST", api + "/slow/restreams", R"({"url":"rtmp://ingest.slow.invalid/live/key"})",
             &body, GatewayProcess::Token("*", "admin", "poster"));
  });
  g_usleep(300000);  // the lookup is under way
  // Meanwhile the main loop serves everyone else at once.
  gint64 t0 = g_get_monotonic_time();
  WsClient ws(gw.ws_url() + "/v1/signal");
  ws.SendText(R"({"type":"join","room":"other","name":"n","token":")" +
              GatewayProcess::Token("other", "join", "someone") + "\"}");
  EXPECT_FALSE(ws.WaitFor("joined", 2000).empty());
  gint64 join_ms = (g_get_monotonic_time() - t0) / 1000;
  std::string health;
  EXPECT_EQ(Call("GET", gw.http_url() + "/healthz", "", &health, ""), 200u);
  gint64 answered_ms = (g_get_monotonic_time() - t0) / 1000;
  post.join();
  gint64 post_ms = (g_get_monotonic_time() - posted) / 1000;
  EXPECT_LT(join_ms, 1000) << "a join waited for the restream's DNS lookup";
  EXPECT_LT(answered_ms, 1500);
  EXPECT_GE(post_ms, 3000) << "the resolver was not slow: " << body;
  EXPECT_EQ(status, 400u) << body;
  EXPECT_NE(body.find("does not resolve"), std::string::npos) << body;
  printf("join %lld ms, healthz by %lld ms, restream answered after %lld ms: %s\n",
         static_cast<long long>(join_ms), static_cast<long long>(answered_ms),
         static_cast<long long>(post_ms), body.c_str());
}

TEST(Security, ASlowResolverDelaysOnlyTheRestreamThatWaitsForIt) {
  if (g_getenv("MEDIAGW_INSIDE_NAMESPACE")) return SlowResolverInsideNamespace();
  GCharPtr unshare(g_find_program_in_path("unshare"));
  if (geteuid() != 0 || !unshare)
    GTEST_SKIP() << "needs root and unshare for a network and mount namespace";
  if (system((std::string(unshare.get()) +
              " -n -m --propagation private sh -c 'mount --bind /etc/hostname /etc/hostname' "
              ">/dev/null 2>&1").c_str()) != 0)
    GTEST_SKIP() << "cannot bind-mount in a mount namespace here";
  std::string cmd =
      std::string(unshare.get()) +
      " -n -m --propagation private env -u GTEST_OUTPUT MEDIAGW_INSIDE_NAMESPACE=1 /proc/" +
      std::to_string(getpid()) +
      "/exe --gtest_filter=Security.ASlowResolverDelaysOnlyTheRestreamThatWaitsForIt";
  gchar *out = nullptr, *err = nullptr;
  gint status = 0;
  ASSERT_TRUE(g_spawn_command_line_sync(cmd.c_str(), &out, &err, &status, nullptr));
  std::string text = std::string(out ? out : "") + (err ? err : "");
  g_free(out);
  g_free(err);
  EXPECT_TRUE(g_spawn_check_wait_status(status, nullptr)) << text;
  EXPECT_NE(text.find("[  PASSED  ] 1 test"), std::string::npos) << text;
  if (auto at = text.find("join "); at != std::string::npos)
    printf("%s\n", text.substr(at, text.find('\n', at) - at).c_str());
}

int RunGateway(const std::vector<std::string>& args, std::string* err,
               const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<const char*> argv = {g_getenv("MEDIAGW_BIN") ? g_getenv("MEDIAGW_BIN")
                                                           : "build/gateway/mediagw"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  auto launcher =
      GRef<GObject>::Adopt(G_OBJECT(g_subprocess_launcher_new(static_cast<GSubprocessFlags>(
          G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE))));
  for (const auto& [k, v] : env)
    g_subprocess_launcher_setenv(G_SUBPROCESS_LAUNCHER(launcher.get()), k.c_str(), v.c_str(), TRUE);
  auto proc = GRef<GSubprocess>::Adopt(
      g_subprocess_launcher_spawnv(G_SUBPROCESS_LAUNCHER(launcher.get()), argv.data(), nullptr));
  gchar *out = nullptr, *errs = nullptr;
  g_subprocess_communicate_utf8(proc.get(), nullptr, nullptr, &out, &errs, nullptr);
  *err = std::string(out ? out : "") + (errs ? errs : "");
  g_free(out);
  g_free(errs);
  return g_subprocess_get_if_exited(proc.get()) ? g_subprocess_get_exit_status(proc.get()) : -1;
}

TEST(Security, RefusesToListenBeyondLoopbackWithoutKeys) {
  std::string out;
  EXPECT_EQ(RunGateway({"--listen", "0.0.0.0:0"}, &out), 2);
  EXPECT_NE(out.find("without API keys"), std::string::npos) << out;
  EXPECT_NE(out.find("--no-auth"), std::string::npos) << out;
  EXPECT_EQ(RunGateway({"--listen", "[::]:0"}, &out), 2);
}

TEST(Security, TokenCommandMintsTokensAndLinksThatVerify) {
  std::string out;
  ASSERT_EQ(RunGateway({"token", "--key", kTestApiKey, "--secret", kTestApiSecret, "--room", "meet",
                        "--identity", "alice", "--grants", "join,chat", "--ttl", "10m"},
                       &out),
            0)
      << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  GatewayProcess gw("", Auth::kOn);
  WsClient ws(gw.ws_url() + "/v1/signal");
  ws.SendText(R"({"type":"join","room":"meet","name":"n","token":")" + out + "\"}");
  EXPECT_FALSE(ws.WaitFor("joined").empty());
  ASSERT_EQ(RunGateway({"token", "--room", "meet", "--link", "http://127.0.0.1:8080"}, &out,
                       {{"MEDIAGW_API_KEY", kTestApiKey}, {"MEDIAGW_API_SECRET", kTestApiSecret}}),
            0)
      << out;
  EXPECT_EQ(out.rfind("http://127.0.0.1:8080/r/meet?token=", 0), 0u) << out;
  EXPECT_NE(RunGateway({"token", "--key", "k", "--secret", "short", "--room", "r"}, &out), 0);
  EXPECT_NE(RunGateway({"token", "--key", kTestApiKey, "--secret", kTestApiSecret, "--room", "r",
                        "--grants", "root"},
                       &out),
            0);
}

TEST(Security, InvitesGiveGuestsAJoinTokenForTheRoomOnly) {
  GatewayProcess gw("", Auth::kOn);
  const std::string api = gw.http_url() + "/v1/rooms";
  ASSERT_EQ(Call("POST", api, R"({"name":"party"})"), 201u);
  std::string body;
  ASSERT_EQ(Call("POST", api + "/party/invites", R"({"ttl_s":3600,"grants":["join","chat"]})",
                 &body, GatewayProcess::Token("party", "admin")),
            201u)
      << body;
  std::string token = JsonField(body, "token"), link = JsonField(body, "url");
  EXPECT_EQ(link, gw.http_url() + "/r/party?token=" + token);
  EXPECT_EQ(Call("POST", api + "/party/invites", "", &body,
                 GatewayProcess::Token("party", "join,publish")),
            403u);
  EXPECT_EQ(Call("POST", api + "/party/invites", R"({"grants":["root"]})", &body), 400u);
  WsClient guest(gw.ws_url() + "/v1/signal");
  guest.SendText(R"({"type":"join","room":"other","name":"g","token":")" + token + "\"}");
  EXPECT_EQ(JsonField(guest.WaitFor("error"), "code"), "forbidden");
  guest.SendText(R"({"type":"join","room":"party","name":"g","token":")" + token + "\"}");
  EXPECT_FALSE(guest.WaitFor("joined").empty());
  // The guest's token is no admin token.
  EXPECT_EQ(Call("GET", api + "/party", "", &body, token), 403u);
}

}  // namespace
}  // namespace mediagw::testing
