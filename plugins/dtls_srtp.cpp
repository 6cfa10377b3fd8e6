#include "dtls_srtp.h"

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <mutex>

namespace mediagw {
namespace {

constexpr int kMtu = 1200;
constexpr const char* kSrtpProfile = "SRTP_AES128_CM_SHA1_80";
constexpr int kKeyLen = 16;
constexpr int kSaltLen = 14;

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// A write-only BIO that hands every record OpenSSL writes to the session's SendFn as one datagram
// (a memory BIO would run datagrams together).
struct DatagramBio {
  static BIO_METHOD* Method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mediagw datagram");
      BIO_meth_set_write(m, [](BIO* b, const char* data, int len) -> int {
        auto* send = static_cast<DtlsSession::SendFn*>(BIO_get_data(b));
        if (send && len > 0) (*send)(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len));
        return len;
      });
      BIO_meth_set_ctrl(m, [](BIO*, int cmd, long, void*) -> long {
        switch (cmd) {
          case BIO_CTRL_FLUSH: return 1;
          case BIO_CTRL_DGRAM_QUERY_MTU: return kMtu;
          case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 0;
          case BIO_CTRL_WPENDING:
          case BIO_CTRL_PENDING: return 0;
          default: return 0;
        }
      });
      BIO_meth_set_create(m, [](BIO* b) -> int {
        BIO_set_init(b, 1);
        return 1;
      });
      return m;
    }();
    return method;
  }
};

const EVP_MD* DigestByName(const std::string& name) {
  std::string n = name;
  for (auto& c : n) c = static_cast<char>(g_ascii_tolower(c));
  if (n == "sha-256") return EVP_sha256();
  if (n == "sha-1") return EVP_sha1();
  if (n == "sha-384") return EVP_sha384();
  if (n == "sha-512") return EVP_sha512();
  return nullptr;
}

void InitSrtpOnce() {
  static std::once_flag once;
  std::call_once(once, [] { srtp_init(); });
}

}  // namespace

std::string FormatFingerprint(const unsigned char* digest, unsigned len) {
  std::string out;
  char hex[4];
  for (unsigned i = 0; i < len; i++) {
    g_snprintf(hex, sizeof hex, i ? ":%02X" : "%02X", digest[i]);
    out += hex;
  }
  return out;
}

const DtlsCertificate& DtlsCertificate::Get() {
  static const DtlsCertificate* instance = new DtlsCertificate();
  return *instance;
}

DtlsCertificate::DtlsCertificate() {
  key_ = EVP_EC_gen("prime256v1");
  cert_ = X509_new();
  X509_set_version(cert_, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert_), static_cast<long>(g_random_int() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert_), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert_), 30L * 24 * 3600);
  X509_set_pubkey(cert_, key_);
  X509_NAME* name = X509_get_subject_name(cert_);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mediagw"),
                             -1, -1, 0);
  X509_set_issuer_name(cert_, name);
  if (!X509_sign(cert_, key_, EVP_sha256())) g_error("mediagw: could not sign the DTLS certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_len = 0;
  X509_digest(cert_, EVP_sha256(), md, &md_len);
  fingerprint_ = FormatFingerprint(md, md_len);
}

/* ---- DtlsSession ---- */

DtlsSession::DtlsSession(bool client, std::string remote_fingerprint, SendFn send)
    : client_(client), remote_fingerprint_(std::move(remote_fingerprint)), send_(std::move(send)) {
  const DtlsCertificate& cert = DtlsCertificate::Get();
  ctx_ = SSL_CTX_new(DTLS_method());
  SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION);
  SSL_CTX_use_certificate(ctx_, cert.cert());
  SSL_CTX_use_PrivateKey(ctx_, cert.key());
  // Any certificate is accepted during the handshake; it is checked against the SDP fingerprint
  // once the handshake is done.
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     [](int, X509_STORE_CTX*) { return 1; });
  SSL_CTX_set_tlsext_use_srtp(ctx_, kSrtpProfile);  // 0 on success
  ssl_ = SSL_new(ctx_);
  SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_, kMtu);
  rbio_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio_, -1);
  BIO* wbio = BIO_new(DatagramBio::Method());
  BIO_set_data(wbio, &send_);
  SSL_set_bio(ssl_, rbio_, wbio);
  if (client_)
    SSL_set_connect_state(ssl_);
  else
    SSL_set_accept_state(ssl_);
}

DtlsSession::~DtlsSession() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
}

DtlsSession::State DtlsSession::Fail(const std::string& why) {
  if (state_ != State::kFailed) error_ = why;
  state_ = State::kFailed;
  return state_;
}

DtlsSession::State DtlsSession::Start() { return client_ ? Advance() : state_; }

DtlsSession::State DtlsSession::Feed(const uint8_t* data, size_t len) {
  if (state_ == State::kFailed || state_ == State::kClosed) return state_;
  BIO_write(rbio_, data, static_cast<int>(len));
  if (state_ == State::kHandshaking) return Advance();
  // After the handshake: alerts (close_notify) or a retransmitted final flight of the peer.
  unsigned char scratch[2048];
  int n = SSL_read(ssl_, scratch, sizeof scratch);
  if (n <= 0) {
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_ZERO_RETURN) state_ = State::kClosed;
    ERR_clear_error();
  }
  return state_;
}

DtlsSession::State DtlsSession::HandleTimeout() {
  if (state_ == State::kHandshaking && DTLSv1_handle_timeout(ssl_) < 0)
    return Fail("DTLS retransmission failed: " + OpenSslError());
  return state_;
}

int DtlsSession::NextTimeoutMs() const {
  struct timeval tv = {};
  if (state_ != State::kHandshaking || !DTLSv1_get_timeout(ssl_, &tv)) return -1;
  return static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

DtlsSession::State DtlsSession::Advance() {
  int r = SSL_do_handshake(ssl_);
  if (r != 1) {
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
    return Fail("DTLS handshake failed: " + OpenSslError());
  }
  if (!VerifyPeer()) return state_;
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_);
  if (!profile || strcmp(profile->name, kSrtpProfile) != 0)
    return Fail("the peer did not agree to SRTP_AES128_CM_SHA1_80");
  unsigned char material[2 * (kKeyLen + kSaltLen)];
  static const char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_, material, sizeof material, kLabel, sizeof kLabel - 1, nullptr,
                                 0, 0) != 1)
    return Fail("could not export the SRTP keys: " + OpenSslError());
  // RFC 5764 4.2: client key, server key, client salt, server salt.
  const unsigned char* client_key = material;
  const unsigned char* server_key = material + kKeyLen;
  const unsigned char* client_salt = material + 2 * kKeyLen;
  const unsigned char* server_salt = material + 2 * kKeyLen + kSaltLen;
  auto key = [](const unsigned char* k, const unsigned char* s) {
    std::vector<uint8_t> v(k, k + kKeyLen);
    v.insert(v.end(), s, s + kSaltLen);
    return v;
  };
  keys_.local = client_ ? key(client_key, client_salt) : key(server_key, server_salt);
  keys_.remote = client_ ? key(server_key, server_salt) : key(client_key, client_salt);
  OPENSSL_cleanse(material, sizeof material);
  state_ = State::kConnected;
  return state_;
}

bool DtlsSession::VerifyPeer() {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (!peer) {
    Fail("the peer presented no certificate");
    return false;
  }
  std::string algorithm = "sha-256";
  std::string expected = remote_fingerprint_;
  if (auto space = expected.find(' '); space != std::string::npos) {
    algorithm = expected.substr(0, space);
    expected = expected.substr(space + 1);
  }
  const EVP_MD* md = DigestByName(algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  bool ok = md && X509_digest(peer, md, digest, &len) == 1 &&
            g_ascii_strcasecmp(FormatFingerprint(digest, len).c_str(), expected.c_str()) == 0;
  X509_free(peer);
  if (!ok) Fail("the peer's certificate does not match the fingerprint in its SDP");
  return ok;
}

/* ---- RtpCipher ---- */

namespace {
// The RTP header's length (fixed part, CSRCs, extension), or -1 if it does not fit in `len`.
int RtpHeaderLength(const uint8_t* d, int len) {
  if (len < 12 || (d[0] >> 6) != 2) return -1;
  int h = 12 + 4 * (d[0] & 0x0f);
  if (d[0] & 0x10) {
    if (h + 4 > len) return -1;
    h += 4 + 4 * ((d[h + 2] << 8) | d[h + 3]);
  }
  return h <= len ? h : -1;
}
}  // namespace


RtpCipher::RtpCipher(const std::vector<uint8_t>& master) {
  if (master.size() != kKeyLen + kSaltLen) return;
  const uint8_t* master_key = master.data();
  const uint8_t* master_salt = master.data() + kKeyLen;
  // RFC 3711 4.3.1 with a key derivation rate of 0: each session key is the AES-CM keystream of
  // the master key with IV = (master salt XOR label << 48) * 2^16.
  aes_ = EVP_CIPHER_CTX_new();
  auto derive = [&](uint8_t label, uint8_t* out, int n) {
    uint8_t iv[16] = {};
    memcpy(iv, master_salt, kSaltLen);
    iv[7] ^= label;
    uint8_t zeros[32] = {};
    int outl = 0;
    return EVP_EncryptInit_ex(aes_, EVP_aes_128_ctr(), nullptr, master_key, iv) == 1 &&
           EVP_EncryptUpdate(aes_, out, &outl, zeros, n) == 1;
  };
  uint8_t cipher_key[16];
  uint8_t auth_key[20];
  if (!derive(0, cipher_key, 16) || !derive(1, auth_key, 20) || !derive(2, session_salt_, 14)) return;
  if (EVP_EncryptInit_ex(aes_, EVP_aes_128_ctr(), nullptr, cipher_key, nullptr) != 1) return;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return;
  hmac_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  ok_ = hmac_ && EVP_MAC_init(hmac_, auth_key, sizeof auth_key, params) == 1;
  OPENSSL_cleanse(cipher_key, sizeof cipher_key);
  OPENSSL_cleanse(auth_key, sizeof auth_key);
}

RtpCipher::~RtpCipher() {
  if (aes_) EVP_CIPHER_CTX_free(aes_);
  if (hmac_) EVP_MAC_CTX_free(hmac_);
}

RtpCipher::Stream& RtpCipher::StreamFor(uint32_t ssrc, uint16_t seq) {
  for (auto& st : streams_)
    if (st.ssrc == ssrc) return st;
  streams_.push_back({ssrc, 0, seq});
  return streams_.back();
}

bool RtpCipher::Locate(const uint8_t* data, int len, Packet* p) {
  p->header_len = RtpHeaderLength(data, len);
  if (!ok_ || p->header_len < 0) return false;
  p->seq = static_cast<uint16_t>((data[2] << 8) | data[3]);
  p->ssrc = ReadBe32(data + 8);
  p->stream = &StreamFor(p->ssrc, p->seq);
  // RFC 3711 3.3.1: the rollover counter, guessed from the highest sequence number seen (a new
  // stream starts at this packet with 0).
  const Stream& st = *p->stream;
  p->roc = st.roc;
  if (st.highest < 32768) {
    if (p->seq > st.highest + 32768u && st.roc > 0) p->roc--;
  } else if (p->seq < st.highest - 32768u) {
    p->roc++;
  }
  return true;
}

void RtpCipher::Remember(const Packet& p) {
  Stream& st = *p.stream;
  if (p.roc > st.roc || (p.roc == st.roc && p.seq > st.highest)) {
    st.roc = p.roc;
    st.highest = p.seq;
  }
}

void RtpCipher::Crypt(uint8_t* data, int header_len, int len, uint32_t ssrc, uint32_t roc,
                      uint16_t seq) {
  // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), index = ROC * 2^16 + SEQ.
  uint8_t iv[16] = {};
  memcpy(iv, session_salt_, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  uint64_t index = (static_cast<uint64_t>(roc) << 16) | seq;
  for (int i = 0; i < 6; i++) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
  int outl = 0;
  EVP_EncryptInit_ex(aes_, nullptr, nullptr, nullptr, iv);
  EVP_EncryptUpdate(aes_, data + header_len, &outl, data + header_len, len - header_len);
}

bool RtpCipher::Tag(const uint8_t* data, int len, uint32_t roc, uint8_t out[20]) {
  uint8_t roc_bytes[4] = {static_cast<uint8_t>(roc >> 24), static_cast<uint8_t>(roc >> 16),
                          static_cast<uint8_t>(roc >> 8), static_cast<uint8_t>(roc)};
  size_t outl = 0;
  return EVP_MAC_init(hmac_, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(hmac_, data, static_cast<size_t>(len)) == 1 &&
         EVP_MAC_update(hmac_, roc_bytes, 4) == 1 && EVP_MAC_final(hmac_, out, &outl, 20) == 1;
}


bool RtpCipher::Protect(uint8_t* data, int* len) {
  Packet p;
  if (!Locate(data, *len, &p)) return false;
  Crypt(data, p.header_len, *len, p.ssrc, p.roc, p.seq);
  uint8_t tag[20];
  if (!Tag(data, *len, p.roc, tag)) return false;
  memcpy(data + *len, tag, kTagLen);
  *len += kTagLen;
  Remember(p);
  return true;
}

bool RtpCipher::Unprotect(uint8_t* data, int* len) {
  int body = *len - kTagLen;
  Packet p;
  if (!Locate(data, body, &p)) return false;
  uint8_t tag[20];
  if (!Tag(data, body, p.roc, tag) || CRYPTO_memcmp(tag, data + body, kTagLen) != 0) return false;
  Crypt(data, p.header_len, body, p.ssrc, p.roc, p.seq);
  Remember(p);
  *len = body;
  return true;
}

/* ---- SrtpSession ---- */

std::unique_ptr<SrtpSession> SrtpSession::Create(const SrtpKeys& keys, std::string* error) {
  InitSrtpOnce();
  std::unique_ptr<SrtpSession> s(new SrtpSession());
  auto make = [&](const std::vector<uint8_t>& key, bool outbound, srtp_t* out) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = const_cast<unsigned char*>(key.data());
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    srtp_err_status_t status = srtp_create(out, &policy);
    if (status != srtp_err_status_ok) {
      *error = "srtp_create failed (" + std::to_string(status) + ")";
      return false;
    }
    return true;
  };
  if (keys.local.size() != kKeyLen + kSaltLen || keys.remote.size() != kKeyLen + kSaltLen) {
    *error = "SRTP keys have the wrong length";
    return nullptr;
  }
  if (!make(keys.local, true, &s->send_) || !make(keys.remote, false, &s->recv_)) return nullptr;
  s->rtp_send_ = std::make_unique<RtpCipher>(keys.local);
  s->rtp_recv_ = std::make_unique<RtpCipher>(keys.remote);
  return s;
}

SrtpSession::~SrtpSession() {
  if (send_) srtp_dealloc(send_);
  if (recv_) srtp_dealloc(recv_);
}

bool SrtpSession::ProtectRtp(uint8_t* data, int* len) { return rtp_send_->Protect(data, len); }

bool SrtpSession::ProtectRtcp(uint8_t* data, int* len) {
  return srtp_protect_rtcp(send_, data, len) == srtp_err_status_ok;
}

bool SrtpSession::UnprotectRtcp(uint8_t* data, int* len) {
  return srtp_unprotect_rtcp(recv_, data, len) == srtp_err_status_ok;
}

bool SrtpSession::UnprotectRtp(uint8_t* data, int* len) { return rtp_recv_->Unprotect(data, len); }

}  // namespace mediagw
