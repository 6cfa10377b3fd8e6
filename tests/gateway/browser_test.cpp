// Headless Chromium (a real browser, driven by playwright-core) opens the meeting page while a
// mediagw-client is in the room: each decodes the other's video through mediagw.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace mediagw::testing
