#include "rest_api.h"

#include <cstring>

#include "messages.h"
#include "protocol.h"
#include "rest_bodies.h"
#include "rtmp_url.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_rest_debug);
#define GST_CAT_DEFAULT mediagw_rest_debug

namespace mediagw {

namespace {

struct ErrorInfo {
  ApiError error;
  guint status;
  const char* code;
};
constexpr ErrorInfo kErrors[] = {
    {ApiError::kBadJson, 400, "bad_json"},
    {ApiError::kTooLarge, 413, "too_large"},
    {ApiError::kBadField, 400, "bad_field"},
    {ApiError::kUnauthorized, 401, "unauthorized"},
    {ApiError::kForbidden, 403, "forbidden"},
    {ApiError::kNotFound, 404, "not_found"},
    {ApiError::kMethodNotAllowed, 405, "method_not_allowed"},
    {ApiError::kUnknownRoom, 404, "unknown_room"},
    {ApiError::kUnknownRestream, 404, "unknown_restream"},
    {ApiError::kHlsNotRunning, 404, "hls_not_running"},
    {ApiError::kRoomExists, 409, "exists"},
    {ApiError::kSettingsDiffer, 409, "settings_differ"},
    {ApiError::kHlsRunning, 409, "hls_running"},
    {ApiError::kTooManyTargets, 409, "too_many_targets"},
    {ApiError::kForbiddenTarget, 403, "forbidden_target"},
    {ApiError::kRateLimited, 429, "rate_limited"},
    {ApiError::kRoomLimit, 503, "room_limit"},
    {ApiError::kHlsFailed, 500, "hls_failed"},
};

const ErrorInfo& Info(ApiError e) {
  for (const auto& i : kErrors)
    if (i.error == e) return i;
  return kErrors[0];
}

ApiResult Fail(ApiError e, std::string message) {
  return ApiFailure{e, std::move(message)};
}
ApiResult Reply(guint status, JsonNode* body) {
  return ApiReply{status, GRef<JsonNode>::Adopt(body)};
}

using signaling::kHlsBody;
using signaling::kInviteBody;
using signaling::kRestreamBody;
using signaling::kRoomBody;

/* ---- JSON answers ---- */

JsonNode* RoomJson(Room& room, bool with_participants) {
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "name");
  json_builder_add_string_value(b.get(), room.name().c_str());
  json_builder_set_member_name(b.get(), "created_at");
  json_builder_add_int_value(b.get(), room.created_at());
  json_builder_set_member_name(b.get(), "persistent");
  json_builder_add_boolean_value(b.get(), room.persistent());
  json_builder_set_member_name(b.get(), "num_participants");
  json_builder_add_int_value(b.get(), static_cast<gint64>(room.size()));
  if (with_participants) {
    json_builder_set_member_name(b.get(), "participants");
    json_builder_begin_array(b.get());
    for (const auto& p : room.Infos())
      json_builder_add_value(b.get(), signaling::ParticipantToJson(p));
    json_builder_end_array(b.get());
    // For operators (and the leak tests): what the room's media pipeline holds right now.
    json_builder_set_member_name(b.get(), "pipeline_elements");
    json_builder_add_int_value(b.get(),
                               static_cast<gint64>(room.pipeline().ElementFactories().size()));
  }
  json_builder_end_object(b.get());
  return json_builder_get_root(b.get());
}

// Members of a restream or HLS object, shared by both.
struct OutputJson {
  GRef<JsonBuilder> b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  OutputJson() { json_builder_begin_object(b.get()); }
  void Str(const char* k, const std::string& v) {
    json_builder_set_member_name(b.get(), k);
    json_builder_add_string_value(b.get(), v.c_str());
  }
  void Num(const char* k, gint64 v) {
    json_builder_set_member_name(b.get(), k);
    json_builder_add_int_value(b.get(), v);
  }
  void Settings(const Composite& c) {
    const RestreamSettings& s = c.settings();
    Str("layout", s.layout);
    if (s.layout == "speaker") {
      json_builder_set_member_name(b.get(), "speaker");
      if (c.speaker().empty())
        json_builder_add_null_value(b.get());
      else
        json_builder_add_string_value(b.get(), c.speaker().c_str());
    }
    Num("width", s.width);
    Num("height", s.height);
    Num("fps", s.fps);
    Num("video_bitrate_kbps", s.video_bitrate_kbps);
    Num("audio_bitrate_kbps", s.audio_bitrate_kbps);
  }
  JsonNode* Finish(const std::string& last_error) {
    json_builder_set_member_name(b.get(), "last_error");
    if (last_error.empty())
      json_builder_add_null_value(b.get());
    else
      json_builder_add_string_value(b.get(), last_error.c_str());
    json_builder_end_object(b.get());
    return json_builder_get_root(b.get());
  }
};

JsonNode* RestreamJson(const RestreamTarget& r, const Composite& c) {
  OutputJson j;
  j.Str("id", r.id());
  j.Str("url", r.redacted_url());  // never the key
  j.Str("state", RestreamTarget::StateName(r.state()));
  j.Settings(c);
  j.Num("bytes_sent", static_cast<gint64>(r.bytes_sent()));
  j.Num("uptime_s", r.uptime_s());
  j.Num("reconnects", r.reconnects());
  return j.Finish(r.last_error());
}

JsonNode* HlsJson(const Room& room, const HlsOutput& h, const Composite& c) {
  OutputJson j;
  j.Str("state", HlsOutput::StateName(h.state()));
  j.Str("playlist_url", "/hls/" + room.name() + "/index.m3u8");
  j.Str("watch_url", "/watch/" + room.name());
  j.Settings(c);
  j.Num("segment_seconds", HlsOutput::kSegmentSeconds);
  j.Num("segments", h.segments());
  j.Num("uptime_s", h.uptime_s());
  return j.Finish(h.last_error());
}

JsonNode* ListJson(const char* member, const std::vector<JsonNode*>& items) {
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), member);
  json_builder_begin_array(b.get());
  for (JsonNode* n : items) json_builder_add_value(b.get(), n);
  json_builder_end_array(b.get());
  json_builder_end_object(b.get());
  return json_builder_get_root(b.get());
}

}  // namespace

JsonNode* ApiErrorJson(const char* code, const std::string& message) {
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "error");
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "code");
  json_builder_add_string_value(b.get(), code);
  json_builder_set_member_name(b.get(), "message");
  json_builder_add_string_value(b.get(), message.c_str());
  json_builder_end_object(b.get());
  json_builder_end_object(b.get());
  return json_builder_get_root(b.get());
}

namespace {

/* ---- settings ---- */

// 409 when the room's composite runs with other settings than `s`.
std::optional<ApiFailure> SettingsConflict(const Room& room, const RestreamSettings& s) {
  const Composite* c = room.composite();
  if (!c) return std::nullopt;
  const RestreamSettings& current = c->settings();
  if (s.width == current.width && s.height == current.height && s.fps == current.fps &&
      s.layout == current.layout && s.video_bitrate_kbps == current.video_bitrate_kbps &&
      s.audio_bitrate_kbps == current.audio_bitrate_kbps)
    return std::nullopt;
  return ApiFailure{ApiError::kSettingsDiffer,
                    "this room's restreams and HLS share one encode at " +
                        std::to_string(current.width) + "x" + std::to_string(current.height) + "@" +
                        std::to_string(current.fps) + " (" + current.layout +
                        "); ask for the same settings (or leave them out)"};
}

// The composite settings a body asks for, over the room's current ones (or the defaults).
// Answers what is wrong: 400 for a bad value, 409 when a composite runs with other settings.
std::optional<ApiFailure> ReadSettings(JsonObject* obj, const Room& room, RestreamSettings* s) {
  const RestreamSettings* current = room.composite() ? &room.composite()->settings() : nullptr;
  if (current) *s = *current;
  if (obj) {
    if (JsonNode* n = json_object_get_member(obj, "layout")) s->layout = json_node_get_string(n);
    auto get_int = [&](const char* key, int* out) {
      if (JsonNode* n = json_object_get_member(obj, key))
        *out = static_cast<int>(json_node_get_int(n));  // the table bounds it to +-1e6
    };
    get_int("width", &s->width);
    get_int("height", &s->height);
    get_int("fps", &s->fps);
    get_int("video_bitrate_kbps", &s->video_bitrate_kbps);
    get_int("audio_bitrate_kbps", &s->audio_bitrate_kbps);
  }
  if (std::string bad = CheckRestreamSettings(*s); !bad.empty())
    return ApiFailure{ApiError::kBadField, bad};
  return SettingsConflict(room, *s);
}

std::optional<ApiFailure> CheckTargetCount(const Room& room, unsigned max) {
  if (room.Restreams().size() >= max)
    return ApiFailure{ApiError::kTooManyTargets,
                      "room " + room.name() + " already has " + std::to_string(max) +
                          " restream targets ([restream] max_targets_per_room)"};
  return std::nullopt;
}

// Splits "/v1/rooms/x/" into {"v1", "rooms", "x"}; false for empty segments in between.
bool SplitPath(const std::string& path, std::vector<std::string>* out) {
  std::string p = path;
  if (p.size() > 1 && p.back() == '/') p.pop_back();
  GUnique<char*> parts(g_strsplit(p.c_str(), "/", -1));
  bool first = true;
  for (char** s = parts.get(); *s; s++) {
    if (first) {
      first = false;
      if (**s) return false;  // the path starts with '/'
      continue;
    }
    if (!**s) return false;
    out->emplace_back(*s);
  }
  return true;
}

bool MatchRoute(const char* pattern, const std::vector<std::string>& segments,
                std::map<std::string, std::string>* params) {
  std::vector<std::string> want;
  if (!SplitPath(pattern, &want) || want.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); i++) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}')
      found[w.substr(1, w.size() - 2)] = segments[i];
    else if (w != segments[i])
      return false;
  }
  *params = std::move(found);
  return true;
}

}  // namespace

guint ApiErrorStatus(ApiError e) {
  return Info(e).status;
}
const char* ApiErrorCode(ApiError e) {
  return Info(e).code;
}

std::span<const RestApi::Route> RestApi::Routes() {
  using A = Access;
  static const Route kRoutes[] = {
      {"GET", "/v1/rooms", A::kGlobalAdmin, &RestApi::ListRooms, {}},
      {"POST", "/v1/rooms", A::kGlobalAdmin, &RestApi::CreateRoom, kRoomBody},
      {"GET", "/v1/rooms/{room}", A::kRoomAdmin, &RestApi::GetRoom, {}},
      {"DELETE", "/v1/rooms/{room}", A::kRoomAdmin, &RestApi::DeleteRoom, {}},
      {"GET", "/v1/rooms/{room}/restreams", A::kRoomAdmin, &RestApi::ListRestreams, {}},
      {"POST", "/v1/rooms/{room}/restreams", A::kRoomAdmin, &RestApi::CreateRestream,
       kRestreamBody},
      {"GET", "/v1/rooms/{room}/restreams/{id}", A::kRoomAdmin, &RestApi::GetRestream, {}},
      {"DELETE", "/v1/rooms/{room}/restreams/{id}", A::kRoomAdmin, &RestApi::DeleteRestream, {}},
      {"POST", "/v1/rooms/{room}/hls", A::kRoomAdmin, &RestApi::StartHls, kHlsBody, true},
      {"GET", "/v1/rooms/{room}/hls", A::kRoomAdmin, &RestApi::GetHls, {}},
      {"DELETE", "/v1/rooms/{room}/hls", A::kRoomAdmin, &RestApi::StopHls, {}},
      {"POST", "/v1/rooms/{room}/invites", A::kRoomAdmin, &RestApi::CreateInvite, kInviteBody,
       true},
  };
  return kRoutes;
}

RestApi::RestApi(const Config& config, RoomRegistry& rooms, const auth::KeyStore* keys)
    : config_(config),
      rooms_(rooms),
      keys_(keys),
      rate_(config.limits.rest_per_second, G_USEC_PER_SEC) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_rest_debug, "mediagw-rest", 0, "REST API");
    g_once_init_leave(&once, 1);
  }
}

RestApi::~RestApi() {
  g_cancellable_cancel(cancel_.get());
}

void RestApi::Finish(SoupServerMessage* msg, const ApiResult& result) {
  if (const auto* reply = std::get_if<ApiReply>(&result)) {
    soup_server_message_set_status(msg, reply->status, nullptr);
    if (reply->body) {
      std::string text = signaling::ToJson(reply->body.get());
      soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text.data(),
                                       text.size());
    }
    return;
  }
  if (const auto* f = std::get_if<ApiFailure>(&result)) {
    const ErrorInfo& info = Info(f->error);
    auto body = GRef<JsonNode>::Adopt(ApiErrorJson(info.code, f->message));
    std::string text = signaling::ToJson(body.get());
    soup_server_message_set_status(msg, info.status, nullptr);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text.data(),
                                     text.size());
    SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
    if (f->error == ApiError::kUnauthorized)
      soup_message_headers_replace(h, "WWW-Authenticate", "Bearer realm=\"mediagw\"");
    if (f->retry_after_s)
      soup_message_headers_replace(h, "Retry-After", std::to_string(f->retry_after_s).c_str());
  }
}

void RestApi::Handle(SoupServerMessage* msg, const std::string& path) {
  Request r;
  r.msg = msg;
  r.method = soup_server_message_get_method(msg);
  std::vector<std::string> segments;
  const Route* route = nullptr;
  std::string allowed;
  if (SplitPath(path, &segments)) {
    for (const Route& candidate : Routes()) {
      std::map<std::string, std::string> params;
      if (!MatchRoute(candidate.pattern, segments, &params)) continue;
      allowed += (allowed.empty() ? "" : ", ") + std::string(candidate.method);
      if (r.method == candidate.method) {
        route = &candidate;
        r.params = std::move(params);
      }
    }
  }
  if (!route) {
    if (allowed.empty())
      return Finish(msg, Fail(ApiError::kNotFound, "no such resource: " + path.substr(0, 200)));
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 allowed.c_str());
    return Finish(msg, Fail(ApiError::kMethodNotAllowed,
                            r.method + " is not allowed here (allowed: " + allowed + ")"));
  }
  if (auto f = Authenticate(r, *route)) return Finish(msg, *f);
  if (auto f = RateLimit(r)) return Finish(msg, *f);
  if (auto it = r.params.find("room"); it != r.params.end()) {
    if (!signaling::IsValidRoomName(it->second) || !(r.room = rooms_.Find(it->second)))
      return Finish(msg, Fail(ApiError::kUnknownRoom, "no room named " + it->second.substr(0, 64)));
  }
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (!route->body.empty() && !(route->body_optional && body->length == 0)) {
    auto bytes = GRef<GBytes>::Adopt(soup_message_body_flatten(body));
    gsize size = 0;
    const char* text = static_cast<const char*>(g_bytes_get_data(bytes.get(), &size));
    if (auto problem = signaling::ReadRestBody(std::string_view(text ? text : "", size),
                                               route->body, &r.parser, &r.body)) {
      using Kind = signaling::BodyProblem::Kind;
      ApiError e = problem->kind == Kind::kTooLarge  ? ApiError::kTooLarge
                   : problem->kind == Kind::kBadJson ? ApiError::kBadJson
                                                     : ApiError::kBadField;
      return Finish(msg, Fail(e, problem->message));
    }
  }
  ApiResult result = (this->*(route->handler))(r);
  if (!std::holds_alternative<ApiDeferred>(result)) Finish(msg, result);
}

std::optional<ApiFailure> RestApi::Authenticate(Request& r, const Route& route) {
  if (!keys_) return std::nullopt;
  const char* header =
      soup_message_headers_get_one(soup_server_message_get_request_headers(r.msg), "Authorization");
  if (!header) return ApiFailure{ApiError::kUnauthorized, "this needs Authorization: Bearer TOKEN"};
  if (g_ascii_strncasecmp(header, "Bearer ", 7) != 0)
    return ApiFailure{ApiError::kUnauthorized, "Authorization must be Bearer TOKEN"};
  auth::VerifyResult v = auth::Verify(header + 7, *keys_, g_get_real_time() / G_USEC_PER_SEC);
  if (!v.claims) {
    GST_INFO("REST %s refused: %s", r.method.c_str(), v.error.c_str());
    return ApiFailure{ApiError::kUnauthorized, v.error};
  }
  r.caller = std::move(v.claims);
  if (route.access == Access::kGlobalAdmin && !r.caller->Allows("*", auth::kAdmin))
    return ApiFailure{ApiError::kForbidden, "this needs a token with admin on room \"*\""};
  if (route.access == Access::kRoomAdmin && !r.caller->Allows(r.params["room"], auth::kAdmin))
    return ApiFailure{ApiError::kForbidden,
                      "this needs a token with admin on room " + r.params["room"].substr(0, 64)};
  return std::nullopt;
}

std::optional<ApiFailure> RestApi::RateLimit(Request& r) {
  // Per token (its signature part is unique to it); per client address with auth off.
  std::string who;
  if (r.caller) {
    const char* header = soup_message_headers_get_one(
        soup_server_message_get_request_headers(r.msg), "Authorization");
    const char* dot = header ? strrchr(header, '.') : nullptr;
    who = dot ? dot : "";
  } else {
    const char* host = soup_server_message_get_remote_host(r.msg);
    who = host ? host : "";
  }
  if (rate_.Allow(who)) return std::nullopt;
  return ApiFailure{ApiError::kRateLimited,
                    "more than " + std::to_string(rate_.limit()) +
                        " requests a second ([limits] rest_per_second)",
                    rate_.RetryAfterSeconds()};
}

/* ---- rooms ---- */

ApiResult RestApi::ListRooms(Request&) {
  std::vector<JsonNode*> items;
  for (Room* room : rooms_.List()) items.push_back(RoomJson(*room, false));
  return Reply(200, ListJson("rooms", items));
}

ApiResult RestApi::CreateRoom(Request& r) {
  std::string name = json_node_get_string(json_object_get_member(r.body, "name"));
  if (!signaling::IsValidRoomName(name))
    return Fail(ApiError::kBadField, "name must be 1-64 characters of A-Z a-z 0-9 _ -");
  Room* room = nullptr;
  switch (rooms_.Create(name, true, &room)) {
    case RoomRegistry::CreateResult::kCreated:
      return Reply(201, RoomJson(*room, true));
    case RoomRegistry::CreateResult::kExists:
      return Fail(ApiError::kRoomExists, "room " + name + " exists");
    case RoomRegistry::CreateResult::kLimit:
      break;
  }
  return Fail(ApiError::kRoomLimit, "this gateway has reached its room limit");
}

ApiResult RestApi::GetRoom(Request& r) {
  return Reply(200, RoomJson(*r.room, true));
}

ApiResult RestApi::DeleteRoom(Request& r) {
  rooms_.Delete(r.room->name());
  return ApiReply{204, {}};
}

/* ---- restreams ---- */

ApiResult RestApi::ListRestreams(Request& r) {
  std::vector<JsonNode*> items;
  for (const auto& t : r.room->Restreams()) items.push_back(RestreamJson(*t, *r.room->composite()));
  return Reply(200, ListJson("restreams", items));
}

// A target waiting for its host name to resolve (the HTTP answer is paused meanwhile).
struct RestApi::PendingTarget {
  RestApi* api;
  GRef<GCancellable> cancel;  // the API's: cancelled when it goes
  GRef<SoupServerMessage> msg;
  bool disconnected = false;  // the client went away: nobody to answer
  gulong disconnect_handler = 0;
  std::string room;
  signaling::RtmpUrl url;
  RestreamSettings settings;
};

ApiResult RestApi::CreateRestream(Request& r) {
  auto parsed =
      signaling::ParseRtmpUrl(json_node_get_string(json_object_get_member(r.body, "url")));
  if (!parsed.url) return Fail(ApiError::kBadField, parsed.error);
  RestreamSettings s;
  if (auto f = ReadSettings(r.body, *r.room, &s)) return *f;
  if (auto f = CheckTargetCount(*r.room, config_.restream.max_targets_per_room)) return *f;
  const signaling::RtmpUrl& url = *parsed.url;
  if (config_.restream.allow_private_targets) return StartTarget(r.room->name(), url, s);
  if (g_hostname_is_ip_address(url.host.c_str())) {
    auto address = GRef<GInetAddress>::Adopt(g_inet_address_new_from_string(url.host.c_str()));
    if (!address) return Fail(ApiError::kBadField, "url's host is not a usable IP address");
    if (std::string why = signaling::ForbiddenAddressReason(address.get()); !why.empty())
      return Fail(ApiError::kForbiddenTarget, "restream target " + url.host + " is " + why +
                                                  " ([restream] allow_private_targets allows it)");
    return StartTarget(r.room->name(), url, s);
  }
  // A name: resolved on GLib's resolver threads, checked when every address is known. The main
  // loop goes on meanwhile; the answer waits.
  auto* p = new PendingTarget{
      this, cancel_, GRef<SoupServerMessage>::Ref(r.msg), false, 0, r.room->name(), url, s};
  p->disconnect_handler =
      g_signal_connect(r.msg, "disconnected", G_CALLBACK(+[](SoupServerMessage*, gpointer data) {
                         static_cast<PendingTarget*>(data)->disconnected = true;
                       }),
                       p);
  soup_server_message_pause(r.msg);
  auto resolver = GRef<GResolver>::Adopt(g_resolver_get_default());
  g_resolver_lookup_by_name_async(resolver.get(), url.host.c_str(), cancel_.get(), OnResolved, p);
  return ApiDeferred{};
}

void RestApi::OnResolved(GObject* resolver, GAsyncResult* result, gpointer data) {
  std::unique_ptr<PendingTarget> p(static_cast<PendingTarget*>(data));
  g_signal_handler_disconnect(p->msg.get(), p->disconnect_handler);
  GErrorPtr err;
  GList* addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(resolver), result, err.out());
  if (g_cancellable_is_cancelled(p->cancel.get())) {  // the API (and the gateway) are going
    g_resolver_free_addresses(addresses);
    return;
  }
  ApiResult answer = ApiReply{};
  if (!addresses) {
    answer = Fail(ApiError::kBadField, "url's host " + p->url.host + " does not resolve" +
                                           (err ? std::string(": ") + err->message : ""));
  } else {
    // Every address must pass: rtmp2sink may connect to any of them.
    std::string refused;
    for (GList* l = addresses; l && refused.empty(); l = l->next) {
      auto* a = G_INET_ADDRESS(l->data);
      if (std::string why = signaling::ForbiddenAddressReason(a); !why.empty()) {
        GCharPtr text(g_inet_address_to_string(a));
        refused = p->url.host + " resolves to " + text.get() + ", " + why;
      }
    }
    g_resolver_free_addresses(addresses);
    if (!refused.empty())
      answer = Fail(ApiError::kForbiddenTarget,
                    "restream target " + refused + " ([restream] allow_private_targets allows it)");
    else
      answer = p->api->StartTarget(p->room, p->url, p->settings);
  }
  if (p->disconnected) return;
  Finish(p->msg.get(), answer);
  soup_server_message_unpause(p->msg.get());
}

ApiResult RestApi::StartTarget(const std::string& room_name, const signaling::RtmpUrl& url,
                               const RestreamSettings& settings) {
  // Checked again: the room, its composite or its targets may have changed while resolving.
  Room* room = rooms_.Find(room_name);
  if (!room) return Fail(ApiError::kUnknownRoom, "no room named " + room_name);
  if (auto f = SettingsConflict(*room, settings)) return *f;
  if (auto f = CheckTargetCount(*room, config_.restream.max_targets_per_room)) return *f;
  auto target = room->StartRestream(RtmpDestination{url.url, url.redacted, url.secrets}, settings);
  GST_INFO("room %s: restream %s to %s", room->name().c_str(), target->id().c_str(),
           url.redacted.c_str());
  return Reply(201, RestreamJson(*target, *room->composite()));
}

ApiResult RestApi::GetRestream(Request& r) {
  auto target = r.room->FindRestream(r.params["id"]);
  if (!target)
    return Fail(ApiError::kUnknownRestream,
                "no restream " + r.params["id"].substr(0, 64) + " in room " + r.room->name());
  return Reply(200, RestreamJson(*target, *r.room->composite()));
}

ApiResult RestApi::DeleteRestream(Request& r) {
  if (!r.room->StopRestream(r.params["id"]))
    return Fail(ApiError::kUnknownRestream,
                "no restream " + r.params["id"].substr(0, 64) + " in room " + r.room->name());
  return ApiReply{204, {}};
}

/* ---- HLS ---- */

ApiResult RestApi::StartHls(Request& r) {
  if (r.room->hls())
    return Fail(ApiError::kHlsRunning, "HLS is already running in room " + r.room->name());
  RestreamSettings s;
  if (auto f = ReadSettings(r.body, *r.room, &s)) return *f;
  std::string error;
  HlsOutput* hls = r.room->StartHls(s, &error);
  if (!hls) return Fail(ApiError::kHlsFailed, error);  // the settings were checked above
  return Reply(201, HlsJson(*r.room, *hls, *r.room->composite()));
}

ApiResult RestApi::GetHls(Request& r) {
  if (!r.room->hls()) return Fail(ApiError::kHlsNotRunning, "no HLS in room " + r.room->name());
  return Reply(200, HlsJson(*r.room, *r.room->hls(), *r.room->composite()));
}

ApiResult RestApi::StopHls(Request& r) {
  if (!r.room->StopHls()) return Fail(ApiError::kHlsNotRunning, "no HLS in room " + r.room->name());
  return ApiReply{204, {}};
}

/* ---- invites ---- */

ApiResult RestApi::CreateInvite(Request& r) {
  gint64 ttl = 86400;
  unsigned grants = auth::kJoin | auth::kPublish | auth::kSubscribe | auth::kChat;
  std::string name;
  if (r.body) {
    if (JsonNode* n = json_object_get_member(r.body, "ttl_s")) ttl = json_node_get_int(n);
    if (JsonNode* n = json_object_get_member(r.body, "name")) {
      name = json_node_get_string(n);
      if (!signaling::IsValidDisplayName(name))
        return Fail(ApiError::kBadField, "name must be 1-64 characters of printable UTF-8");
    }
    if (JsonNode* n = json_object_get_member(r.body, "grants")) {
      std::vector<std::string> names;
      JsonArray* a = json_node_get_array(n);
      for (guint i = 0; i < json_array_get_length(a); i++)
        names.emplace_back(json_array_get_string_element(a, i));
      std::string why;
      auto bits = auth::ParseGrantNames(names, &why);
      if (!bits) return Fail(ApiError::kBadField, "grants: " + why);
      grants = *bits;
    }
  }
  // The link's origin: how the caller reached us.
  GUri* uri = soup_server_message_get_uri(r.msg);
  GCharPtr origin(g_uri_join(G_URI_FLAGS_NONE, g_uri_get_scheme(uri), nullptr, g_uri_get_host(uri),
                             g_uri_get_port(uri), "", nullptr, nullptr));
  std::string url = std::string(origin.get()) + "/r/" + r.room->name();
  auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
  json_builder_begin_object(b.get());
  json_builder_set_member_name(b.get(), "token");
  if (r.caller) {
    // Signed with the caller's own key; a guest gets a fresh identity of its own.
    auth::Claims c;
    c.key = r.caller->key;
    c.room = r.room->name();
    char id[24];
    g_snprintf(id, sizeof id, "guest-%08x%08x", g_random_int(), g_random_int());
    c.identity = id;
    c.name = name;
    c.grants = grants;
    const std::string* secret = keys_->Secret(c.key);
    if (!secret) return Fail(ApiError::kUnauthorized, "the token's API key is no longer known");
    std::string token = auth::Mint(*secret, c, g_get_real_time() / G_USEC_PER_SEC, ttl);
    json_builder_add_string_value(b.get(), token.c_str());
    url += "?token=" + token;
  } else {
    json_builder_add_null_value(b.get());  // authentication is off: the room's link is enough
  }
  json_builder_set_member_name(b.get(), "url");
  json_builder_add_string_value(b.get(), url.c_str());
  json_builder_set_member_name(b.get(), "expires_in_s");
  json_builder_add_int_value(b.get(), ttl);
  json_builder_end_object(b.get());
  return Reply(201, json_builder_get_root(b.get()));
}

}  // namespace mediagw
