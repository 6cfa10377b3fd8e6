#include "media_transport.h"

#include <gst/video/video.h>
#include <nice/agent.h>

#include <algorithm>
#include <condition_variable>
#include <thread>
#include <cstring>

#include "rtcp_parse.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_transport_debug);
#define GST_CAT_DEFAULT mediagw_transport_debug

namespace mediagw {
namespace {

constexpr size_t kMaxRtp = 1500;

}  // namespace

// One I/O thread: a GMainContext running the libnice agents, DTLS and RTCP of the transports
// bound to it, and sending the RTP queued for them. A process has one per CPU (at most 8);
// transports are bound round-robin, each to one thread for its whole life, so its packets stay
// in order and its SRTP context is only ever used there.
struct IoThread {
  struct Pending {
    std::shared_ptr<MediaTransport> transport;
    GstBuffer* buffer;  // owned
  };

  GMainContext* context = nullptr;
  std::mutex mutex;
  std::vector<Pending> incoming;  // guarded by mutex
  std::vector<Pending> draining;  // this thread only

  IoThread() {
    context = g_main_context_new();
    incoming.reserve(1024);
    draining.reserve(1024);
    g_thread_new("mediagw-io", [](gpointer data) -> gpointer {
      auto* ctx = static_cast<GMainContext*>(data);
      g_main_context_push_thread_default(ctx);
      for (;;) g_main_context_iteration(ctx, TRUE);
      return nullptr;
    }, context);
  }

  // Any thread. A batch is drained by one dispatch, posted when the queue stops being empty.
  void Queue(std::shared_ptr<MediaTransport> transport, GstBuffer* buffer) {
    bool was_empty;
    {
      std::lock_guard lock(mutex);
      was_empty = incoming.empty();
      incoming.push_back({std::move(transport), buffer});
    }
    if (!was_empty) return;
    g_main_context_invoke_full(context, G_PRIORITY_HIGH, [](gpointer data) -> gboolean {
      static_cast<IoThread*>(data)->Drain();
      return G_SOURCE_REMOVE;
    }, this, nullptr);
  }

  void Drain() {
    {
      std::lock_guard lock(mutex);
      std::swap(incoming, draining);
    }
    guint8 packet[kMaxRtp + SrtpSession::kMaxTrailer];
    for (auto& p : draining) {
      gsize size = gst_buffer_get_size(p.buffer);
      if (size <= kMaxRtp) {
        gst_buffer_extract(p.buffer, 0, packet, size);
        p.transport->SendRtp(packet, size);
      }
      gst_buffer_unref(p.buffer);
    }
    draining.clear();  // drops the transport references too
  }
};

namespace {

IoThread* PickIoThread() {
  // Never destroyed (the threads run until the process ends), so never a static destructor that
  // would free them under a running thread.
  static const std::vector<IoThread*>* threads = [] {
    GST_DEBUG_CATEGORY_INIT(mediagw_transport_debug, "mediagw-transport", 0,
                            "mediagw subscriber transport");
    unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    auto* v = new std::vector<IoThread*>();
    for (unsigned i = 0; i < n; i++) v->push_back(new IoThread());
    return v;
  }();
  static std::atomic<unsigned> next{0};
  return (*threads)[next++ % threads->size()];
}

// Runs `fn` on the transport's I/O thread, keeping it alive until it has run.
void RunOnIo(std::shared_ptr<MediaTransport> self, std::function<void(MediaTransport&)> fn) {
  struct Call {
    std::shared_ptr<MediaTransport> self;
    std::function<void(MediaTransport&)> fn;
  };
  GMainContext* context = self->io_context();
  g_main_context_invoke_full(
      context, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        auto* call = static_cast<Call*>(data);
        call->fn(*call->self);
        return G_SOURCE_REMOVE;
      },
      new Call{std::move(self), std::move(fn)}, [](gpointer data) { delete static_cast<Call*>(data); });
}

}  // namespace

std::shared_ptr<MediaTransport> MediaTransport::Create(const TransportConfig& config,
                                                       Callbacks callbacks) {
  std::shared_ptr<MediaTransport> t(new MediaTransport(std::move(callbacks)));
  if (!t->Init(config)) return nullptr;
  return t;
}

MediaTransport::MediaTransport(Callbacks callbacks)
    : callbacks_(std::move(callbacks)), io_(PickIoThread()) {}

GMainContext* MediaTransport::io_context() const { return io_->context; }

void MediaTransport::QueueRtp(GstBuffer* buffer) { io_->Queue(shared_from_this(), buffer); }

bool MediaTransport::Init(const TransportConfig& config) {
  agent_ = nice_agent_new_full(io_->context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  // No UPnP port mapping: it costs a discovery per agent and a server never needs it.
  g_object_set(agent_, "controlling-mode", config.controlling, "ice-tcp", FALSE, "upnp", FALSE, NULL);
  if (!config.stun_host.empty())
    g_object_set(agent_, "stun-server", config.stun_host.c_str(), "stun-server-port",
                 config.stun_port, NULL);
  for (const auto& a : config.local_addresses) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (nice_address_set_from_string(&addr, a.c_str())) nice_agent_add_local_address(agent_, &addr);
  }
  stream_ = nice_agent_add_stream(agent_, 1);
  if (!stream_) return false;
  if (config.min_port || config.max_port)
    nice_agent_set_port_range(agent_, stream_, 1, config.min_port, config.max_port);
  for (const auto& r : config.relays)
    nice_agent_set_relay_info(agent_, stream_, 1, r.host.c_str(), r.port, r.user.c_str(),
                              r.password.c_str(),
                              r.transport == TransportConfig::Relay::Transport::kTls   ? NICE_RELAY_TYPE_TURN_TLS
                              : r.transport == TransportConfig::Relay::Transport::kTcp ? NICE_RELAY_TYPE_TURN_TCP
                                                                                       : NICE_RELAY_TYPE_TURN_UDP);
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  nice_agent_get_local_credentials(agent_, stream_, &ufrag, &pwd);
  ufrag_ = ufrag ? ufrag : "";
  pwd_ = pwd ? pwd : "";
  g_free(ufrag);
  g_free(pwd);
  g_signal_connect(agent_, "new-candidate-full", G_CALLBACK(OnNewCandidate), this);
  g_signal_connect(agent_, "component-state-changed", G_CALLBACK(OnComponentState), this);
  g_signal_connect(agent_, "new-selected-pair-full", G_CALLBACK(OnSelectedPair), this);
  nice_agent_attach_recv(agent_, stream_, 1, io_->context, OnRecv, this);
  return true;
}

MediaTransport::~MediaTransport() {
  if (agent_) {
    bool closed;
    {
      std::lock_guard lock(mutex_);
      closed = closed_;
    }
    // Close() quiets the agent on the I/O thread; without it, quiet it here as well as we can.
    if (!closed) Shutdown();
    g_object_unref(agent_);
  }
  for (auto& [ssrc, pad] : keyframe_targets_) gst_object_unref(pad);
  if (direct_socket_) g_object_unref(direct_socket_);
}

std::vector<std::string> MediaTransport::local_candidates() const {
  std::lock_guard lock(mutex_);
  return candidates_;
}

void MediaTransport::StartGathering() {
  if (!nice_agent_gather_candidates(agent_, stream_))
    SetState(State::kFailed, "ICE could not gather candidates");
}

void MediaTransport::SetRemote(const std::string& ufrag, const std::string& pwd,
                               const std::string& fingerprint, bool dtls_client) {
  {
    std::lock_guard lock(mutex_);
    if (remote_set_ || closed_) return;
    remote_set_ = true;
    dtls_client_ = dtls_client;
    remote_fingerprint_ = fingerprint;
  }
  nice_agent_set_remote_credentials(agent_, stream_, ufrag.c_str(), pwd.c_str());
  RunOnIo(shared_from_this(), [](MediaTransport& t) { t.StartDtls(); });
}

bool MediaTransport::AddRemoteCandidate(const std::string& candidate) {
  std::string line = candidate.rfind("a=", 0) == 0 ? candidate : "a=" + candidate;
  NiceCandidate* c = nice_agent_parse_remote_candidate_sdp(agent_, stream_, line.c_str());
  if (!c) return false;
  GSList list = {c, nullptr};
  int added = nice_agent_set_remote_candidates(agent_, stream_, 1, &list);
  nice_candidate_free(c);
  return added >= 0;
}

void MediaTransport::SetKeyframeTarget(uint32_t ssrc, GstPad* pad) {
  std::lock_guard lock(mutex_);
  auto it = keyframe_targets_.find(ssrc);
  if (it != keyframe_targets_.end()) {
    gst_object_unref(it->second);
    keyframe_targets_.erase(it);
  }
  if (pad) keyframe_targets_[ssrc] = GST_PAD(gst_object_ref(pad));
}

void MediaTransport::SendRtp(uint8_t* buf, size_t len) {
  if (len < 12 || len > kMaxRtp) return;
  int out = static_cast<int>(len);
  {
    std::lock_guard lock(send_mutex_);
    if (!srtp_ || send_closed_) return;
    if (!srtp_->ProtectRtp(buf, &out)) return;
    if (direct_socket_) {
      // Under the lock, so that Close() can never leave us writing to a closed descriptor.
      // A full socket buffer drops this packet for this subscriber only.
      sendto(g_socket_get_fd(direct_socket_), buf, static_cast<size_t>(out), MSG_DONTWAIT | MSG_NOSIGNAL,
             reinterpret_cast<const struct sockaddr*>(&direct_addr_), direct_addr_len_);
      return;
    }
  }
  nice_agent_send(agent_, stream_, 1, static_cast<guint>(out), reinterpret_cast<gchar*>(buf));
}

void MediaTransport::Close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  {
    std::lock_guard lock(send_mutex_);
    // Nothing is sent from here on; the session itself lives until the destructor.
    send_closed_ = true;
    if (direct_socket_) g_object_unref(direct_socket_);
    direct_socket_ = nullptr;
  }
  state_ = State::kClosed;
  RunOnIo(shared_from_this(), [](MediaTransport& t) { t.Shutdown(); });
}

void MediaTransport::CloseAndWait() {
  Close();
  struct Done {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  // The I/O thread runs one thing at a time, in order: once this has run, Shutdown has too.
  RunOnIo(shared_from_this(), [done](MediaTransport&) {
    std::lock_guard lock(done->mutex);
    done->done = true;
    done->cv.notify_all();
  });
  std::unique_lock lock(done->mutex);
  done->cv.wait(lock, [&] { return done->done; });
}

void MediaTransport::SetState(State state, const std::string& detail) {
  State old = state_.load();
  if (old == State::kClosed || old == State::kFailed || old == state) return;
  state_ = state;
  if (state == State::kFailed) GST_WARNING("transport %s failed: %s", ufrag_.c_str(), detail.c_str());
  if (callbacks_.on_state) callbacks_.on_state(state, detail);
}

/* ---- I/O thread ---- */

void MediaTransport::Shutdown() {
  if (dtls_timer_) {
    g_source_destroy(dtls_timer_);
    g_source_unref(dtls_timer_);
    dtls_timer_ = nullptr;
  }
  g_signal_handlers_disconnect_by_data(agent_, this);
  nice_agent_attach_recv(agent_, stream_, 1, io_->context, nullptr, nullptr);
  nice_agent_remove_stream(agent_, stream_);
  dtls_.reset();
}

void MediaTransport::StartDtls() {
  std::string fingerprint;
  bool client;
  bool connected;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || dtls_) return;
    fingerprint = remote_fingerprint_;
    client = dtls_client_;
    connected = ice_connected_;
  }
  dtls_ = std::make_unique<DtlsSession>(client, fingerprint, [this](const uint8_t* data, size_t len) {
    nice_agent_send(agent_, stream_, 1, static_cast<guint>(len), reinterpret_cast<const gchar*>(data));
  });
  // A DTLS client speaks first, once ICE can carry it; a server waits for the ClientHello.
  if (!client || connected) {
    dtls_started_ = true;
    HandleDtls(dtls_->Start());
  }
}

void MediaTransport::HandleDtls(DtlsSession::State state) {
  switch (state) {
    case DtlsSession::State::kHandshaking:
      ArmDtlsTimer();
      return;
    case DtlsSession::State::kConnected: {
      if (srtp_) return;  // a retransmitted flight after the handshake
      ArmDtlsTimer();
      std::string error;
      auto srtp = SrtpSession::Create(dtls_->keys(), &error);
      if (!srtp) {
        SetState(State::kFailed, error);
        return;
      }
      {
        std::lock_guard lock(mutex_);
        if (closed_) return;
      }
      {
        std::lock_guard lock(send_mutex_);
        srtp_ = std::move(srtp);
      }
      GST_INFO("transport %s: DTLS-SRTP up", ufrag_.c_str());
      SetState(State::kConnected, "");
      return;
    }
    case DtlsSession::State::kClosed:
      SetState(State::kFailed, "the peer closed DTLS");
      return;
    case DtlsSession::State::kFailed:
      SetState(State::kFailed, dtls_->error());
      return;
  }
}

void MediaTransport::ArmDtlsTimer() {
  if (dtls_timer_) {
    g_source_destroy(dtls_timer_);
    g_source_unref(dtls_timer_);
    dtls_timer_ = nullptr;
  }
  int ms = dtls_ ? dtls_->NextTimeoutMs() : -1;
  if (ms < 0) return;
  dtls_timer_ = g_timeout_source_new(static_cast<guint>(ms));
  g_source_set_callback(
      dtls_timer_,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<MediaTransport*>(data);
        g_source_unref(self->dtls_timer_);
        self->dtls_timer_ = nullptr;
        if (self->dtls_) self->HandleDtls(self->dtls_->HandleTimeout());
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(dtls_timer_, io_->context);
}

void MediaTransport::OnRecv(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer data) {
  auto* self = static_cast<MediaTransport*>(data);
  if (len < 1) return;
  auto* p = reinterpret_cast<const uint8_t*>(buf);
  switch (ClassifyPacket(p, len, kMaxRtp)) {
    case PacketClass::kDtls:
      if (self->dtls_) {
        self->dtls_started_ = true;
        self->HandleDtls(self->dtls_->Feed(p, len));
      }
      return;
    case PacketClass::kRtcp: {
      uint8_t copy[kMaxRtp];
      memcpy(copy, p, len);
      self->HandleRtcp(copy, static_cast<int>(len));
      return;
    }
    case PacketClass::kRtp: {
      if (!self->callbacks_.on_rtp) return;
      uint8_t copy[kMaxRtp];
      memcpy(copy, p, len);
      // srtp_ is only ever set on this thread (and freed by the destructor): no lock to read it.
      SrtpSession* srtp = self->srtp_.get();
      int n = static_cast<int>(len);
      if (srtp && srtp->UnprotectRtp(copy, &n))
        self->callbacks_.on_rtp(copy, static_cast<size_t>(n));
      return;
    }
    case PacketClass::kStun:  // libnice answers STUN itself
    case PacketClass::kOther:
      return;
  }
}

void MediaTransport::HandleRtcp(uint8_t* data, int len) {
  SrtpSession* srtp = srtp_.get();  // set on this thread only, freed by the destructor
  if (!srtp || !srtp->UnprotectRtcp(data, &len)) return;
  // Keyframe requests (PLI, FIR) go upstream; NACKs go unanswered.
  for (uint32_t ssrc : KeyframeRequests(data, static_cast<size_t>(len))) RequestKeyframe(ssrc);
}

void MediaTransport::RequestKeyframe(uint32_t ssrc) {
  GstPad* pad = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = keyframe_targets_.find(ssrc);
    if (it != keyframe_targets_.end()) pad = GST_PAD(gst_object_ref(it->second));
  }
  if (!pad) return;
  gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 0));
  gst_object_unref(pad);
}

void MediaTransport::OnNewCandidate(NiceAgent* agent, NiceCandidate* candidate, gpointer data) {
  auto* self = static_cast<MediaTransport*>(data);
  gchar* sdp = nice_agent_generate_local_candidate_sdp(agent, candidate);
  if (!sdp) return;
  std::string line = g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp;
  g_free(sdp);
  {
    std::lock_guard lock(self->mutex_);
    if (self->closed_) return;
    self->candidates_.push_back(line);
  }
  if (self->callbacks_.on_local_candidate) self->callbacks_.on_local_candidate(line);
}

void MediaTransport::OnComponentState(NiceAgent*, guint, guint, guint state, gpointer data) {
  auto* self = static_cast<MediaTransport*>(data);
  if (state == NICE_COMPONENT_STATE_FAILED) {
    self->SetState(State::kFailed, "ICE failed");
    return;
  }
  if (state != NICE_COMPONENT_STATE_CONNECTED && state != NICE_COMPONENT_STATE_READY) return;
  {
    std::lock_guard lock(self->mutex_);
    if (self->ice_connected_ || self->closed_) return;
    self->ice_connected_ = true;
  }
  GST_INFO("transport %s: ICE connected", self->ufrag_.c_str());
  self->UpdateDirectPath();
  // This may run on whichever thread made libnice change state; DTLS lives on the I/O thread.
  RunOnIo(self->shared_from_this(), [](MediaTransport& t) {
    if (t.dtls_ && !t.dtls_started_) {
      t.dtls_started_ = true;
      t.HandleDtls(t.dtls_->Start());
    }
  });
}

void MediaTransport::OnSelectedPair(NiceAgent*, guint, guint, NiceCandidate*, NiceCandidate*,
                                    gpointer data) {
  static_cast<MediaTransport*>(data)->UpdateDirectPath();
}

void MediaTransport::UpdateDirectPath() {
  GSocket* socket = nice_agent_get_selected_socket(agent_, stream_, 1);  // null when relayed
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  struct sockaddr_storage addr = {};
  unsigned addr_len = 0;
  if (socket && nice_agent_get_selected_pair(agent_, stream_, 1, &local, &remote) && remote &&
      local && local->type != NICE_CANDIDATE_TYPE_RELAYED) {
    nice_address_copy_to_sockaddr(&remote->addr, reinterpret_cast<struct sockaddr*>(&addr));
    addr_len = addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  } else if (socket) {
    g_object_unref(socket);
    socket = nullptr;
  }
  std::lock_guard lock(send_mutex_);
  if (direct_socket_) g_object_unref(direct_socket_);
  direct_socket_ = send_closed_ ? nullptr : socket;
  if (send_closed_ && socket) g_object_unref(socket);
  direct_addr_ = addr;
  direct_addr_len_ = addr_len;
  GST_INFO("transport %s: sending %s", ufrag_.c_str(), direct_socket_ ? "directly" : "through libnice");
}

}  // namespace mediagw
