#include "signaling_session.h"

#include "protocol.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_signaling_debug);
#define GST_CAT_DEFAULT mediagw_signaling_debug

namespace mediagw {

using signaling::ErrorCode;
using signaling::MessageType;

SignalingSession::SignalingSession(SoupWebsocketConnection* conn, Context ctx,
                                   ClosedHandler on_closed)
    : conn_(GRef<SoupWebsocketConnection>::Ref(conn)),
      ctx_(std::move(ctx)),
      rooms_(*ctx_.rooms),
      on_closed_(std::move(on_closed)),
      chat_(ctx_.limits->chat_per_10s, 10 * G_USEC_PER_SEC) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_signaling_debug, "mediagw-signaling", 0, "signaling sessions");
    g_once_init_leave(&once, 1);
  }
  // Frames above 64 KiB are answered with too_large; only far larger ones close the connection.
  soup_websocket_connection_set_max_incoming_payload_size(conn, 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval(conn, 15);
  g_signal_connect(conn, "message", G_CALLBACK(HandleMessage), this);
  g_signal_connect(conn, "closed", G_CALLBACK(HandleClosed), this);
}

SignalingSession::~SignalingSession() {
  g_signal_handlers_disconnect_by_data(conn_.get(), this);
  LeaveRoom();
  if (soup_websocket_connection_get_state(conn_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(conn_.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
}

void SignalingSession::Send(const std::string& text) {
  if (soup_websocket_connection_get_state(conn_.get()) != SOUP_WEBSOCKET_STATE_OPEN) return;
  soup_websocket_connection_send_text(conn_.get(), text.c_str());
}

void SignalingSession::OnRemoved(const char* reason) {
  Send(signaling::Left(reason));
  room_.clear();
  participant_id_.clear();
}

void SignalingSession::Close(const char* reason) {
  LeaveRoom();
  Send(signaling::Left(reason));
  if (soup_websocket_connection_get_state(conn_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(conn_.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, reason);
}

void SignalingSession::LeaveRoom() {
  if (room_.empty()) return;
  std::string room = std::move(room_), pid = std::move(participant_id_);
  room_.clear();
  participant_id_.clear();
  if (Room* r = rooms_.Find(room)) r->Leave(pid);
}

Participant* SignalingSession::CurrentParticipant() {
  if (room_.empty()) return nullptr;
  Room* r = rooms_.Find(room_);
  return r ? r->Find(participant_id_) : nullptr;
}

void SignalingSession::HandleMessage(SoupWebsocketConnection*, gint type, GBytes* message,
                                     gpointer data) {
  auto* self = static_cast<SignalingSession*>(data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    self->Send(signaling::Error(ErrorCode::kBadJson, "messages must be text frames"));
    return;
  }
  gsize size = 0;
  const char* bytes = static_cast<const char*>(g_bytes_get_data(message, &size));
  self->Handle(std::string(bytes ? bytes : "", size));
}

void SignalingSession::HandleClosed(SoupWebsocketConnection*, gpointer data) {
  auto* self = static_cast<SignalingSession*>(data);
  if (self->closed_) return;
  self->closed_ = true;
  GST_INFO("signaling connection closed (room %s, participant %s)", self->room_.c_str(),
           self->participant_id_.c_str());
  self->LeaveRoom();
  self->on_closed_(self);
}

void SignalingSession::Handle(const std::string& text) {
  signaling::ParseResult parsed = signaling::Parse(text);
  if (parsed.error) {
    GST_INFO("rejected message: %s", parsed.error->message.c_str());
    Send(signaling::Error(parsed.error->code, parsed.error->message, parsed.error->id));
    return;
  }
  const signaling::ClientMessage& m = *parsed.message;
  if (m.type == MessageType::kJoin) {
    Join(m);
    return;
  }
  Participant* p = CurrentParticipant();
  if (!p) {
    Send(signaling::Error(ErrorCode::kNotJoined, "join a room first", m.id));
    return;
  }
  switch (m.type) {
    case MessageType::kPublish:
      if (Granted(auth::kPublish, "publish", m.id)) p->Publish(m.sdp, m.id);
      break;
    case MessageType::kSubscribeAnswer:
      if (Granted(auth::kSubscribe, "subscribe", m.id)) p->AnswerSubscribe(m.sdp, m.id);
      break;
    case MessageType::kIce:
      p->AddCandidate(m.connection, m.mline_index, m.candidate, m.id);
      break;
    case MessageType::kMute:
      rooms_.Find(room_)->SetMuted(*p, m.kind == signaling::TrackKind::kVideo ? MediaKind::kVideo
                                                                              : MediaKind::kAudio,
                                   m.muted, m.id);
      break;
    case MessageType::kChat:
      if (!Granted(auth::kChat, "chat", m.id)) break;
      if (!chat_.Allow("")) {
        Send(signaling::Error(ErrorCode::kRateLimited,
                              "more than " + std::to_string(chat_.limit()) +
                                  " chat messages in 10 s ([limits] chat_per_10s)",
                              m.id));
        break;
      }
      rooms_.Find(room_)->PostChat(*p, m.text, m.id);
      break;
    case MessageType::kLeave:
      LeaveRoom();
      Send(signaling::Left("left"));
      break;
    case MessageType::kJoin:
      break;
  }
}

bool SignalingSession::Granted(auth::Grant grant, const char* what,
                               const signaling::RequestId& id) {
  if (grants_ & (grant | auth::kAdmin)) return true;
  Send(signaling::Error(ErrorCode::kForbidden,
                        std::string("your token does not allow ") + what + " in this room", id));
  return false;
}

void SignalingSession::Join(const signaling::ClientMessage& m) {
  if (!room_.empty()) {
    Send(signaling::Error(ErrorCode::kAlreadyJoined, "already in room " + room_, m.id));
    return;
  }
  std::string name = m.name, identity;
  unsigned grants = auth::kAllGrants;
  if (ctx_.keys) {
    if (m.token.empty()) {
      Send(signaling::Error(ErrorCode::kUnauthorized, "join needs a token", m.id));
      return;
    }
    auth::VerifyResult v = auth::Verify(m.token, *ctx_.keys, g_get_real_time() / G_USEC_PER_SEC);
    if (!v.claims) {
      GST_INFO("join refused (%s): %s", ctx_.address.c_str(), v.error.c_str());
      Send(signaling::Error(ErrorCode::kUnauthorized, v.error, m.id));
      return;
    }
    if (!v.claims->CoversRoom(m.room)) {
      Send(signaling::Error(ErrorCode::kForbidden, "your token is for another room", m.id));
      return;
    }
    if (!v.claims->Allows(m.room, auth::kJoin)) {
      Send(signaling::Error(ErrorCode::kForbidden, "your token does not allow joining", m.id));
      return;
    }
    if (v.claims->identity.empty()) {
      Send(signaling::Error(ErrorCode::kUnauthorized, "a join token needs a sub (identity)", m.id));
      return;
    }
    // A screen share is a second participant of the same person: it replaces only an earlier
    // screen share of theirs.
    identity = v.claims->identity + (m.screen ? "#screen" : "");
    grants = v.claims->grants & auth::kAdmin ? auth::kAllGrants : v.claims->grants;
    if (!v.claims->name.empty()) name = v.claims->name;  // the token's name is the one vouched for
  }
  if (!ctx_.joins->Allow(ctx_.address)) {
    Send(signaling::Error(ErrorCode::kRateLimited,
                          "more than " + std::to_string(ctx_.joins->limit()) +
                              " joins a minute from your address ([limits] joins_per_minute)",
                          m.id));
    return;
  }
  Room* room = nullptr;
  if (rooms_.Create(m.room, false, &room) == RoomRegistry::CreateResult::kLimit) {
    Send(signaling::Error(ErrorCode::kRoomFull, "this gateway has reached its room limit", m.id));
    return;
  }
  Participant::Who who{name, identity, (grants & auth::kSubscribe) != 0};
  if (Participant* p = room->Join(who, this, m.id)) {
    room_ = m.room;
    participant_id_ = p->id();
    grants_ = grants;
  } else if (room->size() == 0 && !room->persistent()) {
    rooms_.Delete(m.room);
  }
}

}  // namespace mediagw
