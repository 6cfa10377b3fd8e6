// Messages mediagw sends to clients over the signaling connection (see docs/signaling.md).
// Each function returns one complete JSON text frame.
#pragma once

#include <json-glib/json-glib.h>

#include <optional>
#include <string>
#include <vector>

#include "protocol.h"

namespace mediagw::signaling {

struct TrackInfo {
  std::string id;
  TrackKind kind = TrackKind::kAudio;
  std::string codec;  // "VP8", "H264", "opus"
  bool muted = false;
};

struct ParticipantInfo {
  std::string id;
  std::string name;
  std::vector<TrackInfo> tracks;
};

// One m-line of a subscribe offer, so the client knows whose track arrives on which mid.
struct SubscribedTrack {
  std::string mid;
  std::string track_id;
  std::string participant_id;
  TrackKind kind = TrackKind::kAudio;
};

using RequestId = std::optional<std::string>;

// One chat message as the room keeps it and sends it.
struct ChatMessage {
  std::string participant_id;
  std::string name;
  std::string text;
  gint64 time_ms = 0;  // Unix time
};

std::string Joined(const RequestId& id, const std::string& room, const std::string& participant_id,
                   const std::vector<ParticipantInfo>& others,
                   const std::vector<ChatMessage>& chat = {});
std::string Chat(const ChatMessage& m);
std::string PublishAnswer(const RequestId& id, const std::string& sdp);
std::string SubscribeOffer(const std::string& sdp, const std::vector<SubscribedTrack>& tracks);
std::string IceCandidate(Connection connection, const std::string& candidate, uint32_t mline_index);
std::string ParticipantJoined(const ParticipantInfo& p);
std::string ParticipantLeft(const std::string& participant_id);
std::string TrackPublished(const std::string& participant_id, const TrackInfo& track);
std::string TrackUnpublished(const std::string& participant_id, const std::string& track_id);
std::string TrackMuted(const std::string& participant_id, const std::string& track_id, bool muted);
std::string Ack(const RequestId& id, const char* what);
std::string Left(const char* reason);
std::string Error(ErrorCode code, const std::string& message, const RequestId& id = {});

// JSON nodes shared with the REST API.
JsonNode* ParticipantToJson(const ParticipantInfo& p);  // transfer full
std::string ToJson(JsonNode* node);                      // does not take the node

}  // namespace mediagw::signaling
