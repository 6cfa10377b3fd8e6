#include "messages.h"

#include "mediagw/gref.h"

namespace mediagw::signaling {
namespace {

// Builds one message: {"type": type, ...fields added by fill..., "id": id}.
template <typename Fill>
std::string Build(const char* type, const RequestId& id, Fill fill) {
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "type");
  json_builder_add_string_value(b.get(), type);
  if (id) {
    json_builder_set_member_name(b.get(), "id");
    json_builder_add_string_value(b.get(), id->c_str());
  }
  fill(b.get());
  json_builder_end_object(b.get());
  auto root = GRef<JsonNode>::Adopt(json_builder_get_root(b.get()));
  return ToJson(root.get());
}

void AddString(JsonBuilder* b, const char* name, const std::string& v) {
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v.c_str());
}

void AddTrack(JsonBuilder* b, const TrackInfo& t) {
  json_builder_begin_object(b);
  AddString(b, "id", t.id);
  AddString(b, "kind", TrackKindName(t.kind));
  AddString(b, "codec", t.codec);
  json_builder_set_member_name(b, "muted");
  json_builder_add_boolean_value(b, t.muted);
  json_builder_end_object(b);
}

void AddParticipant(JsonBuilder* b, const ParticipantInfo& p) {
  json_builder_begin_object(b);
  AddString(b, "id", p.id);
  AddString(b, "name", p.name);
  json_builder_set_member_name(b, "tracks");
  json_builder_begin_array(b);
  for (const auto& t : p.tracks) AddTrack(b, t);
  json_builder_end_array(b);
  json_builder_end_object(b);
}

}  // namespace

std::string ToJson(JsonNode* node) {
  auto gen = GRef<JsonGenerator>::Adopt(json_generator_new());
  json_generator_set_root(gen.get(), node);
  GCharPtr text(json_generator_to_data(gen.get(), nullptr));
  return text.get();
}

JsonNode* ParticipantToJson(const ParticipantInfo& p) {
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  AddParticipant(b.get(), p);
  return json_builder_get_root(b.get());
}

namespace {
void AddChat(JsonBuilder* b, const ChatMessage& m) {
  AddString(b, "participant_id", m.participant_id);
  AddString(b, "name", m.name);
  AddString(b, "text", m.text);
  json_builder_set_member_name(b, "time_ms");
  json_builder_add_int_value(b, m.time_ms);
}
}  // namespace

std::string Joined(const RequestId& id, const std::string& room, const std::string& participant_id,
                   const std::vector<ParticipantInfo>& others, const std::vector<ChatMessage>& chat) {
  return Build("joined", id, [&](JsonBuilder* b) {
    AddString(b, "room", room);
    AddString(b, "participant_id", participant_id);
    json_builder_set_member_name(b, "participants");
    json_builder_begin_array(b);
    for (const auto& p : others) AddParticipant(b, p);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "chat");
    json_builder_begin_array(b);
    for (const auto& m : chat) {
      json_builder_begin_object(b);
      AddChat(b, m);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
  });
}

std::string Chat(const ChatMessage& m) {
  return Build("chat", {}, [&](JsonBuilder* b) { AddChat(b, m); });
}

std::string PublishAnswer(const RequestId& id, const std::string& sdp) {
  return Build("publish_answer", id, [&](JsonBuilder* b) { AddString(b, "sdp", sdp); });
}

std::string SubscribeOffer(const std::string& sdp, const std::vector<SubscribedTrack>& tracks) {
  return Build("subscribe_offer", {}, [&](JsonBuilder* b) {
    AddString(b, "sdp", sdp);
    json_builder_set_member_name(b, "tracks");
    json_builder_begin_array(b);
    for (const auto& t : tracks) {
      json_builder_begin_object(b);
      AddString(b, "mid", t.mid);
      AddString(b, "track_id", t.track_id);
      AddString(b, "participant_id", t.participant_id);
      AddString(b, "kind", TrackKindName(t.kind));
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
  });
}

std::string IceCandidate(Connection connection, const std::string& candidate,
                         uint32_t mline_index) {
  return Build("ice", {}, [&](JsonBuilder* b) {
    AddString(b, "connection", ConnectionName(connection));
    AddString(b, "candidate", candidate);
    json_builder_set_member_name(b, "sdp_mline_index");
    json_builder_add_int_value(b, mline_index);
  });
}

std::string ParticipantJoined(const ParticipantInfo& p) {
  return Build("participant_joined", {}, [&](JsonBuilder* b) {
    json_builder_set_member_name(b, "participant");
    AddParticipant(b, p);
  });
}

std::string ParticipantLeft(const std::string& participant_id) {
  return Build("participant_left", {},
               [&](JsonBuilder* b) { AddString(b, "participant_id", participant_id); });
}

std::string TrackPublished(const std::string& participant_id, const TrackInfo& track) {
  return Build("track_published", {}, [&](JsonBuilder* b) {
    AddString(b, "participant_id", participant_id);
    json_builder_set_member_name(b, "track");
    AddTrack(b, track);
  });
}

std::string TrackUnpublished(const std::string& participant_id, const std::string& track_id) {
  return Build("track_unpublished", {}, [&](JsonBuilder* b) {
    AddString(b, "participant_id", participant_id);
    AddString(b, "track_id", track_id);
  });
}

std::string TrackMuted(const std::string& participant_id, const std::string& track_id, bool muted) {
  return Build("track_muted", {}, [&](JsonBuilder* b) {
    AddString(b, "participant_id", participant_id);
    AddString(b, "track_id", track_id);
    json_builder_set_member_name(b, "muted");
    json_builder_add_boolean_value(b, muted);
  });
}

std::string Ack(const RequestId& id, const char* what) {
  return Build("ack", id, [&](JsonBuilder* b) { AddString(b, "request", what); });
}

std::string Left(const char* reason) {
  return Build("left", {}, [&](JsonBuilder* b) { AddString(b, "reason", reason); });
}

std::string Error(ErrorCode code, const std::string& message, const RequestId& id) {
  return Build("error", id, [&](JsonBuilder* b) {
    AddString(b, "code", ErrorCodeName(code));
    AddString(b, "message", message);
  });
}

}  // namespace mediagw::signaling
