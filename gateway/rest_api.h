// The REST API under /v1: one route table, one boundary.
//
// Why one boundary: every request crosses the same steps in the same order — match a route (404,
// 405), authenticate the bearer token (401), authorize the route's grant for its room (403),
// rate-limit the caller (429), parse and check the body against the route's field table (400,
// 413) — before any handler runs. Handlers return a reply or a typed error, and one function
// turns errors into a status and {"error": {"code", "message"}}. docs/api.yaml documents every
// route and every status it can answer; a test holds the two together.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "auth.h"
#include "config.h"
#include "fields.h"
#include "mediagw/gref.h"
#include "rate_limiter.h"
#include "room_registry.h"
#include "rtmp_url.h"

namespace mediagw {

// Every error the REST API answers; ApiErrorStatus/ApiErrorCode give its status and code.
enum class ApiError {
  kBadJson,
  kTooLarge,
  kBadField,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kMethodNotAllowed,
  kUnknownRoom,
  kUnknownRestream,
  kHlsNotRunning,
  kRoomExists,
  kSettingsDiffer,
  kHlsRunning,
  kTooManyTargets,
  kForbiddenTarget,
  kRateLimited,
  kRoomLimit,
  kHlsFailed,
};
guint ApiErrorStatus(ApiError e);
// {"error": {"code", "message"}}: the one shape of every error the HTTP server answers.
JsonNode* ApiErrorJson(const char* code, const std::string& message);
const char* ApiErrorCode(ApiError e);

struct ApiFailure {
  ApiError error;
  std::string message;
  unsigned retry_after_s = 0;  // 429: the Retry-After header
};

struct ApiReply {
  guint status = 200;
  GRef<JsonNode> body;  // null: no body (204)
};

// The handler answers later (it paused the message and calls Finish itself).
struct ApiDeferred {};

using ApiResult = std::variant<ApiReply, ApiFailure, ApiDeferred>;

class RestApi {
 public:
  // `keys` null means authentication is off (a loopback-only gateway without keys).
  RestApi(const Config& config, RoomRegistry& rooms, const auth::KeyStore* keys);
  ~RestApi();
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  void Handle(SoupServerMessage* msg, const std::string& path);

  // Who may call a route.
  enum class Access { kGlobalAdmin, kRoomAdmin };
  struct Request;
  using Handler = ApiResult (RestApi::*)(Request&);
  struct Route {
    const char* method;
    const char* pattern;  // segments; "{room}" and "{id}" match one segment each
    Access access;
    Handler handler;
    std::span<const signaling::FieldSpec> body;  // empty: the route takes no body
    bool body_optional = false;
  };
  static std::span<const Route> Routes();

  struct Request {
    SoupServerMessage* msg;
    std::string method;
    std::map<std::string, std::string> params;  // "room", "id"
    std::optional<auth::Claims> caller;         // set when authentication is on
    GRef<JsonParser> parser;                    // owns `body`
    JsonObject* body = nullptr;                 // checked against the route's table (or null)
    Room* room = nullptr;                       // the {room} of the path, when the route has one
  };

 private:
  struct PendingTarget;
  ApiResult ListRooms(Request& r);
  ApiResult CreateRoom(Request& r);
  ApiResult GetRoom(Request& r);
  ApiResult DeleteRoom(Request& r);
  ApiResult ListRestreams(Request& r);
  ApiResult CreateRestream(Request& r);
  ApiResult GetRestream(Request& r);
  ApiResult DeleteRestream(Request& r);
  ApiResult StartHls(Request& r);
  ApiResult GetHls(Request& r);
  ApiResult StopHls(Request& r);
  ApiResult CreateInvite(Request& r);

  std::optional<ApiFailure> Authenticate(Request& r, const Route& route);
  std::optional<ApiFailure> RateLimit(Request& r);
  // Starts the target once its host passed the destination check.
  ApiResult StartTarget(const std::string& room, const signaling::RtmpUrl& url,
                        const RestreamSettings& s);
  static void OnResolved(GObject* resolver, GAsyncResult* result, gpointer data);
  static void Finish(SoupServerMessage* msg, const ApiResult& result);

  const Config& config_;
  RoomRegistry& rooms_;
  const auth::KeyStore* const keys_;
  GRef<GCancellable> cancel_ = GRef<GCancellable>::Adopt(g_cancellable_new());
  RateLimiter rate_;  // requests a second, per token (or per address with auth off)
};

}  // namespace mediagw
