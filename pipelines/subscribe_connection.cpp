#include "subscribe_connection.h"

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include <sstream>

#include "gstmediagwtransportsink.h"
#include "main_context.h"
#include "subscribe_answer.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_subscribe_debug);
#define GST_CAT_DEFAULT mediagw_subscribe_debug

namespace mediagw {
namespace {

// An IP literal as is; a host name resolved (IPv4 first). Empty when it does not resolve.
std::string ResolveHost(const std::string& host) {
  if (g_hostname_is_ip_address(host.c_str())) return host;
  GError* error = nullptr;
  GResolver* resolver = g_resolver_get_default();
  GList* addresses = g_resolver_lookup_by_name(resolver, host.c_str(), nullptr, &error);
  g_object_unref(resolver);
  std::string out;
  for (GList* l = addresses; l; l = l->next) {
    auto* a = G_INET_ADDRESS(l->data);
    if (out.empty() || g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4) {
      gchar* s = g_inet_address_to_string(a);
      out = s;
      g_free(s);
      if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4) break;
    }
  }
  g_resolver_free_addresses(addresses);
  if (error) {
    GST_WARNING("could not resolve %s: %s", host.c_str(), error->message);
    g_error_free(error);
  }
  return out;
}

}  // namespace

TransportConfig TransportConfigFromIce(const IceSettings& ice) {
  TransportConfig c;
  c.local_addresses = ice.local_addresses;
  c.min_port = ice.min_port;
  c.max_port = ice.max_port;
  if (!ice.stun_server.empty()) {
    GUri* uri = g_uri_parse(ice.stun_server.c_str(), G_URI_FLAGS_NONE, nullptr);
    if (uri && g_uri_get_host(uri)) {
      c.stun_host = ResolveHost(g_uri_get_host(uri));
      if (g_uri_get_port(uri) > 0) c.stun_port = static_cast<unsigned>(g_uri_get_port(uri));
    }
    if (uri) g_uri_unref(uri);
  }
  for (const auto& turn : ice.turn_servers) {
    GUri* uri = g_uri_parse(turn.c_str(), G_URI_FLAGS_HAS_PASSWORD, nullptr);
    if (!uri || !g_uri_get_host(uri)) {
      if (uri) g_uri_unref(uri);
      GST_WARNING("ignoring TURN server %s", turn.c_str());
      continue;
    }
    TransportConfig::Relay r;
    r.host = ResolveHost(g_uri_get_host(uri));
    if (g_uri_get_port(uri) > 0) r.port = static_cast<unsigned>(g_uri_get_port(uri));
    r.user = g_uri_get_user(uri) ? g_uri_get_user(uri) : "";
    r.password = g_uri_get_password(uri) ? g_uri_get_password(uri) : "";
    const char* query = g_uri_get_query(uri);
    // turns:// is TURN over TLS; turn://...?transport=tcp over TCP; plain turn:// over UDP.
    if (g_strcmp0(g_uri_get_scheme(uri), "turns") == 0) {
      r.transport = TransportConfig::Relay::Transport::kTls;
      if (g_uri_get_port(uri) <= 0) r.port = 5349;
    } else if (query && strstr(query, "transport=tcp")) {
      r.transport = TransportConfig::Relay::Transport::kTcp;
    }
    g_uri_unref(uri);
    if (!r.host.empty()) c.relays.push_back(r);
  }
  return c;
}

std::shared_ptr<SubscribeConnection> SubscribeConnection::Create(GstBin* pipeline,
                                                                 const std::string& name,
                                                                 const IceSettings& ice,
                                                                 GMainContext* main,
                                                                 Listener* listener) {
  std::shared_ptr<SubscribeConnection> c(
      new SubscribeConnection(pipeline, name + "-subscribe", main, listener));
  std::weak_ptr<SubscribeConnection> weak = c;
  MediaTransport::Callbacks callbacks;
  callbacks.on_local_candidate = [weak, main](const std::string& candidate) {
    PostToMain<SubscribeConnection>(main, weak, [candidate](SubscribeConnection& s) {
      s.OnLocalCandidate(candidate);
    });
  };
  callbacks.on_state = [weak, main](MediaTransport::State state, const std::string& detail) {
    PostToMain<SubscribeConnection>(main, weak, [state, detail](SubscribeConnection& s) {
      s.OnTransportState(state, detail);
    });
  };
  c->transport_ = MediaTransport::Create(TransportConfigFromIce(ice), std::move(callbacks));
  if (!c->transport_) {
    PostToMain<SubscribeConnection>(main, weak, [](SubscribeConnection& s) {
      s.listener_->OnSubscribeFailed("could not set up ICE");
    });
    return c;
  }
  c->transport_->StartGathering();
  return c;
}

SubscribeConnection::SubscribeConnection(GstBin* pipeline, std::string name, GMainContext* main,
                                         Listener* listener)
    : pipeline_(pipeline), name_(std::move(name)), main_(main), listener_(listener) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_subscribe_debug, "mediagw-subscribe", 0, "subscribe connections");
    g_once_init_leave(&once, 1);
  }
  session_id_ = (static_cast<guint64>(g_random_int()) << 31) ^ g_random_int();
}

SubscribeConnection::~SubscribeConnection() {
  for (auto& slot : slots_) UnlinkSlot(slot);
  if (transport_) transport_->Close();
}

void SubscribeConnection::AddTrack(const std::shared_ptr<PublishedTrack>& track,
                                   const std::string& participant_id) {
  for (const auto& s : slots_)
    if (s.track && s.track->id == track->id) return;
  Slot slot;
  slot.mid = std::to_string(slots_.size());
  slot.kind = track->kind;
  slot.track = track;
  slot.participant_id = participant_id;
  slot.ssrc = g_random_int();
  slot.payload_type = SubscriberPayloadType(*track);
  slot.caps = SubscriberCaps(*track, slot.ssrc);
  slots_.push_back(std::move(slot));
}

void SubscribeConnection::RemoveTrack(const std::string& track_id) {
  for (auto& s : slots_) {
    if (!s.track || s.track->id != track_id) continue;
    UnlinkSlot(s);
    s.track.reset();
  }
}

void SubscribeConnection::SetTrackMuted(const std::string& track_id, bool muted) {
  for (auto& s : slots_)
    if (s.track && s.track->id == track_id && s.forwarder_pad)
      g_object_set(s.forwarder_pad.get(), "muted", muted, NULL);
}

std::string SubscribeConnection::BuildOffer() const {
  std::ostringstream o;
  o << "v=0\r\no=- " << session_id_ << " " << version_ << " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  o << "a=group:BUNDLE";
  for (const auto& s : slots_) o << " " << s.mid;
  o << "\r\na=ice-options:trickle\r\na=msid-semantic: WMS *\r\n";
  const std::string cname = name_;
  for (size_t i = 0; i < slots_.size(); i++) {
    const Slot& s = slots_[i];
    // The codec lines (rtpmap, fmtp, rtcp-fb) come from the slot's caps.
    GstSDPMedia* media = nullptr;
    gst_sdp_media_new(&media);
    GUnique<GstSDPMedia> owned(media);
    GRef<GstCaps> caps = GRef<GstCaps>::Adopt(gst_caps_copy(s.caps.get()));
    gst_structure_remove_field(gst_caps_get_structure(caps.get(), 0), "ssrc");
    gst_sdp_media_set_media_from_caps(caps.get(), media);
    o << "m=" << (s.kind == MediaKind::kVideo ? "video" : "audio") << " 9 UDP/TLS/RTP/SAVPF "
      << s.payload_type << "\r\nc=IN IP4 0.0.0.0\r\n";
    o << "a=ice-ufrag:" << transport_->local_ufrag() << "\r\na=ice-pwd:" << transport_->local_pwd()
      << "\r\na=fingerprint:sha-256 " << MediaTransport::local_fingerprint()
      << "\r\na=setup:actpass\r\na=mid:" << s.mid << "\r\n";
    o << (s.track ? "a=sendonly\r\n" : "a=inactive\r\n") << "a=rtcp-mux\r\na=rtcp-rsize\r\n";
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, a);
      o << "a=" << attr->key;
      if (attr->value && *attr->value) o << ":" << attr->value;
      o << "\r\n";
    }
    if (s.track) {
      o << "a=ssrc:" << s.ssrc << " cname:" << cname << "\r\n";
      o << "a=ssrc:" << s.ssrc << " msid:" << s.participant_id << " " << s.track->id << "\r\n";
      o << "a=msid:" << s.participant_id << " " << s.track->id << "\r\n";
    }
    if (i == 0)
      for (const auto& c : transport_->local_candidates()) o << "a=" << c << "\r\n";
  }
  return o.str();
}

void SubscribeConnection::Negotiate() {
  if (state_ != State::kIdle) {
    renegotiate_ = true;
    return;
  }
  if (slots_.empty() || !transport_) return;  // nothing to offer yet
  renegotiate_ = false;
  version_++;
  std::string sdp = BuildOffer();
  offered_slots_ = slots_.size();
  state_ = State::kAwaitingAnswer;
  std::vector<OfferedTrack> offered;
  for (const auto& s : slots_)
    if (s.track) offered.push_back({s.mid, s.track->id, s.participant_id, s.kind});
  // Sent from the main loop, like every other event of a connection, never inside the caller.
  PostToMain<SubscribeConnection>(main_, weak_from_this(), [sdp, offered](SubscribeConnection& c) {
    c.offer_sent_ = true;
    c.listener_->OnSubscribeOffer(sdp, offered);
  });
}

void SubscribeConnection::HandleAnswer(const std::string& sdp, DoneCallback done) {
  if (state_ != State::kAwaitingAnswer) {
    done("no subscribe offer is waiting for an answer");
    return;
  }
  // The offer stays outstanding on any error: the client may answer again.
  std::vector<std::string> mids;
  for (size_t i = 0; i < offered_slots_; i++) mids.push_back(slots_[i].mid);
  std::string error;
  std::optional<SubscribeAnswer> answer = ReadSubscribeAnswer(sdp, mids, &error);
  if (!answer) {
    done(error);
    return;
  }
  if (answer->declined_all) {
    // No transport to set up.
    for (guint i = 0; i < offered_slots_; i++) {
      slots_[i].accepted = false;
      UnlinkSlot(slots_[i]);
    }
    state_ = State::kIdle;
    done("");
    if (renegotiate_) Negotiate();
    return;
  }
  transport_->SetRemote(answer->ufrag, answer->pwd, answer->fingerprint, answer->dtls_client);
  for (const auto& c : answer->candidates) transport_->AddRemoteCandidate(c);
  const std::vector<bool>& accepted = answer->accepted;
  const bool dtls_client = answer->dtls_client;
  for (guint i = 0; i < offered_slots_; i++) {
    slots_[i].accepted = accepted[i];
    if (!accepted[i]) UnlinkSlot(slots_[i]);
  }
  state_ = State::kIdle;
  GST_INFO("%s: answer applied (DTLS %s)", name_.c_str(), dtls_client ? "client" : "server");
  LinkReadySlots();
  done("");
  if (renegotiate_) Negotiate();
}

void SubscribeConnection::AddRemoteCandidate(unsigned, const std::string& candidate) {
  if (candidate.empty() || !transport_) return;  // end of candidates: nothing to do
  if (!transport_->AddRemoteCandidate(candidate))
    GST_INFO("%s: ignoring candidate %s", name_.c_str(), candidate.c_str());
}

void SubscribeConnection::OnLocalCandidate(const std::string& candidate) {
  // Candidates gathered before the first offer travel in it.
  if (offer_sent_) listener_->OnSubscribeCandidate(0, candidate);
}

void SubscribeConnection::OnTransportState(MediaTransport::State state, const std::string& detail) {
  if (state == MediaTransport::State::kConnected) {
    transport_ready_ = true;
    LinkReadySlots();
  } else if (state == MediaTransport::State::kFailed) {
    listener_->OnSubscribeFailed("ICE/DTLS failed: " + detail);
  }
}

void SubscribeConnection::LinkReadySlots() {
  if (!transport_ready_) return;
  for (auto& s : slots_)
    if (s.accepted) LinkSlot(s);
}

void SubscribeConnection::LinkSlot(Slot& slot) {
  if (slot.forwarder_pad || !slot.track) return;
  slot.sink = GRef<GstElement>::Ref(gst_element_factory_make("mediagwtransportsink", nullptr));
  TransportSinkSetTransport(slot.sink.get(), transport_);
  gst_bin_add(pipeline_, slot.sink.get());
  gst_element_sync_state_with_parent(slot.sink.get());
  auto sinkpad = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.sink.get(), "sink"));
  transport_->SetKeyframeTarget(slot.ssrc, sinkpad.get());
  slot.forwarder_pad =
      GRef<GstPad>::Adopt(gst_element_request_pad_simple(slot.track->forwarder.get(), "src_%u"));
  g_object_set(slot.forwarder_pad.get(), "ssrc", slot.ssrc, "payload-type", slot.payload_type,
               "muted", slot.track->muted, NULL);
  if (gst_pad_link_full(slot.forwarder_pad.get(), sinkpad.get(), GST_PAD_LINK_CHECK_NOTHING) !=
      GST_PAD_LINK_OK)
    GST_ERROR("%s: could not link %s", name_.c_str(), slot.track->id.c_str());
  GST_INFO("%s: linked %s (mid %s, ssrc %u)", name_.c_str(), slot.track->id.c_str(),
           slot.mid.c_str(), slot.ssrc);
}

void SubscribeConnection::UnlinkSlot(Slot& slot) {
  if (transport_) transport_->SetKeyframeTarget(slot.ssrc, nullptr);
  if (slot.forwarder_pad) {
    auto sinkpad = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.sink.get(), "sink"));
    ReleaseForwarderPad(slot.forwarder_pad.get(), sinkpad.get());
    slot.forwarder_pad.reset();
  }
  if (slot.sink) {
    gst_element_set_state(slot.sink.get(), GST_STATE_NULL);
    gst_bin_remove(pipeline_, slot.sink.get());
    slot.sink.reset();
  }
}

}  // namespace mediagw
