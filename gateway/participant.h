// One person in a room: their two peer connections, their published tracks, and the signaling
// connection they are reached through.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "messages.h"
#include "publish_connection.h"
#include "subscribe_connection.h"

namespace mediagw {

class Participant final : public PublishConnection::Listener, public SubscribeConnection::Listener {
 public:
  // How the participant is reached; implemented by the signaling session, which outlives it.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Send(const std::string& text) = 0;
    // The gateway removed the participant (room deleted, shutdown, failure).
    virtual void OnRemoved(const char* reason) = 0;
  };
  // Upcalls to the room.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnTrackPublished(Participant& p, const std::shared_ptr<PublishedTrack>& track) = 0;
    virtual void OnParticipantFailed(Participant& p, const std::string& why) = 0;
  };

  struct Context {
    GstBin* pipeline;
    const IceSettings* ice;
    GMainContext* main;
  };

  // Who joined: the display name, the token's identity (empty with auth off) and whether they
  // may receive the others' media (the token's subscribe grant).
  struct Who {
    std::string name;
    std::string identity;
    bool receives = true;
  };

  Participant(std::string id, Who who, Context ctx, Listener* room, Sink* sink);
  ~Participant() override;

  const std::string& id() const { return id_; }
  const std::string& name() const { return who_.name; }
  const std::string& identity() const { return who_.identity; }
  bool receives() const { return who_.receives; }
  Sink* sink() const { return sink_; }
  SubscribeConnection& subscriber() { return *subscribe_; }
  std::vector<std::shared_ptr<PublishedTrack>> tracks() const;
  signaling::ParticipantInfo Info() const;
  // Mute state of the participant's own tracks of one kind; applies to tracks published later too.
  bool muted(MediaKind kind) const { return muted_[kind == MediaKind::kVideo]; }
  void set_muted(MediaKind kind, bool muted) { muted_[kind == MediaKind::kVideo] = muted; }

  // Client requests; errors are sent to the client as `error` messages.
  void Publish(const std::string& sdp, const signaling::RequestId& id);
  void AnswerSubscribe(const std::string& sdp, const signaling::RequestId& id);
  void AddCandidate(signaling::Connection c, unsigned mline, const std::string& candidate,
                    const signaling::RequestId& id);

 private:
  void OnPublishCandidate(unsigned mline, const std::string& candidate) override;
  void OnTrackPublished(const std::shared_ptr<PublishedTrack>& track) override;
  void OnPublishFailed() override;
  void OnSubscribeCandidate(unsigned mline, const std::string& candidate) override;
  void OnSubscribeOffer(const std::string& sdp,
                        const std::vector<SubscribeConnection::OfferedTrack>& tracks) override;
  void OnSubscribeFailed(const std::string& why) override;
  void SendError(signaling::ErrorCode code, const std::string& message,
                 const signaling::RequestId& id);

  const std::string id_;
  const Who who_;
  const Context ctx_;
  Listener* const room_;
  Sink* const sink_;
  std::shared_ptr<PublishConnection> publish_;  // created by the first publish offer
  std::shared_ptr<SubscribeConnection> subscribe_;
  bool publish_busy_ = false;  // an offer is being answered
  bool muted_[2] = {false, false};  // audio, video
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mediagw
