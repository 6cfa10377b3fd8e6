// mediagw's HTTP face (libsoup 3): the REST API under /v1, WebSocket signaling at /v1/signal,
// the browser app, and /healthz. docs/api.yaml is the REST reference.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config.h"
#include "mediagw/gref.h"
#include "rate_limiter.h"
#include "rest_api.h"
#include "room_registry.h"
#include "signaling_session.h"

namespace mediagw {

class HttpApi {
 public:
  // `keys` null: authentication is off (see docs/security.md for when that is allowed).
  HttpApi(const Config& config, RoomRegistry& rooms, const auth::KeyStore* keys,
          GMainContext* main);
  ~HttpApi();

  // Binds the configured address; throws std::runtime_error when it cannot.
  void Listen();
  unsigned port() const { return port_; }
  // Tells every connected client the gateway is going away and closes their connections.
  void CloseAll(const char* reason);
  size_t sessions() const { return sessions_.size(); }

 private:
  static void HandleRest(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer data);
  static void HandleWeb(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer data);
  static void HandleHealth(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*, gpointer data);
  static void HandleSocket(SoupServer*, SoupServerMessage*, const char*, SoupWebsocketConnection* conn,
                           gpointer data);
  void ServeFile(SoupServerMessage* msg, const std::string& name);
  void ServeHls(SoupServerMessage* msg, const std::string& rest);

  const Config& config_;
  RoomRegistry& rooms_;
  const auth::KeyStore* const keys_;
  GMainContext* main_;
  RestApi rest_;
  RateLimiter joins_;  // joins a minute, per client address
  GRef<SoupServer> server_;
  unsigned port_ = 0;
  std::map<SignalingSession*, std::unique_ptr<SignalingSession>> sessions_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mediagw
