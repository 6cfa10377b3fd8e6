#include "room.h"

#include <algorithm>

#include "main_context.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_rooms_debug);
#define GST_CAT_DEFAULT mediagw_rooms_debug

namespace mediagw {

using signaling::ErrorCode;

namespace {
std::string NewParticipantId() {
  char buf[16];
  g_snprintf(buf, sizeof buf, "p%08x", g_random_int());
  return buf;
}
}  // namespace

Room::Room(std::string name, bool persistent, const Config& config, GMainContext* main,
           Listener* listener)
    : name_(std::move(name)),
      persistent_(persistent),
      config_(config),
      main_(main),
      listener_(listener),
      created_at_(g_get_real_time() / G_USEC_PER_SEC) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_rooms_debug, "mediagw-rooms", 0, "rooms and participants");
    g_once_init_leave(&once, 1);
  }
  std::weak_ptr<bool> alive = alive_;
  pipeline_ = std::make_unique<RoomPipeline>(name_, [this, alive](const std::string& element,
                                                                  const std::string& message) {
    if (alive.expired()) return;
    // Elements are named after their participant ("p1234abcd-publish"): drop only that one.
    std::string pid = element.substr(0, element.find('-'));
    if (Find(pid)) {
      GST_WARNING("room %s: removing %s after a media error: %s", name_.c_str(), pid.c_str(),
                  message.c_str());
      Remove(pid, "media_error");
    }
  });
  GST_INFO("room %s created", name_.c_str());
}

Room::~Room() {
  for (auto& [id, r] : restreams_) r->Stop();
  restreams_.clear();
  hls_.reset();  // stops and removes its files
  composite_.reset();
  RemoveAll("room_deleted");
  GST_INFO("room %s deleted", name_.c_str());
}

Participant* Room::Find(const std::string& participant_id) const {
  for (const auto& p : participants_)
    if (p->id() == participant_id) return p.get();
  return nullptr;
}

std::vector<signaling::ParticipantInfo> Room::Infos() const {
  std::vector<signaling::ParticipantInfo> out;
  for (const auto& p : participants_) out.push_back(p->Info());
  return out;
}

void Room::Broadcast(const Participant* except, const std::string& text) {
  for (const auto& p : participants_)
    if (p.get() != except) p->sink()->Send(text);
}

Participant* Room::Join(const Participant::Who& who, Participant::Sink* sink,
                        const signaling::RequestId& id) {
  if (!who.identity.empty()) {
    for (const auto& q : participants_)
      if (q->identity() == who.identity) {
        GST_INFO("room %s: %s replaced by a new join of the same identity", name_.c_str(),
                 q->id().c_str());
        Remove(q->id(), "replaced");
        break;
      }
  }
  if (participants_.size() >= config_.rooms.max_participants) {
    sink->Send(signaling::Error(ErrorCode::kRoomFull,
                                "room " + name_ + " is full (" +
                                    std::to_string(config_.rooms.max_participants) + " participants)",
                                id));
    return nullptr;
  }
  std::vector<signaling::ParticipantInfo> others = Infos();
  Participant::Context ctx{pipeline_->bin(), &config_.ice, main_};
  participants_.push_back(std::make_unique<Participant>(NewParticipantId(), who, ctx, this, sink));
  Participant* p = participants_.back().get();
  GST_INFO("room %s: %s (%s) joined", name_.c_str(), p->id().c_str(), who.name.c_str());
  sink->Send(signaling::Joined(id, name_, p->id(), others, {chat_.begin(), chat_.end()}));
  Broadcast(p, signaling::ParticipantJoined(p->Info()));
  if (p->receives()) {
    for (const auto& q : participants_) {
      if (q.get() == p) continue;
      for (const auto& t : q->tracks()) p->subscriber().AddTrack(t, q->id());
    }
    p->subscriber().Negotiate();
  }
  return p;
}

void Room::Detach(const std::string& participant_id, const char* reason) {
  auto it = std::find_if(participants_.begin(), participants_.end(),
                         [&](const auto& p) { return p->id() == participant_id; });
  if (it == participants_.end()) return;
  std::unique_ptr<Participant> leaving = std::move(*it);
  participants_.erase(it);
  GST_INFO("room %s: %s left (%s)", name_.c_str(), participant_id.c_str(), reason ? reason : "left");
  auto tracks = leaving->tracks();
  if (composite_)
    for (const auto& t : tracks) composite_->RemoveTrack(t->id);
  for (const auto& q : participants_) {
    for (const auto& t : tracks) {
      q->subscriber().RemoveTrack(t->id);
      q->sink()->Send(signaling::TrackUnpublished(participant_id, t->id));
    }
    if (!tracks.empty()) q->subscriber().Negotiate();
    q->sink()->Send(signaling::ParticipantLeft(participant_id));
  }
  if (reason) leaving->sink()->OnRemoved(reason);
  leaving.reset();
  if (participants_.empty() && !persistent_) listener_->OnRoomEmpty(*this);
}

void Room::Leave(const std::string& participant_id) { Detach(participant_id, nullptr); }

void Room::Remove(const std::string& participant_id, const char* reason) {
  Detach(participant_id, reason);
}

void Room::RemoveAll(const char* reason) {
  // Newest first, so nobody is renegotiated towards a participant about to go too.
  while (!participants_.empty()) {
    std::string id = participants_.back()->id();
    auto leaving = std::move(participants_.back());
    participants_.pop_back();
    leaving->sink()->OnRemoved(reason);
  }
}

void Room::SetMuted(Participant& p, MediaKind kind, bool muted, const signaling::RequestId& id) {
  p.set_muted(kind, muted);
  for (const auto& t : p.tracks()) {
    if (t->kind != kind || t->muted == muted) continue;
    t->muted = muted;
    for (const auto& q : participants_) {
      if (q.get() == &p) continue;
      q->subscriber().SetTrackMuted(t->id, muted);
    }
    if (composite_) composite_->SetTrackMuted(t->id, muted);
    Broadcast(&p, signaling::TrackMuted(p.id(), t->id, muted));
  }
  p.sink()->Send(signaling::Ack(id, "mute"));
}

void Room::PostChat(Participant& p, const std::string& text, const signaling::RequestId& id) {
  signaling::ChatMessage m{p.id(), p.name(), text, g_get_real_time() / 1000};
  chat_.push_back(m);
  if (chat_.size() > kChatHistory) chat_.pop_front();
  Broadcast(nullptr, signaling::Chat(m));
  if (id) p.sink()->Send(signaling::Ack(id, "chat"));
}

std::shared_ptr<RestreamTarget> Room::StartRestream(RtmpDestination destination,
                                                   const RestreamSettings& settings) {
  EnsureComposite(settings);
  std::string id = "rs" + std::to_string(next_restream_++);
  auto target = RestreamTarget::Create(id, std::move(destination), *composite_);
  restreams_[id] = target;
  return target;
}

bool Room::StopRestream(const std::string& id) {
  auto it = restreams_.find(id);
  if (it == restreams_.end()) return false;
  it->second->Stop();
  restreams_.erase(it);
  DropCompositeIfUnused();
  return true;
}

Composite* Room::EnsureComposite(const RestreamSettings& settings) {
  if (!composite_) {
    RestreamSettings s = settings;
    s.x264_preset = config_.x264_preset;
    composite_ = std::make_unique<Composite>(pipeline_->bin(), "composite-" + name_, s);
    for (const auto& p : participants_)
      for (const auto& t : p->tracks()) composite_->AddTrack(t, p->id(), p->name());
  }
  return composite_.get();
}

// No encoding while nobody streams.
void Room::DropCompositeIfUnused() {
  if (restreams_.empty() && !hls_) composite_.reset();
}

HlsOutput* Room::StartHls(const RestreamSettings& settings, std::string* error) {
  if (hls_) {
    *error = "HLS is already running in this room";
    return nullptr;
  }
  hls_ = HlsOutput::Create(config_.hls_dir + "/" + name_, *EnsureComposite(settings), error);
  if (!hls_) DropCompositeIfUnused();
  return hls_.get();
}

bool Room::StopHls() {
  if (!hls_) return false;
  hls_.reset();
  DropCompositeIfUnused();
  return true;
}

std::shared_ptr<RestreamTarget> Room::FindRestream(const std::string& id) const {
  auto it = restreams_.find(id);
  return it == restreams_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<RestreamTarget>> Room::Restreams() const {
  std::vector<std::shared_ptr<RestreamTarget>> out;
  for (const auto& [id, r] : restreams_) out.push_back(r);
  return out;
}

void Room::OnTrackPublished(Participant& p, const std::shared_ptr<PublishedTrack>& track) {
  GST_INFO("room %s: %s publishes %s (%s)", name_.c_str(), p.id().c_str(), track->id.c_str(),
           track->codec.c_str());
  signaling::TrackInfo info{track->id,
                            track->kind == MediaKind::kVideo ? signaling::TrackKind::kVideo
                                                             : signaling::TrackKind::kAudio,
                            track->codec, track->muted};
  if (composite_) composite_->AddTrack(track, p.id(), p.name());
  for (const auto& q : participants_) {
    if (q.get() == &p) continue;
    q->sink()->Send(signaling::TrackPublished(p.id(), info));
    if (!q->receives()) continue;
    q->subscriber().AddTrack(track, p.id());
    q->subscriber().Negotiate();
  }
}

void Room::OnParticipantFailed(Participant& p, const std::string& why) {
  GST_WARNING("room %s: %s failed: %s", name_.c_str(), p.id().c_str(), why.c_str());
  // Not from inside the participant's own callback: later, on the main context.
  std::string pid = p.id();
  PostToMain<bool>(main_, std::weak_ptr<bool>(alive_), [this, pid](bool&) { Remove(pid, "connection_failed"); });
}

}  // namespace mediagw
