// A room: the participants in it, and the rules by which each one's media reaches the others.
// Lives on the main context; owned by the RoomRegistry.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "hls.h"
#include "participant.h"
#include "restream.h"
#include "room_pipeline.h"

namespace mediagw {

class Room final : public Participant::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnRoomEmpty(Room& room) = 0;
  };

  // A persistent room (made through REST) stays when its last participant leaves.
  Room(std::string name, bool persistent, const Config& config, GMainContext* main,
       Listener* listener);
  ~Room() override;  // removes everyone with reason "room_deleted"

  const std::string& name() const { return name_; }
  bool persistent() const { return persistent_; }
  gint64 created_at() const { return created_at_; }
  size_t size() const { return participants_.size(); }
  RoomPipeline& pipeline() { return *pipeline_; }

  // Adds a participant and answers `joined`, or answers an error and returns null. Someone
  // already in the room with the same identity is replaced (told `left`, reason "replaced").
  Participant* Join(const Participant::Who& who, Participant::Sink* sink,
                    const signaling::RequestId& id);
  // The participant left or its connection closed: it is not told again.
  void Leave(const std::string& participant_id);
  // The gateway removes the participant and tells it why.
  void Remove(const std::string& participant_id, const char* reason);
  void RemoveAll(const char* reason);
  Participant* Find(const std::string& participant_id) const;
  void SetMuted(Participant& p, MediaKind kind, bool muted, const signaling::RequestId& id);
  // Sends a chat message to everyone (the sender too) and keeps it for those who join later.
  void PostChat(Participant& p, const std::string& text, const signaling::RequestId& id);
  static constexpr size_t kChatHistory = 100;
  std::vector<signaling::ParticipantInfo> Infos() const;

  // Restreams (RTMP): all share one composite, made with the first and its settings (checked by
  // the caller: CheckRestreamSettings, and the same as a running composite's), dropped with the
  // last. The destination was checked too (docs/security.md).
  std::shared_ptr<RestreamTarget> StartRestream(RtmpDestination destination,
                                                const RestreamSettings& settings);
  bool StopRestream(const std::string& id);
  std::shared_ptr<RestreamTarget> FindRestream(const std::string& id) const;
  std::vector<std::shared_ptr<RestreamTarget>> Restreams() const;
  const Composite* composite() const { return composite_.get(); }

  // HLS of the same composite, into config.hls_dir/ROOM, with settings checked as for restreams;
  // Start answers null and why when the pipeline cannot be made.
  HlsOutput* StartHls(const RestreamSettings& settings, std::string* error);
  bool StopHls();  // removes its files
  HlsOutput* hls() const { return hls_.get(); }

 private:
  void OnTrackPublished(Participant& p, const std::shared_ptr<PublishedTrack>& track) override;
  void OnParticipantFailed(Participant& p, const std::string& why) override;
  void Detach(const std::string& participant_id, const char* reason);
  void Broadcast(const Participant* except, const std::string& text);
  Composite* EnsureComposite(const RestreamSettings& settings);
  void DropCompositeIfUnused();

  const std::string name_;
  const bool persistent_;
  const Config& config_;
  GMainContext* const main_;
  Listener* const listener_;
  const gint64 created_at_;
  std::unique_ptr<RoomPipeline> pipeline_;  // declared first among owners: destroyed last
  std::vector<std::unique_ptr<Participant>> participants_;
  std::deque<signaling::ChatMessage> chat_;  // the last kChatHistory messages
  std::unique_ptr<Composite> composite_;       // while any restream runs
  std::map<std::string, std::shared_ptr<RestreamTarget>> restreams_;
  std::unique_ptr<HlsOutput> hls_;
  unsigned next_restream_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mediagw
