// One gateway-side peer connection: a webrtcbin in the room's pipeline, set up for our ICE
// settings, with its asynchronous operations reported back on the main context.
//
// Why: the publish and the subscribe connection of a participant differ in who offers and in
// which direction media flows, but share everything else: ICE configuration, trickled
// candidates, SDP checks, promise plumbing and tear-down. Owned by PublishConnection or
// SubscribeConnection (through shared_ptr, so late callbacks can tell it is gone).
#pragma once

#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <string>

#include "ice_settings.h"
#include "mediagw/gstref.h"

namespace mediagw {

// Checks an SDP text a client sent before webrtcbin sees it. Returns an empty string when it is
// acceptable, else why not.
std::string CheckClientSdp(const std::string& sdp);

class WebRtcEndpoint : public std::enable_shared_from_this<WebRtcEndpoint> {
 public:
  using DoneCallback = std::function<void(const std::string& error)>;
  using SdpCallback = std::function<void(const std::string& sdp, const std::string& error)>;

  virtual ~WebRtcEndpoint();
  WebRtcEndpoint(const WebRtcEndpoint&) = delete;
  WebRtcEndpoint& operator=(const WebRtcEndpoint&) = delete;

  GstElement* webrtcbin() const { return webrtc_.get(); }
  const std::string& name() const { return name_; }

  // Adds a candidate the client trickled; an empty candidate ends the client's candidates.
  void AddRemoteCandidate(unsigned mline, const std::string& candidate);

 protected:
  WebRtcEndpoint(GstBin* pipeline, std::string name, const IceSettings& ice, GMainContext* main);
  // Connects signals and starts the element; called once the object is owned by a shared_ptr.
  void Start();

  // Both report on the main context.
  void SetRemoteDescription(GstWebRTCSDPType type, const std::string& sdp, DoneCallback done);
  void CreateLocalDescription(bool offer, SdpCallback done);

  // On the main context.
  virtual void OnLocalCandidate(unsigned mline, const std::string& candidate) = 0;
  virtual void OnConnectionFailed() {}
  // On a streaming thread: a new src pad (incoming media). Default: nothing.
  virtual void OnIncomingPad(GstPad*) {}

  // Lets the RTP session send feedback (PLIs above all) at once instead of with its next regular
  // RTCP packet, whatever the number of sources in the bundle. Call once negotiated.
  void AllowImmediateFeedback();

  GMainContext* main_context() const { return main_; }
  GstBin* pipeline() const { return pipeline_; }

 private:
  static void HandleIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer data);
  static void HandlePadAdded(GstElement*, GstPad* pad, gpointer data);
  static void HandleConnectionState(GObject*, GParamSpec*, gpointer data);

  GstBin* pipeline_;  // the room's pipeline; it outlives every endpoint
  std::string name_;
  GMainContext* main_;
  GRef<GstElement> webrtc_;
};

}  // namespace mediagw
