// Headless Chromium (a real browser, driven by playwright-core) on the meeting page: with a
// mediagw-client in the room, and three browsers meeting each other (tests/browser/*.mjs).
#include <gtest/gtest.h>

#include <string>

#include "auth.h"
#include "processes.h"
#include "ws_client.h"

namespace mediagw::testing {
namespace {

TEST(Browser, PageAndSyntheticClientDecodeEachOther) {
  const char* node_dir = g_getenv("MEDIAGW_BROWSER_TESTS");
  ASSERT_NE(node_dir, nullptr);
  if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP() << "no /usr/bin/chromium (scripts/test.sh installs it)";
  GatewayProcess gw;
  ClientProcess client(gw.ws_url(), {"--room", "web", "--name", "bot", "--duration", "20"});
  std::string script = std::string(node_dir) + "/room_page.mjs";
  GErrorPtr err;
  gchar* out = nullptr;
  gchar* errout = nullptr;
  gint status = 0;
  std::string cmd = "node " + script + " " + gw.http_url() + " web chrome 14";
  ASSERT_TRUE(g_spawn_command_line_sync(cmd.c_str(), &out, &errout, &status, err.out()));
  std::string page = out ? out : "", page_err = errout ? errout : "";
  g_free(out);
  g_free(errout);
  EXPECT_TRUE(g_spawn_check_wait_status(status, nullptr)) << page << page_err << gw.Log();
  EXPECT_NE(page.find("\"rising\":true"), std::string::npos) << page;
  printf("page: %s\n", page.c_str());

  auto report = ReadReport(client.Wait().get());
  ASSERT_EQ(report.size(), 1u);
  gint64 frames = 0;
  for (const auto& t : report[0].tracks)
    if (t.kind == "video") frames += t.frames;
  EXPECT_GT(frames, 60) << "the client decoded too little of the browser's video";
  EXPECT_EQ(gw.Stop(), 0);
}

// Runs `node SCRIPT ARGS` from tests/browser and returns its stdout; `ok` tells its exit status.
std::string RunNode(const std::string& script_and_args, bool* ok, std::string* err_out) {
  std::string cmd =
      "node " + std::string(g_getenv("MEDIAGW_BROWSER_TESTS")) + "/" + script_and_args;
  gchar* out = nullptr;
  gchar* errout = nullptr;
  gint status = 0;
  GErrorPtr err;
  *ok = g_spawn_command_line_sync(cmd.c_str(), &out, &errout, &status, err.out()) &&
        g_spawn_check_wait_status(status, nullptr);
  std::string text = out ? out : "";
  *err_out = errout ? errout : "";
  g_free(out);
  g_free(errout);
  return text;
}

// Checks the {checks: {name: {ok, detail}}, error} report of a browser script: every named check
// ran and passed.
void ExpectChecks(const std::string& out, const std::string& err,
                  std::initializer_list<const char*> names, const std::string& log) {
  auto root = ParseJson(out);
  ASSERT_TRUE(root && JSON_NODE_HOLDS_OBJECT(root.get())) << out << err << log;
  JsonObject* obj = json_node_get_object(root.get());
  JsonNode* error = json_object_get_member(obj, "error");
  EXPECT_TRUE(!error || JSON_NODE_HOLDS_NULL(error)) << json_node_get_string(error) << "\n" << err;
  JsonObject* checks = json_object_get_object_member(obj, "checks");
  ASSERT_NE(checks, nullptr) << out;
  for (const char* name : names) {
    JsonObject* c = json_object_has_member(checks, name)
                        ? json_object_get_object_member(checks, name)
                        : nullptr;
    ASSERT_NE(c, nullptr) << "check " << name << " did not run: " << out << err;
    EXPECT_TRUE(json_object_get_boolean_member(c, "ok"))
        << name << ": " << json_object_get_string_member(c, "detail");
  }
}

TEST(Browser, ThreePeopleMeetThroughThePage) {
  ASSERT_NE(g_getenv("MEDIAGW_BROWSER_TESTS"), nullptr);
  if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP() << "no /usr/bin/chromium (scripts/test.sh installs it)";
  GatewayProcess gw;
  const char* shot = g_getenv("MEDIAGW_SCREENSHOT");
  bool ok = false;
  std::string err;
  std::string out =
      RunNode("meeting.mjs " + gw.http_url() + " meet " + (shot ? shot : ""), &ok, &err);
  printf("meeting: %s\n", out.c_str());
  ExpectChecks(out, err,
               {"lobby", "decode", "chat", "mute_shown", "unmute", "keyboard", "history",
                "three_tiles", "screenshot", "screen_share", "leave"},
               gw.Log());
  if (shot) {
    EXPECT_TRUE(g_file_test(shot, G_FILE_TEST_EXISTS)) << shot;
  }
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(Browser, PageExplainsFailuresAndReconnectsByItself) {
  ASSERT_NE(g_getenv("MEDIAGW_BROWSER_TESTS"), nullptr);
  if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP() << "no /usr/bin/chromium (scripts/test.sh installs it)";
  GatewayProcess gw("[rooms]\nmax_participants=2\n");
  bool ok = false;
  std::string err;
  std::string out = RunNode("failures.mjs " + gw.http_url() + " pair", &ok, &err);
  printf("failures: %s\n", out.c_str());
  ExpectChecks(out, err, {"denied", "full", "reconnect"}, gw.Log());
  EXPECT_EQ(gw.Stop(), 0);
}

// With authentication on: a host link, an invite made from the page, a guest who joins with it;
// expired and missing links explained; a link pasted into the lobby.
TEST(Browser, HostAndGuestMeetThroughLinksWithAuthOn) {
  ASSERT_NE(g_getenv("MEDIAGW_BROWSER_TESTS"), nullptr);
  if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP() << "no /usr/bin/chromium (scripts/test.sh installs it)";
  GatewayProcess gw("", GatewayProcess::Auth::kOn);
  // What `mediagw token --link` puts in the host's link (the token test checks the command).
  auth::Claims host;
  host.key = kTestApiKey;
  host.room = "party";
  host.identity = "host";
  host.name = "Host";
  host.grants = auth::kJoin | auth::kPublish | auth::kSubscribe | auth::kChat | auth::kAdmin;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  std::string host_token = auth::Mint(kTestApiSecret, host, now, 600);
  std::string paste = GatewayProcess::Token("party", "join,publish,subscribe,chat", "paster");
  std::string expired = GatewayProcess::Token("party", "join,publish,subscribe", "late", -120);
  bool ok = false;
  std::string err;
  std::string out =
      RunNode("auth.mjs " + gw.http_url() + " party " + host_token + " " + paste + " " + expired,
              &ok, &err);
  printf("auth: %s\n", out.c_str());
  ExpectChecks(out, err, {"host", "invite", "guest", "expired", "no_token", "lobby"}, gw.Log());
  EXPECT_EQ(gw.Stop(), 0);
}

// HLS in the browser: /watch/ROOM plays the room's composite.
TEST(Browser, WatchPagePlaysTheRoomsHls) {
  ASSERT_NE(g_getenv("MEDIAGW_BROWSER_TESTS"), nullptr);
  if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP() << "no /usr/bin/chromium (scripts/test.sh installs it)";
  GatewayProcess gw;
  ClientProcess client(gw.ws_url(),
                       {"--room", "show", "--name", "Ann", "--duration", "60", "--no-decode"});
  g_usleep(2 * G_USEC_PER_SEC);
  std::string body;
  ASSERT_EQ(HttpRequest("POST", gw.http_url() + "/v1/rooms/show/hls",
                        R"({"width":640,"height":360})", &body),
            201u)
      << body << gw.Log();
  bool ok = false;
  std::string err;
  std::string out = RunNode("watch.mjs " + gw.http_url() + " show 640 360", &ok, &err);
  printf("watch: %s\n", out.c_str());
  ExpectChecks(out, err, {"plays_mse", "plays_native", "no_stream_explained"}, gw.Log());
  client.Kill();
  EXPECT_EQ(gw.Stop(), 0);
}

}  // namespace
}  // namespace mediagw::testing
