// The README's tour as a newcomer runs it, with the default configuration, on a machine with one
// network card: a network namespace this test makes (loopback and one veth interface), the
// gateway started with no options, and the tour's exact mediagw-client command. Every synthetic
// participant must decode the others (the defaults must agree on which addresses ICE uses).
#include <gtest/gtest.h>

#include <string>

#include "processes.h"

namespace mediagw::testing {
namespace {

std::string Quote(const std::string& s) {
  GCharPtr q(g_shell_quote(s.c_str()));
  return q.get();
}

TEST(Tour, DefaultConfigurationMeetsOnAMachineWithOneNetworkCard) {
  GCharPtr unshare(g_find_program_in_path("unshare"));
  GCharPtr ip(g_find_program_in_path("ip"));
  if (geteuid() != 0 || !unshare || !ip)
    GTEST_SKIP() << "needs root, unshare and ip (iproute2) to make a network namespace";
  if (system((std::string(unshare.get()) +
              " -n sh -c 'ip link add v0 type veth peer name v1' >/dev/null 2>&1").c_str()) != 0)
    GTEST_SKIP() << "cannot make a veth interface in a network namespace here";
  TempDir dir;
  const std::string gw =
      g_getenv("MEDIAGW_BIN") ? g_getenv("MEDIAGW_BIN") : "build/gateway/mediagw";
  const std::string client = g_getenv("MEDIAGW_CLIENT_BIN") ? g_getenv("MEDIAGW_CLIENT_BIN")
                                                            : "build/tools/mediagw-client";
  const std::string report = dir.path() + "/report.json", log = dir.path() + "/gw.log";
  // Inside the namespace: lo and one interface with an address, nothing else; the gateway as
  // scripts/run.sh starts it; the tour's step 2 word for word.
  std::string script =
      "set -e; ip link set lo up; ip link add v0 type veth peer name v1; "
      "ip addr add 10.99.0.1/24 dev v0; ip link set v0 up; ip link set v1 up; " +
      Quote(gw) + " > " + Quote(log) + " 2>&1 & gw=$!; " +
      "for i in $(seq 100); do grep -q 'mediagw listening' " + Quote(log) +
      " && break; sleep 0.1; done; " + Quote(client) +
      " --server ws://127.0.0.1:8080 --room demo --participants 3 --duration 20 > " +
      Quote(report) + "; kill $gw; wait $gw";
  std::string cmd = std::string(unshare.get()) + " -n sh -c " + Quote(script);
  gchar *out = nullptr, *err = nullptr;
  gint status = 0;
  ASSERT_TRUE(g_spawn_command_line_sync(cmd.c_str(), &out, &err, &status, nullptr));
  std::string errors = err ? err : "";
  g_free(out);
  g_free(err);
  gchar* gw_log = nullptr;
  g_file_get_contents(log.c_str(), &gw_log, nullptr, nullptr);
  std::string gateway_log = gw_log ? gw_log : "";
  g_free(gw_log);
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(report.c_str(), &text, nullptr, nullptr))
      << errors << gateway_log;
  auto people = ReadReport(ParseJson(text).get());
  g_free(text);
  ASSERT_EQ(people.size(), 3u) << errors << gateway_log;
  for (const auto& p : people) {
    EXPECT_EQ(p.error, "") << p.name;
    for (const auto& q : people) {
      if (&p == &q) continue;
      EXPECT_GT(p.FramesFrom(q.participant_id, "video"), 100) << p.name << " from " << q.name;
      EXPECT_GT(p.FramesFrom(q.participant_id, "audio"), 200) << p.name << " from " << q.name;
    }
    for (const auto& [id, ms] : p.left) ADD_FAILURE() << p.name << " saw " << id << " leave";
  }
}

}  // namespace
}  // namespace mediagw::testing
