#include "webrtc_endpoint.h"

#include <agent.h>
#include <gst/sdp/sdp.h>

#include "main_context.h"
#include "send_path.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_endpoint_debug);
#define GST_CAT_DEFAULT mediagw_endpoint_debug

namespace mediagw {
namespace {

using WeakEndpoint = std::weak_ptr<WebRtcEndpoint>;

void DeleteWeak(gpointer data, GClosure*) { delete static_cast<WeakEndpoint*>(data); }

std::string PromiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply from webrtcbin";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply) return "";
  if (gst_structure_has_field(reply, "error")) {
    GErrorPtr err;
    gst_structure_get(reply, "error", G_TYPE_ERROR, err.out(), NULL);
    return err ? err->message : "webrtcbin failed";
  }
  return "";
}

// A promise whose change callback runs `fn(promise)` on whatever thread webrtcbin replies from.
GstPromise* MakePromise(std::function<void(GstPromise*)> fn) {
  auto* f = new std::function<void(GstPromise*)>(std::move(fn));
  return gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) { (*static_cast<std::function<void(GstPromise*)>*>(data))(p); },
      f, [](gpointer data) { delete static_cast<std::function<void(GstPromise*)>*>(data); });
}

}  // namespace

std::string CheckClientSdp(const std::string& sdp) {
  if (sdp.rfind("v=0", 0) != 0) return "SDP must start with v=0";
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  GUnique<GstSDPMessage> msg(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), msg.get()) != GST_SDP_OK)
    return "SDP does not parse";
  guint medias = gst_sdp_message_medias_len(msg.get());
  if (medias == 0) return "SDP has no media section";
  if (medias > 32) return "SDP has more than 32 media sections";
  bool session_ice = gst_sdp_message_get_attribute_val(msg.get(), "ice-ufrag") != nullptr;
  bool session_fp = gst_sdp_message_get_attribute_val(msg.get(), "fingerprint") != nullptr;
  for (guint i = 0; i < medias; i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* media = gst_sdp_media_get_media(m);
    if (!media || (strcmp(media, "audio") != 0 && strcmp(media, "video") != 0 &&
                   strcmp(media, "application") != 0))
      return "SDP media section " + std::to_string(i) + " is neither audio nor video";
    if (gst_sdp_media_get_port(m) == 0) continue;  // rejected or bundle-only
    if (!session_ice && !gst_sdp_media_get_attribute_val(m, "ice-ufrag"))
      return "SDP media section " + std::to_string(i) + " has no ice-ufrag";
    if (!session_fp && !gst_sdp_media_get_attribute_val(m, "fingerprint"))
      return "SDP media section " + std::to_string(i) + " has no DTLS fingerprint";
    if (gst_sdp_media_formats_len(m) == 0)
      return "SDP media section " + std::to_string(i) + " has no formats";
  }
  return "";
}

WebRtcEndpoint::WebRtcEndpoint(GstBin* pipeline, std::string name, const IceSettings& ice,
                               GMainContext* main)
    : pipeline_(pipeline), name_(std::move(name)), main_(main) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_endpoint_debug, "mediagw-endpoint", 0, "mediagw peer connections");
    g_once_init_leave(&debug_once, 1);
  }
  webrtc_ = GRef<GstElement>::Ref(gst_element_factory_make("webrtcbin", name_.c_str()));
  if (!webrtc_) throw std::runtime_error("webrtcbin is not installed (gstreamer1.0-plugins-bad)");
  g_object_set(webrtc_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 0u,
               NULL);
  if (!ice.stun_server.empty()) g_object_set(webrtc_.get(), "stun-server", ice.stun_server.c_str(), NULL);
  for (const auto& turn : ice.turn_servers) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(webrtc_.get(), "add-turn-server", turn.c_str(), &ok);
    if (!ok) GST_WARNING("TURN server %s was not accepted", turn.c_str());
  }
  GstObject* ice_agent = nullptr;
  g_object_get(webrtc_.get(), "ice-agent", &ice_agent, NULL);
  if (ice_agent) {
    auto agent_ref = GRef<GstObject>::Adopt(ice_agent);
    g_object_set(ice_agent, "ice-tcp", FALSE, NULL);
    if (ice.min_port || ice.max_port)
      g_object_set(ice_agent, "min-rtp-port", ice.min_port, "max-rtp-port", ice.max_port, NULL);
    NiceAgent* nice = nullptr;
    g_object_get(ice_agent, "agent", &nice, NULL);
    if (nice) {
      // libnice tries UPnP port mapping by default: a discovery per agent that delays gathering
      // (and so every answer) by hundreds of ms, for nothing a server needs.
      g_object_set(nice, "upnp", FALSE, NULL);
      for (const auto& addr : ice.local_addresses) {
        NiceAddress a;
        nice_address_init(&a);
        if (nice_address_set_from_string(&a, addr.c_str())) nice_agent_add_local_address(nice, &a);
        else GST_WARNING("ignoring local address %s", addr.c_str());
      }
      g_object_unref(nice);
    }
  }
}

void WebRtcEndpoint::Start() {
  auto weak = [this] { return new WeakEndpoint(weak_from_this()); };
  g_signal_connect_data(webrtc_.get(), "on-ice-candidate", G_CALLBACK(HandleIceCandidate), weak(),
                        DeleteWeak, GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "pad-added", G_CALLBACK(HandlePadAdded), weak(), DeleteWeak,
                        GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "notify::connection-state",
                        G_CALLBACK(HandleConnectionState), weak(), DeleteWeak, GConnectFlags(0));
  // An SFU sends a packet when it has it (see send_path.h).
  SendWithoutClockSync(GST_BIN(webrtc_.get()));
  gst_bin_add(pipeline_, webrtc_.get());
  gst_element_sync_state_with_parent(webrtc_.get());
}

WebRtcEndpoint::~WebRtcEndpoint() {
  // Stop the element first so no streaming thread runs, then take it out of the room.
  gst_element_set_state(webrtc_.get(), GST_STATE_NULL);
  if (GST_OBJECT_PARENT(webrtc_.get()) == GST_OBJECT(pipeline_)) gst_bin_remove(pipeline_, webrtc_.get());
  // Nothing may call back into a half-destroyed endpoint, even if webrtcbin outlives it.
  for (gpointer fn : {reinterpret_cast<gpointer>(HandleIceCandidate),
                      reinterpret_cast<gpointer>(HandlePadAdded),
                      reinterpret_cast<gpointer>(HandleConnectionState)})
    g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr, fn, nullptr);
}

void WebRtcEndpoint::HandleIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
  std::string cand = candidate ? candidate : "";
  auto weak = *static_cast<WeakEndpoint*>(data);
  if (auto self = weak.lock()) {
    PostToMain<WebRtcEndpoint>(self->main_, weak, [mline, cand](WebRtcEndpoint& e) {
      e.OnLocalCandidate(mline, cand);
    });
  }
}

void WebRtcEndpoint::HandlePadAdded(GstElement*, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  if (auto self = static_cast<WeakEndpoint*>(data)->lock()) self->OnIncomingPad(pad);
}

void WebRtcEndpoint::HandleConnectionState(GObject* obj, GParamSpec*, gpointer data) {
  GstWebRTCPeerConnectionState state;
  g_object_get(obj, "connection-state", &state, NULL);
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) return;
  auto weak = *static_cast<WeakEndpoint*>(data);
  if (auto self = weak.lock())
    PostToMain<WebRtcEndpoint>(self->main_, weak, [](WebRtcEndpoint& e) { e.OnConnectionFailed(); });
}

void WebRtcEndpoint::AllowImmediateFeedback() {
  auto rtpbin = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(webrtc_.get()), "rtpbin"));
  if (!rtpbin) return;
  // With max-bundle everything is session 0. RFC 4585 "immediate feedback" mode is otherwise
  // only used up to 2 members, and a bundle of audio + video + receiver already has 3, which
  // delays the first PLI for a joining subscriber by up to a whole RTCP interval.
  GObject* session = nullptr;
  g_signal_emit_by_name(rtpbin.get(), "get-internal-session", 0u, &session);
  if (!session) return;
  g_object_set(session, "rtcp-immediate-feedback-threshold", G_MAXUINT, NULL);
  g_object_unref(session);
}

void WebRtcEndpoint::AddRemoteCandidate(unsigned mline, const std::string& candidate) {
  // webrtcbin takes an empty string as the end of candidates.
  g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", mline, candidate.c_str());
}

void WebRtcEndpoint::SetRemoteDescription(GstWebRTCSDPType type, const std::string& sdp,
                                          DoneCallback done) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), raw) != GST_SDP_OK) {
    gst_sdp_message_free(raw);
    done("SDP does not parse");
    return;
  }
  GUnique<GstWebRTCSessionDescription> desc(gst_webrtc_session_description_new(type, raw));
  WeakEndpoint weak = weak_from_this();
  GMainContext* main = main_;
  auto promise = GRef<GstPromise>::Adopt(MakePromise([weak, main, done](GstPromise* p) {
    std::string error = PromiseError(p);
    PostToMain<WebRtcEndpoint>(main, weak, [done, error](WebRtcEndpoint&) { done(error); });
  }));
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", desc.get(), promise.get());
}

void WebRtcEndpoint::CreateLocalDescription(bool offer, SdpCallback done) {
  WeakEndpoint weak = weak_from_this();
  GMainContext* main = main_;
  GstElement* webrtc = webrtc_.get();
  const char* field = offer ? "offer" : "answer";
  auto fail = [weak, main, done](const std::string& error) {
    PostToMain<WebRtcEndpoint>(main, weak, [done, error](WebRtcEndpoint&) { done("", error); });
  };
  // The description is set as the local one from webrtcbin's own thread, right when it is made,
  // so nothing can be negotiated in between. That thread must never wait for its own work, so
  // the set is chained through a second promise instead of waited for.
  auto promise = GRef<GstPromise>::Adopt(MakePromise([weak, main, done, webrtc, field, fail](GstPromise* p) {
    std::string error = PromiseError(p);
    GstWebRTCSessionDescription* desc = nullptr;
    if (error.empty()) {
      const GstStructure* reply = gst_promise_get_reply(p);
      if (reply) gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
      if (!desc) error = std::string("webrtcbin made no ") + field;
    }
    if (!error.empty()) {
      fail(error);
      return;
    }
    GUnique<GstWebRTCSessionDescription> owned(desc);
    GCharPtr text(gst_sdp_message_as_text(desc->sdp));
    std::string sdp = text.get();
    auto set = GRef<GstPromise>::Adopt(MakePromise([weak, main, done, sdp](GstPromise* sp) {
      std::string set_error = PromiseError(sp);
      PostToMain<WebRtcEndpoint>(main, weak, [done, sdp, set_error](WebRtcEndpoint&) {
        done(set_error.empty() ? sdp : "", set_error);
      });
    }));
    g_signal_emit_by_name(webrtc, "set-local-description", desc, set.get());
  }));
  g_signal_emit_by_name(webrtc_.get(), offer ? "create-offer" : "create-answer", nullptr,
                        promise.get());
}

}  // namespace mediagw
