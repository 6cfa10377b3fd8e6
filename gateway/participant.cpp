#include "participant.h"

namespace mediagw {

using signaling::ErrorCode;

namespace {
signaling::TrackKind ToKind(MediaKind k) {
  return k == MediaKind::kVideo ? signaling::TrackKind::kVideo : signaling::TrackKind::kAudio;
}
}  // namespace

Participant::Participant(std::string id, Who who, Context ctx, Listener* room, Sink* sink)
    : id_(std::move(id)), who_(std::move(who)), ctx_(ctx), room_(room), sink_(sink) {
  subscribe_ = SubscribeConnection::Create(ctx_.pipeline, id_, *ctx_.ice, ctx_.main, this);
}

Participant::~Participant() {
  subscribe_.reset();
  publish_.reset();
}

std::vector<std::shared_ptr<PublishedTrack>> Participant::tracks() const {
  if (!publish_) return {};
  return publish_->tracks();
}

signaling::ParticipantInfo Participant::Info() const {
  signaling::ParticipantInfo info{id_, who_.name, {}};
  for (const auto& t : tracks()) info.tracks.push_back({t->id, ToKind(t->kind), t->codec, t->muted});
  return info;
}

void Participant::SendError(ErrorCode code, const std::string& message,
                            const signaling::RequestId& id) {
  sink_->Send(signaling::Error(code, message, id));
}

void Participant::Publish(const std::string& sdp, const signaling::RequestId& id) {
  if (std::string why = CheckClientSdp(sdp); !why.empty()) {
    SendError(ErrorCode::kBadSdp, why, id);
    return;
  }
  if (publish_busy_) {
    SendError(ErrorCode::kBusy, "the previous publish offer is still being answered", id);
    return;
  }
  if (!publish_) publish_ = PublishConnection::Create(ctx_.pipeline, id_, *ctx_.ice, ctx_.main, this);
  publish_busy_ = true;
  std::weak_ptr<bool> alive = alive_;
  publish_->HandleOffer(sdp, [this, alive, id](const std::string& answer, const std::string& error) {
    if (alive.expired()) return;
    publish_busy_ = false;
    if (!error.empty()) {
      SendError(ErrorCode::kBadSdp, "publish offer rejected: " + error, id);
      return;
    }
    sink_->Send(signaling::PublishAnswer(id, answer));
  });
}

void Participant::AnswerSubscribe(const std::string& sdp, const signaling::RequestId& id) {
  if (std::string why = CheckClientSdp(sdp); !why.empty()) {
    SendError(ErrorCode::kBadSdp, why, id);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  subscribe_->HandleAnswer(sdp, [this, alive, id](const std::string& error) {
    if (alive.expired()) return;
    if (!error.empty()) SendError(ErrorCode::kBadSdp, "subscribe answer rejected: " + error, id);
  });
}

void Participant::AddCandidate(signaling::Connection c, unsigned mline, const std::string& candidate,
                               const signaling::RequestId& id) {
  if (c == signaling::Connection::kPublish) {
    if (!publish_) {
      SendError(ErrorCode::kBadField, "no publish connection: send publish first", id);
      return;
    }
    publish_->AddRemoteCandidate(mline, candidate);
  } else {
    subscribe_->AddRemoteCandidate(mline, candidate);
  }
}

void Participant::OnPublishCandidate(unsigned mline, const std::string& candidate) {
  sink_->Send(signaling::IceCandidate(signaling::Connection::kPublish, candidate, mline));
}

void Participant::OnTrackPublished(const std::shared_ptr<PublishedTrack>& track) {
  track->muted = muted(track->kind);
  room_->OnTrackPublished(*this, track);
}

void Participant::OnPublishFailed() { room_->OnParticipantFailed(*this, "publish connection failed"); }

void Participant::OnSubscribeCandidate(unsigned mline, const std::string& candidate) {
  sink_->Send(signaling::IceCandidate(signaling::Connection::kSubscribe, candidate, mline));
}

void Participant::OnSubscribeOffer(const std::string& sdp,
                                   const std::vector<SubscribeConnection::OfferedTrack>& tracks) {
  std::vector<signaling::SubscribedTrack> out;
  for (const auto& t : tracks) out.push_back({t.mid, t.track_id, t.participant_id, ToKind(t.kind)});
  sink_->Send(signaling::SubscribeOffer(sdp, out));
}

void Participant::OnSubscribeFailed(const std::string& why) {
  room_->OnParticipantFailed(*this, "subscribe connection: " + why);
}

}  // namespace mediagw
