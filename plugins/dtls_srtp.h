// DTLS-SRTP for mediagw's own subscriber transport: the DTLS handshake (OpenSSL, datagrams in and
// out through callbacks, no sockets of its own) and the SRTP sessions its keys set up (libsrtp2).
//
// Why our own and not webrtcbin's: webrtcbin exposes neither its SRTP keys nor its sockets, and a
// whole webrtcbin per subscriber costs several times what forwarding to it should cost. With these
// two classes the per-packet work for a subscriber is one SRTP protect and one send.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct srtp_ctx_t_;  // libsrtp2's session

namespace mediagw {

// The process's self-signed ECDSA P-256 certificate, made once on first use. Every DTLS session
// presents it; SDP carries its SHA-256 fingerprint.
class DtlsCertificate {
 public:
  static const DtlsCertificate& Get();
  const std::string& fingerprint() const { return fingerprint_; }  // "AB:CD:..." (SHA-256)
  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }

 private:
  DtlsCertificate();
  X509* cert_ = nullptr;     // lives as long as the process
  EVP_PKEY* key_ = nullptr;  // lives as long as the process
  std::string fingerprint_;
};

// Formats a digest as SDP does: upper-case hex bytes joined by colons.
std::string FormatFingerprint(const unsigned char* digest, unsigned len);

// SRTP master key followed by master salt (16 + 14 bytes), one for each direction.
struct SrtpKeys {
  std::vector<uint8_t> local;
  std::vector<uint8_t> remote;
};

class DtlsSession {
 public:
  enum class State { kHandshaking, kConnected, kClosed, kFailed };
  using SendFn = std::function<void(const uint8_t* data, size_t len)>;

  // `remote_fingerprint` is the SDP value ("sha-256 AB:CD:..."); the peer's certificate must match.
  DtlsSession(bool client, std::string remote_fingerprint, SendFn send);
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // A client sends its first flight; a server waits for it.
  State Start();
  // One datagram from the peer (first byte 20..63).
  State Feed(const uint8_t* data, size_t len);
  // Retransmits a flight whose answer is overdue.
  State HandleTimeout();
  // Milliseconds until HandleTimeout is due, or -1 when no retransmission is pending.
  int NextTimeoutMs() const;

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // Valid once connected.
  const SrtpKeys& keys() const { return keys_; }

 private:
  State Advance();
  State Fail(const std::string& why);
  bool VerifyPeer();

  bool client_;
  std::string remote_fingerprint_;
  SendFn send_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  State state_ = State::kHandshaking;
  std::string error_;
  SrtpKeys keys_;
};

// SRTP for RTP packets, AES_CM_128_HMAC_SHA1_80 (RFC 3711), written over OpenSSL's AES-CTR and
// HMAC-SHA1. Why not libsrtp2 for these: Debian builds libsrtp2 on NSS, whose PKCS#11 layers cost
// about 6 us per 1200-byte packet here, a third of everything the gateway spent forwarding;
// OpenSSL (AES-NI, SHA-NI) does the same in about 1.5 us. Tested against libsrtp2 both ways.
// Unprotect checks the tag but keeps no replay window (only mediagw-load receives RTP).
class RtpCipher {
 public:
  static constexpr int kTagLen = 10;
  explicit RtpCipher(const std::vector<uint8_t>& master_key_and_salt);  // 16 + 14 bytes
  ~RtpCipher();
  RtpCipher(const RtpCipher&) = delete;
  RtpCipher& operator=(const RtpCipher&) = delete;

  // In place; Protect needs kTagLen spare bytes after `*len`.
  bool Protect(uint8_t* data, int* len);
  bool Unprotect(uint8_t* data, int* len);

 private:
  struct Stream {
    uint32_t ssrc = 0;
    uint32_t roc = 0;       // rollover counter
    uint16_t highest = 0;   // highest sequence number seen
  };
  struct Packet {
    int header_len = 0;
    uint16_t seq = 0;
    uint32_t ssrc = 0;
    uint32_t roc = 0;
    Stream* stream = nullptr;
  };
  Stream& StreamFor(uint32_t ssrc, uint16_t seq);
  // Parses the header of `data` and works out the packet's rollover counter.
  bool Locate(const uint8_t* data, int len, Packet* p);
  void Remember(const Packet& p);
  void Crypt(uint8_t* data, int header_len, int len, uint32_t ssrc, uint32_t roc, uint16_t seq);
  bool Tag(const uint8_t* data, int len, uint32_t roc, uint8_t out[20]);

  bool ok_ = false;
  uint8_t session_salt_[14] = {};
  EVP_CIPHER_CTX* aes_ = nullptr;
  EVP_MAC_CTX* hmac_ = nullptr;
  std::vector<Stream> streams_;  // a handful per transport
};

// SRTP sessions for one transport: SRTP_AES128_CM_SHA1_80. RTP goes through RtpCipher, RTCP
// (a few packets a second) through libsrtp2. Not thread-safe; the owner serialises each
// direction.
class SrtpSession {
 public:
  // Room a protected packet needs after its plaintext (auth tag, SRTCP index).
  static constexpr int kMaxTrailer = 16 + 128;

  static std::unique_ptr<SrtpSession> Create(const SrtpKeys& keys, std::string* error);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place; `data` must have kMaxTrailer spare bytes after `*len`.
  bool ProtectRtp(uint8_t* data, int* len);
  bool ProtectRtcp(uint8_t* data, int* len);
  bool UnprotectRtcp(uint8_t* data, int* len);
  bool UnprotectRtp(uint8_t* data, int* len);

 private:
  SrtpSession() = default;
  std::unique_ptr<RtpCipher> rtp_send_;
  std::unique_ptr<RtpCipher> rtp_recv_;
  ::srtp_ctx_t_* send_ = nullptr;
  ::srtp_ctx_t_* recv_ = nullptr;
};

}  // namespace mediagw
