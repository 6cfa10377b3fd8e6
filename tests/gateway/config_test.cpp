#include "config.h"
#include "subscribe_connection.h"

#include <gtest/gtest.h>

#include "processes.h"

namespace mediagw {
namespace {

TEST(Config, ListenAcceptsIpv4AndBracketedIpv6) {
  Config c;
  ParseListen("0.0.0.0:9000", c);
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000u);
  ParseListen("[::1]:0", c);
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 0u);
}

TEST(Config, ListenRejectsWhatIsNotAddrPort) {
  Config c;
  for (const char* bad : {"8080", "localhost:80", "1.2.3.4:", "1.2.3.4:99999", ":80", "1.2.3.4:8x"})
    EXPECT_THROW(ParseListen(bad, c), ConfigError) << bad;
}

TEST(Config, TlsCertificateAndKeyGoTogether) {
  testing::TempDir dir;
  Config c = LoadConfigFile(dir.Write("tls.ini", "[server]\ntls_cert=/a/cert.pem\ntls_key=/a/key.pem\n"));
  EXPECT_EQ(c.tls_cert, "/a/cert.pem");
  EXPECT_EQ(c.tls_key, "/a/key.pem");
  EXPECT_THROW(LoadConfigFile(dir.Write("half.ini", "[server]\ntls_cert=/a/cert.pem\n")), ConfigError);
}

// The subscribe transports' view of the [ice] settings: relays by scheme, hosts as given.
TEST(Config, IceSettingsBecomeTransportConfig) {
  IceSettings ice;
  ice.stun_server = "stun://127.0.0.1:3479";
  ice.turn_servers = {"turn://u:p@127.0.0.1:3478", "turn://u:p@127.0.0.1:3478?transport=tcp",
                      "turns://u:p@127.0.0.1"};
  ice.local_addresses = {"127.0.0.1"};
  ice.min_port = 40000;
  ice.max_port = 40010;
  TransportConfig t = TransportConfigFromIce(ice);
  EXPECT_EQ(t.stun_host, "127.0.0.1");
  EXPECT_EQ(t.stun_port, 3479u);
  ASSERT_EQ(t.relays.size(), 3u);
  EXPECT_EQ(t.relays[0].transport, TransportConfig::Relay::Transport::kUdp);
  EXPECT_EQ(t.relays[0].user, "u");
  EXPECT_EQ(t.relays[0].password, "p");
  EXPECT_EQ(t.relays[1].transport, TransportConfig::Relay::Transport::kTcp);
  EXPECT_EQ(t.relays[2].transport, TransportConfig::Relay::Transport::kTls);
  EXPECT_EQ(t.relays[2].port, 5349u);
  EXPECT_EQ(t.min_port, 40000u);
  EXPECT_TRUE(t.controlling);
}

TEST(Config, FileSetsIceAndRoomLimits) {
  testing::TempDir dir;
  std::string path = dir.Write("a.ini",
                               "[server]\nlisten=127.0.0.1:7000\n"
                               "[ice]\nstun_server=stun://127.0.0.1:3478\n"
                               "turn_servers=turn://u:p@127.0.0.1:3478;turns://u:p@127.0.0.1:5349\n"
                               "local_addresses=127.0.0.1\nmin_port=40000\nmax_port=40100\n"
                               "[rooms]\nmax_participants=3\nmax_rooms=7\n");
  Config c = LoadConfigFile(path);
  EXPECT_EQ(c.listen_port, 7000u);
  EXPECT_EQ(c.ice.stun_server, "stun://127.0.0.1:3478");
  ASSERT_EQ(c.ice.turn_servers.size(), 2u);
  EXPECT_EQ(c.ice.local_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(c.ice.min_port, 40000u);
  EXPECT_EQ(c.ice.max_port, 40100u);
  EXPECT_EQ(c.rooms.max_participants, 3u);
  EXPECT_EQ(c.rooms.max_rooms, 7u);
}

TEST(Config, BadValuesNameTheirKey) {
  testing::TempDir dir;
  auto expect_error = [&](const std::string& text, const char* key) {
    std::string path = dir.Write("bad.ini", text);
    try {
      LoadConfigFile(path);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  expect_error("[rooms]\nmax_participants=0\n", "max_participants");
  expect_error("[rooms]\nmax_participants=many\n", "max_participants");
  expect_error("[ice]\nmin_port=50000\nmax_port=40000\n", "min_port");
  expect_error("[ice]\nlocal_addresses=eth0\n", "local_addresses");
  expect_error("not a key file", "bad.ini");
  EXPECT_THROW(LoadConfigFile(dir.path() + "/missing.ini"), ConfigError);
}

}  // namespace
}  // namespace mediagw
