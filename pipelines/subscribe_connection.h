// A participant's subscribe connection: the gateway offers every other participant's tracks,
// the client answers, and the offer is renegotiated as tracks come and go.
//
// Each subscribed track is a slot: a sendonly transceiver whose codec preferences pin the codec,
// payload type and SSRC (so an offer never waits for media), fed by a request pad of the track's
// forwarder through a leaky queue. A slot is linked only once the client's answer is applied, so
// webrtcbin never gets media for an m-line it has not negotiated. A removed track's slot goes
// inactive; its m-line stays, as webrtcbin 1.22 cannot remove one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "published_track.h"
#include "webrtc_endpoint.h"

namespace mediagw {

class SubscribeConnection final : public WebRtcEndpoint {
 public:
  struct OfferedTrack {
    std::string mid;
    std::string track_id;
    std::string participant_id;
    MediaKind kind;
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnSubscribeCandidate(unsigned mline, const std::string& candidate) = 0;
    virtual void OnSubscribeOffer(const std::string& sdp, const std::vector<OfferedTrack>& tracks) = 0;
    virtual void OnSubscribeFailed(const std::string& why) = 0;
  };

  static std::shared_ptr<SubscribeConnection> Create(GstBin* pipeline, const std::string& name,
                                                     const IceSettings& ice, GMainContext* main,
                                                     Listener* listener);
  ~SubscribeConnection() override;

  void AddTrack(const std::shared_ptr<PublishedTrack>& track, const std::string& participant_id);
  void RemoveTrack(const std::string& track_id);
  void SetTrackMuted(const std::string& track_id, bool muted);
  // Sends a new offer now, or after the answer to the outstanding one.
  void Negotiate();
  // Applies the client's answer; `done` runs on the main context.
  void HandleAnswer(const std::string& sdp, DoneCallback done);

 private:
  struct Slot {
    GRef<GstPad> sinkpad;  // webrtcbin's request pad
    GRef<GstWebRTCRTPTransceiver> transceiver;
    MediaKind kind = MediaKind::kAudio;
    guint32 ssrc = 0;
    std::shared_ptr<PublishedTrack> track;  // null once removed
    std::string participant_id;
    GRef<GstPad> forwarder_pad;  // the forwarder's request pad, while linked
    GRef<GstElement> queue;
  };
  enum class State { kIdle, kCreatingOffer, kAwaitingAnswer };

  SubscribeConnection(GstBin* pipeline, const std::string& name, const IceSettings& ice,
                      GMainContext* main, Listener* listener);
  void OnLocalCandidate(unsigned mline, const std::string& candidate) override;
  void OnConnectionFailed() override;
  void LinkSlot(Slot& slot);
  void UnlinkSlot(Slot& slot);

  Listener* const listener_;
  std::vector<Slot> slots_;
  State state_ = State::kIdle;
  bool renegotiate_ = false;
};

}  // namespace mediagw
