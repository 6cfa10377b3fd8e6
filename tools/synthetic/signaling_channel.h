// How a synthetic participant reaches a server: mediagw's WebSocket protocol, or Janus
// VideoRoom's HTTP API for side-by-side benchmarks. The media side (webrtcbin, counting) is the
// same for both; only this part differs.
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include <memory>
#include <string>
#include <vector>

namespace mediagw::client {

// One m-line of a subscribe offer: whose track arrives on which mid.
struct OfferedTrack {
  std::string mid, track_id, participant_id, kind;
};

class SignalingChannel {
 public:
  // All calls on the main context.
  class Listener {
   public:
    virtual ~Listener() = default;
    // In the room; `participant_id` is how others will name this participant (may be known
    // only later, through OnIdentity).
    virtual void OnJoined(const std::string& participant_id) = 0;
    virtual void OnIdentity(const std::string& participant_id) = 0;
    virtual void OnPublishAnswer(const std::string& sdp) = 0;
    virtual void OnSubscribeOffer(const std::string& sdp, const std::vector<OfferedTrack>& tracks) = 0;
    virtual void OnRemoteCandidate(bool subscribe, unsigned mline, const std::string& candidate) = 0;
    virtual void OnParticipantLeft(const std::string& participant_id) = 0;
    virtual void OnTrackMuted() = 0;
    // Something failed; `removed` when the server ended this participant's stay.
    virtual void OnFailure(const std::string& why, bool removed) = 0;
  };

  virtual ~SignalingChannel() = default;
  virtual void Join(const std::string& room, const std::string& name, bool will_publish) = 0;
  virtual void Publish(const std::string& offer_sdp) = 0;
  virtual void AnswerSubscribe(const std::string& answer_sdp) = 0;
  virtual void SendCandidate(bool subscribe, unsigned mline, const std::string& candidate) = 0;
  virtual void Mute(bool muted) = 0;
  virtual void Leave() = 0;
};

// server: ws://HOST:PORT (mediagw) or http://HOST:PORT/janus (Janus).
// `token`: sent with the join (empty: none).
std::unique_ptr<SignalingChannel> MakeMediagwChannel(const std::string& server, SoupSession* session,
                                                     SignalingChannel::Listener* listener,
                                                     const std::string& trace_name,
                                                     const std::string& token = "");
std::unique_ptr<SignalingChannel> MakeJanusChannel(const std::string& server, SoupSession* session,
                                                   SignalingChannel::Listener* listener,
                                                   const std::string& trace_name);

}  // namespace mediagw::client
