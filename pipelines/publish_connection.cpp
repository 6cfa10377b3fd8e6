#include "publish_connection.h"

#include "main_context.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_publish_debug);
#define GST_CAT_DEFAULT mediagw_publish_debug

namespace mediagw {

int SubscriberPayloadType(const PublishedTrack& track) {
  if (track.codec == "VP8") return 96;
  if (track.codec == "H264") return 102;
  if (track.codec == "OPUS") return 111;
  gint pt = 96;
  gst_structure_get_int(gst_caps_get_structure(track.caps.get(), 0), "payload", &pt);
  return pt;
}

GRef<GstCaps> SubscriberCaps(const PublishedTrack& track, guint32 ssrc) {
  const GstStructure* in = gst_caps_get_structure(track.caps.get(), 0);
  gint clock_rate = track.kind == MediaKind::kVideo ? 90000 : 48000;
  gst_structure_get_int(in, "clock-rate", &clock_rate);
  GstStructure* s = gst_structure_new("application/x-rtp", "media", G_TYPE_STRING,
                                      track.kind == MediaKind::kVideo ? "video" : "audio",
                                      "encoding-name", G_TYPE_STRING, track.codec.c_str(),
                                      "clock-rate", G_TYPE_INT, clock_rate, "payload", G_TYPE_INT,
                                      SubscriberPayloadType(track), "ssrc", G_TYPE_UINT, ssrc, NULL);
  // Format parameters the decoder needs are the publisher's to set; feedback is ours.
  for (const char* field : {"encoding-params", "packetization-mode", "profile-level-id",
                            "level-asymmetry-allowed", "sprop-parameter-sets", "minptime",
                            "useinbandfec", "stereo", "sprop-stereo"}) {
    if (const GValue* v = gst_structure_get_value(in, field)) gst_structure_set_value(s, field, v);
  }
  if (track.kind == MediaKind::kVideo)
    gst_structure_set(s, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE, NULL);
  GstCaps* caps = gst_caps_new_empty();
  gst_caps_append_structure(caps, s);
  return GRef<GstCaps>::Adopt(caps);
}

void ReleaseForwarderPad(GstPad* forwarder_pad, GstPad* peer) {
  auto forwarder = GRef<GstElement>::Adopt(gst_pad_get_parent_element(forwarder_pad));
  gst_pad_unlink(forwarder_pad, peer);
  if (forwarder) gst_element_release_request_pad(forwarder.get(), forwarder_pad);
}

std::shared_ptr<PublishConnection> PublishConnection::Create(GstBin* pipeline,
                                                             const std::string& track_prefix,
                                                             const IceSettings& ice,
                                                             GMainContext* main, Listener* listener) {
  std::shared_ptr<PublishConnection> c(
      new PublishConnection(pipeline, track_prefix, ice, main, listener));
  c->Start();
  return c;
}

PublishConnection::PublishConnection(GstBin* pipeline, const std::string& track_prefix,
                                     const IceSettings& ice, GMainContext* main, Listener* listener)
    : WebRtcEndpoint(pipeline, track_prefix + "-publish", ice, main),
      track_prefix_(track_prefix),
      listener_(listener) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_publish_debug, "mediagw-publish", 0, "publish connections");
    g_once_init_leave(&once, 1);
  }
}

PublishConnection::~PublishConnection() {
  // Stop the source first, then the forwarders (including any created on a streaming thread
  // whose announcement never reached the main context).
  gst_element_set_state(webrtcbin(), GST_STATE_NULL);
  std::lock_guard lock(forwarders_mutex_);
  for (const auto& f : forwarders_) {
    gst_element_set_state(f.get(), GST_STATE_NULL);
    if (GST_OBJECT_PARENT(f.get()) == GST_OBJECT(pipeline())) gst_bin_remove(pipeline(), f.get());
  }
}

void PublishConnection::HandleOffer(const std::string& sdp, SdpCallback done) {
  std::weak_ptr<WebRtcEndpoint> weak = weak_from_this();
  SetRemoteDescription(GST_WEBRTC_SDP_TYPE_OFFER, sdp, [this, weak, done](const std::string& error) {
    if (!error.empty()) {
      done("", error);
      return;
    }
    if (weak.expired()) return;
    CreateLocalDescription(false, [this, weak, done](const std::string& answer, const std::string& err) {
      if (!weak.expired() && err.empty()) AllowImmediateFeedback();
      done(answer, err);
    });
  });
}

void PublishConnection::OnLocalCandidate(unsigned mline, const std::string& candidate) {
  listener_->OnPublishCandidate(mline, candidate);
}

void PublishConnection::OnConnectionFailed() { listener_->OnPublishFailed(); }

void PublishConnection::OnIncomingPad(GstPad* pad) {
  auto caps = GRef<GstCaps>::Adopt(gst_pad_get_current_caps(pad));
  if (!caps) caps = GRef<GstCaps>::Adopt(gst_pad_query_caps(pad, nullptr));
  const GstStructure* s = gst_caps_get_structure(caps.get(), 0);
  const char* media = gst_structure_get_string(s, "media");
  const char* encoding = gst_structure_get_string(s, "encoding-name");
  auto track = std::make_shared<PublishedTrack>();
  track->kind = media && strcmp(media, "video") == 0 ? MediaKind::kVideo : MediaKind::kAudio;
  track->codec = encoding ? encoding : "";
  track->caps = caps;
  track->id = track_prefix_ + (track->kind == MediaKind::kVideo ? "-video" : "-audio") +
              std::to_string(next_track_++);
  std::string fname = track->id + "-fwd";
  track->forwarder = GRef<GstElement>::Ref(gst_element_factory_make("mediagwforwarder", fname.c_str()));
  if (!track->forwarder) {
    GST_ERROR("mediagwforwarder is not registered");
    return;
  }
  {
    std::lock_guard lock(forwarders_mutex_);
    forwarders_.push_back(track->forwarder);
  }
  gst_bin_add(pipeline(), track->forwarder.get());
  gst_element_sync_state_with_parent(track->forwarder.get());
  auto sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(track->forwarder.get(), "sink"));
  if (gst_pad_link(pad, sink.get()) != GST_PAD_LINK_OK) {
    GST_ERROR("could not link %s to its forwarder", track->id.c_str());
    return;
  }
  GST_INFO("%s: %s %" GST_PTR_FORMAT, track->id.c_str(), track->codec.c_str(), caps.get());
  std::weak_ptr<PublishConnection> weak =
      std::static_pointer_cast<PublishConnection>(shared_from_this());
  PostToMain<PublishConnection>(main_context(), weak, [track](PublishConnection& c) {
    c.tracks_.push_back(track);
    c.listener_->OnTrackPublished(track);
  });
}

}  // namespace mediagw
