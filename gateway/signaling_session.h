// One client's WebSocket signaling connection: parses and validates what the client sends,
// turns it into room operations, and carries the gateway's messages back.
#pragma once

#include <functional>
#include <string>

#include "mediagw/gref.h"
#include "auth.h"
#include "config.h"
#include "participant.h"
#include "rate_limiter.h"
#include "room_registry.h"

namespace mediagw {

class SignalingSession final : public Participant::Sink {
 public:
  using ClosedHandler = std::function<void(SignalingSession*)>;
  // What every session shares; all of it outlives the sessions (HttpApi owns the sessions).
  struct Context {
    RoomRegistry* rooms;
    const auth::KeyStore* keys;  // null: authentication is off
    const Limits* limits;
    RateLimiter* joins;          // joins a minute, per client address
    std::string address;         // the client's address
  };

  // Takes its own reference on the connection. on_closed runs (on the main context, deferred)
  // when the client is gone; the owner then destroys the session.
  SignalingSession(SoupWebsocketConnection* conn, Context ctx, ClosedHandler on_closed);
  ~SignalingSession() override;

  void Send(const std::string& text) override;
  void OnRemoved(const char* reason) override;
  // The gateway is going away: tell the client and close.
  void Close(const char* reason);
  const std::string& address() const { return ctx_.address; }

 private:
  static void HandleMessage(SoupWebsocketConnection*, gint type, GBytes* message, gpointer data);
  static void HandleClosed(SoupWebsocketConnection*, gpointer data);
  void Handle(const std::string& text);
  void Join(const signaling::ClientMessage& m);
  // Whether the joined participant may do what `grant` allows; answers `forbidden` when not.
  bool Granted(auth::Grant grant, const char* what, const signaling::RequestId& id);
  void LeaveRoom();
  Participant* CurrentParticipant();

  GRef<SoupWebsocketConnection> conn_;
  const Context ctx_;
  RoomRegistry& rooms_;
  ClosedHandler on_closed_;
  std::string room_;            // empty until joined
  std::string participant_id_;
  unsigned grants_ = auth::kAllGrants;  // the token's (every right with auth off)
  RateLimiter chat_;                    // chat messages per 10 s
  bool closed_ = false;
};

}  // namespace mediagw
