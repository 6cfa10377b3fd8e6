// DtlsSession and SrtpSession against each other, in memory: a full handshake, the SRTP keys it
// exports, and what happens with a wrong fingerprint, garbage and tampered packets.
#include "dtls_srtp.h"

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <deque>
#include <vector>

namespace mediagw {
namespace {

using Datagram = std::vector<uint8_t>;

struct Pair {
  std::deque<Datagram> to_client, to_server;
  DtlsSession client;
  DtlsSession server;
  Pair(const std::string& client_expects, const std::string& server_expects)
      : client(true, client_expects,
               [this](const uint8_t* d, size_t n) { to_server.emplace_back(d, d + n); }),
        server(false, server_expects,
               [this](const uint8_t* d, size_t n) { to_client.emplace_back(d, d + n); }) {}

  // Delivers datagrams both ways until neither side has anything more to say.
  void Pump() {
    client.Start();
    for (int round = 0; round < 20 && (!to_client.empty() || !to_server.empty()); round++) {
      while (!to_server.empty()) {
        Datagram d = std::move(to_server.front());
        to_server.pop_front();
        server.Feed(d.data(), d.size());
      }
      while (!to_client.empty()) {
        Datagram d = std::move(to_client.front());
        to_client.pop_front();
        client.Feed(d.data(), d.size());
      }
    }
  }
};

std::string OwnFingerprint() { return "sha-256 " + DtlsCertificate::Get().fingerprint(); }

TEST(DtlsSrtp, CertificateFingerprintIsSha256InSdpForm) {
  const std::string& fp = DtlsCertificate::Get().fingerprint();
  EXPECT_EQ(fp.size(), 32u * 3 - 1);
  EXPECT_EQ(fp[2], ':');
  EXPECT_EQ(fp, DtlsCertificate::Get().fingerprint());  // one per process
}

TEST(DtlsSrtp, HandshakeExportsMirroredSrtpKeys) {
  Pair p(OwnFingerprint(), OwnFingerprint());
  p.Pump();
  ASSERT_EQ(p.client.state(), DtlsSession::State::kConnected) << p.client.error();
  ASSERT_EQ(p.server.state(), DtlsSession::State::kConnected) << p.server.error();
  EXPECT_EQ(p.client.keys().local.size(), 30u);
  EXPECT_EQ(p.client.keys().local, p.server.keys().remote);
  EXPECT_EQ(p.client.keys().remote, p.server.keys().local);
  EXPECT_NE(p.client.keys().local, p.client.keys().remote);
  EXPECT_EQ(p.server.NextTimeoutMs(), -1);
}

TEST(DtlsSrtp, WrongFingerprintFailsTheHandshake) {
  std::string wrong = "sha-256 " + std::string(95, '0');
  Pair p(OwnFingerprint(), wrong);
  p.Pump();
  EXPECT_EQ(p.server.state(), DtlsSession::State::kFailed);
  EXPECT_NE(p.server.error().find("fingerprint"), std::string::npos) << p.server.error();
}

TEST(DtlsSrtp, GarbageNeverConnectsAndNeverCrashes) {
  DtlsSession server(false, OwnFingerprint(), [](const uint8_t*, size_t) {});
  std::vector<uint8_t> junk(300);
  for (size_t i = 0; i < junk.size(); i++) junk[i] = static_cast<uint8_t>(i * 37 + 22);
  junk[0] = 22;  // looks like a handshake record
  server.Feed(junk.data(), junk.size());
  server.Feed(junk.data(), 1);
  EXPECT_NE(server.state(), DtlsSession::State::kConnected);
}

TEST(DtlsSrtp, SrtcpRoundTripsAndTamperingIsRejected) {
  Pair p(OwnFingerprint(), OwnFingerprint());
  p.Pump();
  ASSERT_EQ(p.client.state(), DtlsSession::State::kConnected);
  std::string error;
  auto sender = SrtpSession::Create(p.client.keys(), &error);
  auto receiver = SrtpSession::Create(p.server.keys(), &error);
  ASSERT_TRUE(sender && receiver) << error;

  // A PLI: V=2 FMT=1 PT=206 length=2, sender SSRC, media SSRC.
  const uint8_t pli[12] = {0x81, 206, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t buf[12 + SrtpSession::kMaxTrailer];
  memcpy(buf, pli, sizeof pli);
  int len = sizeof pli;
  ASSERT_TRUE(sender->ProtectRtcp(buf, &len));
  EXPECT_GT(len, 12);
  std::vector<uint8_t> protected_copy(buf, buf + len);
  ASSERT_TRUE(receiver->UnprotectRtcp(buf, &len));
  ASSERT_EQ(len, 12);
  EXPECT_EQ(memcmp(buf, pli, sizeof pli), 0);

  protected_copy[9] ^= 0x40;
  int tampered_len = static_cast<int>(protected_copy.size());
  EXPECT_FALSE(receiver->UnprotectRtcp(protected_copy.data(), &tampered_len));

  // RTP grows by the 10-byte HMAC-SHA1-80 tag.
  uint8_t rtp[100 + SrtpSession::kMaxTrailer] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
  int rtp_len = 100;
  ASSERT_TRUE(sender->ProtectRtp(rtp, &rtp_len));
  EXPECT_EQ(rtp_len, 110);
}

// libsrtp2 contexts for one key, to check RtpCipher against.
struct Libsrtp {
  srtp_t in = nullptr, out = nullptr;
  explicit Libsrtp(std::vector<uint8_t>& key) {
    srtp_init();
    for (bool outbound : {false, true}) {
      srtp_policy_t policy;
      memset(&policy, 0, sizeof policy);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
      policy.key = key.data();
      policy.window_size = 1024;
      EXPECT_EQ(srtp_create(outbound ? &out : &in, &policy), srtp_err_status_ok);
    }
  }
  ~Libsrtp() {
    srtp_dealloc(in);
    srtp_dealloc(out);
  }
};

// An RTP packet: optionally with two CSRCs and a one-word header extension.
std::vector<uint8_t> Packet(uint16_t seq, uint32_t ssrc, size_t payload, bool extras) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(extras ? 0x92 : 0x80), 96,
                            static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 1, 0,
                            static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  if (extras) {
    for (int i = 0; i < 8; i++) p.push_back(static_cast<uint8_t>(i));            // 2 CSRCs
    for (uint8_t b : {0xbe, 0xde, 0x00, 0x01, 0x10, 0x42, 0x00, 0x00}) p.push_back(b);  // extension
  }
  for (size_t i = 0; i < payload; i++) p.push_back(static_cast<uint8_t>(i * 7 + seq));
  return p;
}

TEST(DtlsSrtp, RtpCipherAndLibsrtpUnderstandEachOtherAcrossASequenceWrap) {
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); i++) key[i] = static_cast<uint8_t>(i * 13 + 5);
  Libsrtp lib(key);
  RtpCipher ours_out(key), ours_in(key);
  int checked = 0;
  for (uint32_t n = 0; n < 12; n++) {
    uint16_t seq = static_cast<uint16_t>(65530 + n);  // 65530 .. 65535, 0 .. 5
    for (uint32_t ssrc : {0x11223344u, 0xcafe0001u}) {
      bool extras = n % 3 == 1;
      std::vector<uint8_t> plain = Packet(seq, ssrc, n % 2 ? 1188 : 97, extras);
      // Ours protects, libsrtp2 unprotects.
      std::vector<uint8_t> buf(plain.size() + SrtpSession::kMaxTrailer);
      memcpy(buf.data(), plain.data(), plain.size());
      int len = static_cast<int>(plain.size());
      ASSERT_TRUE(ours_out.Protect(buf.data(), &len));
      ASSERT_EQ(len, static_cast<int>(plain.size()) + RtpCipher::kTagLen);
      EXPECT_NE(memcmp(buf.data() + 40, plain.data() + 40, 40), 0) << "payload not encrypted";
      ASSERT_EQ(srtp_unprotect(lib.in, buf.data(), &len), srtp_err_status_ok) << "seq " << seq;
      ASSERT_EQ(len, static_cast<int>(plain.size()));
      EXPECT_EQ(memcmp(buf.data(), plain.data(), plain.size()), 0);
      // libsrtp2 protects, ours unprotects.
      memcpy(buf.data(), plain.data(), plain.size());
      len = static_cast<int>(plain.size());
      ASSERT_EQ(srtp_protect(lib.out, buf.data(), &len), srtp_err_status_ok);
      ASSERT_TRUE(ours_in.Unprotect(buf.data(), &len)) << "seq " << seq;
      ASSERT_EQ(len, static_cast<int>(plain.size()));
      EXPECT_EQ(memcmp(buf.data(), plain.data(), plain.size()), 0);
      checked++;
    }
  }
  EXPECT_EQ(checked, 24);

  // A flipped bit anywhere fails the tag.
  std::vector<uint8_t> plain = Packet(7, 0x11223344u, 200, false);
  std::vector<uint8_t> buf(plain.size() + SrtpSession::kMaxTrailer);
  memcpy(buf.data(), plain.data(), plain.size());
  int len = static_cast<int>(plain.size());
  ASSERT_TRUE(ours_out.Protect(buf.data(), &len));
  buf[50] ^= 0x01;
  EXPECT_FALSE(ours_in.Unprotect(buf.data(), &len));
  int tiny = 8;
  EXPECT_FALSE(ours_in.Unprotect(buf.data(), &tiny));
}

}  // namespace
}  // namespace mediagw
