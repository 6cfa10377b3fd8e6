#include "subscribe_connection.h"

#include <gst/sdp/sdp.h>

#include <map>

GST_DEBUG_CATEGORY_STATIC(mediagw_subscribe_debug);
#define GST_CAT_DEFAULT mediagw_subscribe_debug

namespace mediagw {
namespace {

std::map<guint32, std::string> MidsBySsrc(const std::string& sdp) {
  std::map<guint32, std::string> out;
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &raw);
  GUnique<GstSDPMessage> msg(raw);
  if (!msg) return out;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    for (guint a = 0; mid && a < gst_sdp_media_attributes_len(m); a++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(m, a);
      if (g_strcmp0(attr->key, "ssrc") == 0 && attr->value)
        out[static_cast<guint32>(g_ascii_strtoull(attr->value, nullptr, 10))] = mid;
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<SubscribeConnection> SubscribeConnection::Create(GstBin* pipeline,
                                                                 const std::string& name,
                                                                 const IceSettings& ice,
                                                                 GMainContext* main,
                                                                 Listener* listener) {
  std::shared_ptr<SubscribeConnection> c(new SubscribeConnection(pipeline, name, ice, main, listener));
  c->Start();
  return c;
}

SubscribeConnection::SubscribeConnection(GstBin* pipeline, const std::string& name,
                                         const IceSettings& ice, GMainContext* main,
                                         Listener* listener)
    : WebRtcEndpoint(pipeline, name + "-subscribe", ice, main), listener_(listener) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_subscribe_debug, "mediagw-subscribe", 0, "subscribe connections");
    g_once_init_leave(&once, 1);
  }
}

SubscribeConnection::~SubscribeConnection() {
  for (auto& slot : slots_) UnlinkSlot(slot);
}

void SubscribeConnection::AddTrack(const std::shared_ptr<PublishedTrack>& track,
                                   const std::string& participant_id) {
  for (const auto& s : slots_)
    if (s.track && s.track->id == track->id) return;
  Slot slot;
  slot.kind = track->kind;
  slot.track = track;
  slot.participant_id = participant_id;
  slot.ssrc = g_random_int();
  slot.sinkpad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(webrtcbin(), "sink_%u"));
  if (!slot.sinkpad) {
    listener_->OnSubscribeFailed("webrtcbin gave no sink pad");
    return;
  }
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(slot.sinkpad.get(), "transceiver", &trans, NULL);
  slot.transceiver = GRef<GstWebRTCRTPTransceiver>::Adopt(trans);
  auto caps = SubscriberCaps(*track, slot.ssrc);
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
               "codec-preferences", caps.get(), NULL);
  slots_.push_back(std::move(slot));
}

void SubscribeConnection::RemoveTrack(const std::string& track_id) {
  for (auto& s : slots_) {
    if (!s.track || s.track->id != track_id) continue;
    UnlinkSlot(s);
    s.track.reset();
    g_object_set(s.transceiver.get(), "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE,
                 NULL);
  }
}

void SubscribeConnection::SetTrackMuted(const std::string& track_id, bool muted) {
  for (auto& s : slots_)
    if (s.track && s.track->id == track_id && s.forwarder_pad)
      g_object_set(s.forwarder_pad.get(), "muted", muted, NULL);
}

void SubscribeConnection::LinkSlot(Slot& slot) {
  if (slot.forwarder_pad || !slot.track) return;
  GstElement* forwarder = slot.track->forwarder.get();
  slot.queue = GRef<GstElement>::Ref(gst_element_factory_make("queue", nullptr));
  // Leaky, so a subscriber that cannot keep up loses its own packets and never holds the others.
  g_object_set(slot.queue.get(), "leaky", 2, "max-size-buffers", 300u, "max-size-bytes", 0u,
               "max-size-time", guint64(0), "silent", TRUE, NULL);
  gst_bin_add(pipeline(), slot.queue.get());
  slot.forwarder_pad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(forwarder, "src_%u"));
  g_object_set(slot.forwarder_pad.get(), "ssrc", slot.ssrc, "payload-type",
               SubscriberPayloadType(*slot.track), "muted", slot.track->muted, NULL);
  auto qsink = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.queue.get(), "sink"));
  auto qsrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.queue.get(), "src"));
  // Caps are the forwarder's to set (per subscriber, with its first packet), so the links are
  // not checked against what each side would accept before any media flowed.
  if (gst_pad_link_full(qsrc.get(), slot.sinkpad.get(), GST_PAD_LINK_CHECK_NOTHING) != GST_PAD_LINK_OK ||
      gst_pad_link_full(slot.forwarder_pad.get(), qsink.get(), GST_PAD_LINK_CHECK_NOTHING) !=
          GST_PAD_LINK_OK) {
    GST_ERROR("%s: could not link %s", name().c_str(), slot.track->id.c_str());
  }
  gst_element_sync_state_with_parent(slot.queue.get());
  GstCaps* prefs = nullptr;
  g_object_get(slot.transceiver.get(), "codec-preferences", &prefs, NULL);
  GST_INFO("%s: linked %s ssrc %u prefs %" GST_PTR_FORMAT, name().c_str(), slot.track->id.c_str(),
           slot.ssrc, prefs);
  if (prefs) gst_caps_unref(prefs);
}

void SubscribeConnection::UnlinkSlot(Slot& slot) {
  if (slot.forwarder_pad) {
    GstElement* forwarder = slot.track ? slot.track->forwarder.get() : nullptr;
    if (!forwarder)
      forwarder = GST_ELEMENT(gst_pad_get_parent_element(slot.forwarder_pad.get()));
    else
      gst_object_ref(forwarder);
    auto forwarder_ref = GRef<GstElement>::Adopt(forwarder);
    auto qsink = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.queue.get(), "sink"));
    gst_pad_unlink(slot.forwarder_pad.get(), qsink.get());
    if (forwarder) gst_element_release_request_pad(forwarder, slot.forwarder_pad.get());
    slot.forwarder_pad.reset();
  }
  if (slot.queue) {
    gst_element_set_state(slot.queue.get(), GST_STATE_NULL);
    auto qsrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(slot.queue.get(), "src"));
    gst_pad_unlink(qsrc.get(), slot.sinkpad.get());
    gst_bin_remove(pipeline(), slot.queue.get());
    slot.queue.reset();
  }
}

void SubscribeConnection::Negotiate() {
  if (state_ != State::kIdle) {
    renegotiate_ = true;
    return;
  }
  if (slots_.empty()) return;  // nothing to offer yet
  state_ = State::kCreatingOffer;
  renegotiate_ = false;
  std::weak_ptr<WebRtcEndpoint> weak = weak_from_this();
  CreateLocalDescription(true, [this, weak](const std::string& sdp, const std::string& error) {
    if (weak.expired()) return;
    if (!error.empty()) {
      state_ = State::kIdle;
      listener_->OnSubscribeFailed("could not make an offer: " + error);
      return;
    }
    state_ = State::kAwaitingAnswer;
    // webrtcbin 1.22 names a new transceiver's mid only once the answer is in, so each track's
    // mid is read from the offer itself, by the SSRC its m-line announces.
    std::map<guint32, std::string> mids = MidsBySsrc(sdp);
    std::vector<OfferedTrack> offered;
    for (const auto& s : slots_) {
      if (!s.track) continue;
      offered.push_back({mids[s.ssrc], s.track->id, s.participant_id, s.kind});
    }
    listener_->OnSubscribeOffer(sdp, offered);
  });
}

void SubscribeConnection::HandleAnswer(const std::string& sdp, DoneCallback done) {
  if (state_ != State::kAwaitingAnswer) {
    done("no subscribe offer is waiting for an answer");
    return;
  }
  std::weak_ptr<WebRtcEndpoint> weak = weak_from_this();
  SetRemoteDescription(GST_WEBRTC_SDP_TYPE_ANSWER, sdp, [this, weak, done](const std::string& error) {
    if (weak.expired()) return;
    if (!error.empty()) {
      // The offer stays outstanding: the client may answer again.
      done(error);
      return;
    }
    state_ = State::kIdle;
    for (auto& s : slots_) LinkSlot(s);
    done("");
    if (renegotiate_) Negotiate();
  });
}

void SubscribeConnection::OnLocalCandidate(unsigned mline, const std::string& candidate) {
  listener_->OnSubscribeCandidate(mline, candidate);
}

void SubscribeConnection::OnConnectionFailed() { listener_->OnSubscribeFailed("ICE/DTLS failed"); }

}  // namespace mediagw
