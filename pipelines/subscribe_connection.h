// A participant's subscribe connection: the gateway offers every other participant's tracks,
// the client answers, and the offer is renegotiated as tracks come and go.
//
// Why no webrtcbin here: a webrtcbin per subscriber puts about a dozen elements, a queue thread
// hand-off and an RTP session's bookkeeping on every forwarded packet (see docs/benchmarks.md).
// The subscribe side of an SFU only sends what the forwarders give it, so this connection writes
// its own SDP and sends over a MediaTransport (libnice ICE + our DTLS-SRTP): per packet and
// subscriber, the forwarder's streaming thread rewrites the header and queues it; the
// subscriber's I/O thread protects it and sends it with one sendto(). Nothing else sits in
// between.
//
// Each subscribed track is a slot: an m-line with a fixed mid, payload type and SSRC, fed by a
// request pad of the track's forwarder linked straight to a mediagwtransportsink. A slot is
// linked once the client has answered and the transport is up (ICE connected, DTLS done), so
// its first packet starts at a keyframe the forwarder asks for. A removed track's m-line goes
// inactive and stays (mids are never reused).
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ice_settings.h"
#include "media_transport.h"
#include "mediagw/gstref.h"
#include "published_track.h"

namespace mediagw {

class SubscribeConnection final : public std::enable_shared_from_this<SubscribeConnection> {
 public:
  using DoneCallback = std::function<void(const std::string& error)>;

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
  ~SubscribeConnection();
  SubscribeConnection(const SubscribeConnection&) = delete;
  SubscribeConnection& operator=(const SubscribeConnection&) = delete;

  const std::string& name() const { return name_; }

  void AddTrack(const std::shared_ptr<PublishedTrack>& track, const std::string& participant_id);
  void RemoveTrack(const std::string& track_id);
  void SetTrackMuted(const std::string& track_id, bool muted);
  // Sends a new offer (on the main context, soon), or after the answer to the outstanding one.
  void Negotiate();
  // Applies the client's answer; `done` runs before this returns.
  void HandleAnswer(const std::string& sdp, DoneCallback done);
  // Adds a candidate the client trickled; an empty candidate ends the client's candidates.
  void AddRemoteCandidate(unsigned mline, const std::string& candidate);

 private:
  struct Slot {
    std::string mid;
    MediaKind kind = MediaKind::kAudio;
    guint32 ssrc = 0;
    int payload_type = 0;
    GRef<GstCaps> caps;                     // what the m-line offers
    std::shared_ptr<PublishedTrack> track;  // null once removed
    std::string participant_id;
    bool accepted = false;                  // the client's answer took this m-line
    GRef<GstPad> forwarder_pad;             // the forwarder's request pad, while linked
    GRef<GstElement> sink;                  // mediagwtransportsink, while linked
  };
  enum class State { kIdle, kAwaitingAnswer };

  SubscribeConnection(GstBin* pipeline, std::string name, GMainContext* main, Listener* listener);
  std::string BuildOffer() const;
  void OnTransportState(MediaTransport::State state, const std::string& detail);
  void OnLocalCandidate(const std::string& candidate);
  void LinkReadySlots();
  void LinkSlot(Slot& slot);
  void UnlinkSlot(Slot& slot);

  GstBin* pipeline_;  // the room's pipeline; it outlives every connection
  std::string name_;
  GMainContext* main_;
  Listener* const listener_;
  std::shared_ptr<MediaTransport> transport_;
  std::vector<Slot> slots_;
  State state_ = State::kIdle;
  bool renegotiate_ = false;
  bool transport_ready_ = false;
  bool offer_sent_ = false;
  size_t offered_slots_ = 0;  // slots the outstanding offer has m-lines for
  guint64 session_id_ = 0;
  unsigned version_ = 0;
};

// The libnice side of the [ice] settings; host names are resolved once, here.
TransportConfig TransportConfigFromIce(const IceSettings& ice);

}  // namespace mediagw
