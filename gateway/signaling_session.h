// One client's WebSocket signaling connection: parses and validates what the client sends,
// turns it into room operations, and carries the gateway's messages back.
#pragma once

#include <functional>
#include <string>

#include "mediagw/gref.h"
#include "participant.h"
#include "room_registry.h"

namespace mediagw {

class SignalingSession final : public Participant::Sink {
 public:
  using ClosedHandler = std::function<void(SignalingSession*)>;

  // Takes its own reference on the connection. on_closed runs (on the main context, deferred)
  // when the client is gone; the owner then destroys the session.
  SignalingSession(SoupWebsocketConnection* conn, RoomRegistry& rooms, ClosedHandler on_closed);
  ~SignalingSession() override;

  void Send(const std::string& text) override;
  void OnRemoved(const char* reason) override;
  // The gateway is going away: tell the client and close.
  void Close(const char* reason);

 private:
  static void HandleMessage(SoupWebsocketConnection*, gint type, GBytes* message, gpointer data);
  static void HandleClosed(SoupWebsocketConnection*, gpointer data);
  void Handle(const std::string& text);
  void LeaveRoom();
  Participant* CurrentParticipant();

  GRef<SoupWebsocketConnection> conn_;
  RoomRegistry& rooms_;
  ClosedHandler on_closed_;
  std::string room_;            // empty until joined
  std::string participant_id_;
  bool closed_ = false;
};

}  // namespace mediagw
