// MediaTransport: one subscriber's ICE + DTLS-SRTP transport, without webrtcbin.
//
// Why: forwarding to a subscriber through a whole webrtcbin costs about a dozen elements, a queue
// thread hand-off and an RTP session's bookkeeping per packet. An SFU only needs, per packet and
// subscriber, one SRTP protect and one send; this class is that, plus what sets it up: a libnice
// agent (full ICE, controlling: the gateway offers), a DTLS handshake of our own (DtlsSession) and
// the SRTP keys it yields, and the parsing of the subscriber's RTCP for keyframe requests.
//
// The same class receives, for mediagw-load's light subscribers (Callbacks::on_rtp).
//
// Threads: a process has a few I/O threads (one per CPU, each its own GMainContext); a transport
// lives on one of them: its agent, DTLS, incoming RTCP and the sending of what QueueRtp() queued
// (from the forwarder's streaming thread) all happen there. Callbacks run on the I/O thread or on
// the calling thread; their owner marshals them where it needs them.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dtls_srtp.h"

struct _NiceAgent;
struct _NiceCandidate;

namespace mediagw {

struct IoThread;

struct TransportConfig {
  struct Relay {
    std::string host;  // an IP address
    unsigned port = 3478;
    std::string user;
    std::string password;
    enum class Transport { kUdp, kTcp, kTls } transport = Transport::kUdp;
  };
  std::string stun_host;  // an IP address, empty for none
  unsigned stun_port = 3478;
  std::vector<Relay> relays;
  std::vector<std::string> local_addresses;  // empty: libnice's default
  unsigned min_port = 0;
  unsigned max_port = 0;
  // The offerer controls ICE (the gateway's subscribe connections); an answerer does not.
  bool controlling = true;
};

class MediaTransport : public std::enable_shared_from_this<MediaTransport> {
 public:
  enum class State { kNew, kConnected, kFailed, kClosed };
  struct Callbacks {
    // A local candidate as an SDP attribute value ("candidate:..."), once gathered.
    std::function<void(const std::string& candidate)> on_local_candidate;
    // kConnected once ICE and DTLS are up and SRTP is keyed; kFailed with the reason.
    std::function<void(State state, const std::string& detail)> on_state;
    // Incoming RTP, decrypted, on the I/O thread (receivers only: the gateway sends).
    std::function<void(const uint8_t* data, size_t len)> on_rtp;
  };

  static std::shared_ptr<MediaTransport> Create(const TransportConfig& config, Callbacks callbacks);
  ~MediaTransport();
  MediaTransport(const MediaTransport&) = delete;
  MediaTransport& operator=(const MediaTransport&) = delete;

  const std::string& local_ufrag() const { return ufrag_; }
  const std::string& local_pwd() const { return pwd_; }
  static const std::string& local_fingerprint() { return DtlsCertificate::Get().fingerprint(); }
  // Candidates gathered so far, as SDP attribute values.
  std::vector<std::string> local_candidates() const;

  void StartGathering();
  // From the peer's SDP; only the first call counts (no ICE restart).
  void SetRemote(const std::string& ufrag, const std::string& pwd, const std::string& fingerprint,
                 bool dtls_client);
  // "candidate:..." as trickled; false when it does not parse (e.g. an mDNS name).
  bool AddRemoteCandidate(const std::string& candidate);
  // Keyframe requests (PLI, FIR) from the peer for `ssrc` go upstream from `pad` as a
  // GstForceKeyUnit event. A null pad forgets the SSRC.
  void SetKeyframeTarget(uint32_t ssrc, GstPad* pad);
  // Protects one RTP packet in place and sends it; `data` must have SrtpSession::kMaxTrailer
  // spare bytes after `len`. Drops it until connected and after Close().
  void SendRtp(uint8_t* data, size_t len);
  // Queues one RTP packet (transfer full) for the transport's I/O thread to protect and send:
  // any thread may call it and returns at once, so one slow subscriber never holds the others.
  void QueueRtp(GstBuffer* buffer);
  GMainContext* io_context() const;
  // Stops everything; callbacks end. Call before letting go of the transport.
  void Close();
  // Close(), then waits until no callback runs or will run (not from a callback).
  void CloseAndWait();


 private:
  MediaTransport(Callbacks callbacks);
  bool Init(const TransportConfig& config);
  void SetState(State state, const std::string& detail);

  // On the I/O thread.
  void StartDtls();
  void HandleDtls(DtlsSession::State state);
  void ArmDtlsTimer();
  void HandleRtcp(uint8_t* data, int len);
  void RequestKeyframe(uint32_t ssrc);
  void Shutdown();

  static void OnRecv(_NiceAgent*, unsigned, unsigned, unsigned len, char* buf, void* data);
  static void OnNewCandidate(_NiceAgent*, _NiceCandidate* candidate, void* data);
  static void OnComponentState(_NiceAgent*, unsigned, unsigned, unsigned state, void* data);
  static void OnSelectedPair(_NiceAgent*, unsigned, unsigned, _NiceCandidate*, _NiceCandidate*,
                             void* data);
  // Caches the selected pair's socket and peer address so that SendRtp can bypass libnice.
  void UpdateDirectPath();

  Callbacks callbacks_;
  IoThread* const io_;  // the I/O thread this transport lives on
  _NiceAgent* agent_ = nullptr;  // owned; destroyed in the destructor
  unsigned stream_ = 0;
  std::string ufrag_;
  std::string pwd_;
  std::atomic<State> state_{State::kNew};

  mutable std::mutex mutex_;  // guards what follows
  std::vector<std::string> candidates_;
  bool remote_set_ = false;
  bool dtls_client_ = false;
  std::string remote_fingerprint_;
  bool closed_ = false;
  bool ice_connected_ = false;
  std::map<uint32_t, GstPad*> keyframe_targets_;  // each holds a ref

  // I/O thread only.
  std::unique_ptr<DtlsSession> dtls_;
  GSource* dtls_timer_ = nullptr;
  bool dtls_started_ = false;

  // The SRTP session is set once (I/O thread, under send_mutex_) and lives until the destructor.
  std::mutex send_mutex_;
  std::unique_ptr<SrtpSession> srtp_;
  bool send_closed_ = false;
  // The selected pair's UDP socket (a ref) and the peer's address: packets are sent with one
  // sendto() and no libnice lock. Null when the pair is relayed (then libnice sends).
  GSocket* direct_socket_ = nullptr;
  struct sockaddr_storage direct_addr_ = {};
  unsigned direct_addr_len_ = 0;

};

}  // namespace mediagw
