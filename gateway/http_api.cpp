#include "http_api.h"

#include <cstring>

#include "main_context.h"
#include "messages.h"
#include "protocol.h"

namespace mediagw {
namespace {

constexpr gsize kMaxRequestBody = 64 * 1024;

void Respond(SoupServerMessage* msg, guint status, const std::string& body,
             const char* type = "application/json") {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body.data(), body.size());
}

std::string JsonError(const char* code, const std::string& message) {
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
  auto root = GRef<JsonNode>::Adopt(json_builder_get_root(b.get()));
  return signaling::ToJson(root.get());
}

void RespondError(SoupServerMessage* msg, guint status, const char* code,
                  const std::string& message) {
  Respond(msg, status, JsonError(code, message));
}

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

// The request's JSON object body, or null after answering 413/400.
GRef<JsonParser> ParseObjectBody(SoupServerMessage* msg, const char* example, JsonObject** out) {
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  auto bytes = GRef<GBytes>::Adopt(soup_message_body_flatten(body));
  gsize size = 0;
  const char* text = static_cast<const char*>(g_bytes_get_data(bytes.get(), &size));
  if (size > kMaxRequestBody) {
    RespondError(msg, 413, "too_large", "request body is larger than 65536 bytes");
    return {};
  }
  auto parser = GRef<JsonParser>::Adopt(json_parser_new_immutable());
  GErrorPtr err;
  if (!json_parser_load_from_data(parser.get(), text ? text : "", static_cast<gssize>(size),
                                  err.out()) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser.get()))) {
    RespondError(msg, 400, "bad_json", std::string("body must be a JSON object like ") + example);
    return {};
  }
  *out = json_node_get_object(json_parser_get_root(parser.get()));
  return parser;
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
  j.Str("url", r.url());
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

// Reads the composite settings of a restream or HLS request over `s`; answers what is wrong, or "".
std::string ReadSettings(JsonObject* obj, RestreamSettings* s) {
  std::string bad;
  if (JsonNode* n = json_object_get_member(obj, "layout")) {
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
      return "layout must be a string";
    s->layout = json_node_get_string(n);
  }
  auto get_int = [&](const char* key, int* out) {
    JsonNode* n = json_object_get_member(obj, key);
    if (!n) return;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
      bad = std::string(key) + " must be an integer";
      return;
    }
    gint64 v = json_node_get_int(n);
    *out = v < -1000000 || v > 1000000 ? -1 : static_cast<int>(v);
  };
  get_int("width", &s->width);
  get_int("height", &s->height);
  get_int("fps", &s->fps);
  get_int("video_bitrate_kbps", &s->video_bitrate_kbps);
  get_int("audio_bitrate_kbps", &s->audio_bitrate_kbps);
  return bad.empty() ? CheckRestreamSettings(*s) : bad;
}

bool SameSettings(const RestreamSettings& a, const RestreamSettings& b) {
  return a.width == b.width && a.height == b.height && a.fps == b.fps && a.layout == b.layout &&
         a.video_bitrate_kbps == b.video_bitrate_kbps &&
         a.audio_bitrate_kbps == b.audio_bitrate_kbps;
}

void RespondSettingsDiffer(SoupServerMessage* msg, const RestreamSettings& current) {
  RespondError(msg, 409, "settings_differ",
               "this room's restreams and HLS share one encode at " +
                   std::to_string(current.width) + "x" + std::to_string(current.height) + "@" +
                   std::to_string(current.fps) + " (" + current.layout +
                   "); ask for the same settings (or leave them out)");
}

std::string NodeText(JsonNode* node) {
  auto owned = GRef<JsonNode>::Adopt(node);
  return signaling::ToJson(owned.get());
}

const char* ContentType(const std::string& name) {
  auto ends = [&](const char* ext) { return g_str_has_suffix(name.c_str(), ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".m3u8")) return "application/vnd.apple.mpegurl";
  if (ends(".ts")) return "video/mp2t";
  return "application/octet-stream";
}

// Answers 200 with the file's contents; false (nothing answered) when it cannot be read.
bool RespondFile(SoupServerMessage* msg, const std::string& path, const char* cache_control) {
  gchar* contents = nullptr;
  gsize length = 0;
  if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr)) return false;
  soup_server_message_set_status(msg, 200, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               cache_control);
  soup_server_message_set_response(msg, ContentType(path), SOUP_MEMORY_TAKE, contents, length);
  return true;
}

bool SafeFileName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return name.find("..") == std::string::npos;
}

}  // namespace

HttpApi::HttpApi(const Config& config, RoomRegistry& rooms, GMainContext* main)
    : config_(config), rooms_(rooms), main_(main) {
  server_ = GRef<SoupServer>::Adopt(soup_server_new("server-header", "mediagw/0.1 ", nullptr));
  // libsoup 3.2 (Debian 12) never closes an idle keep-alive connection that the client closed
  // (fixed in 3.3): each would stay in CLOSE_WAIT holding a descriptor. Every answer but a
  // WebSocket upgrade therefore closes its connection.
  g_signal_connect(server_.get(), "request-read",
                   G_CALLBACK(+[](SoupServer*, SoupServerMessage* msg, gpointer) {
                     SoupMessageHeaders* request = soup_server_message_get_request_headers(msg);
                     if (!soup_message_headers_header_contains(request, "Connection", "Upgrade"))
                       soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                                    "Connection", "close");
                   }),
                   nullptr);
  soup_server_add_handler(server_.get(), "/healthz", HandleHealth, this, nullptr);
  soup_server_add_websocket_handler(server_.get(), "/v1/signal", nullptr, nullptr, HandleSocket,
                                    this, nullptr);
  soup_server_add_handler(server_.get(), "/v1", HandleRest, this, nullptr);
  soup_server_add_handler(server_.get(), "/", HandleWeb, this, nullptr);
}

HttpApi::~HttpApi() {
  sessions_.clear();
  soup_server_disconnect(server_.get());
}

void HttpApi::Listen() {
  auto addr = GRef<GObject>::Adopt(G_OBJECT(
      g_inet_socket_address_new_from_string(config_.listen_host.c_str(), config_.listen_port)));
  if (!addr) throw std::runtime_error("bad listen address " + config_.listen_host);
  GErrorPtr err;
  auto options = static_cast<SoupServerListenOptions>(0);
  if (!config_.tls_cert.empty()) {
    GTlsCertificate* cert = g_tls_certificate_new_from_files(config_.tls_cert.c_str(),
                                                             config_.tls_key.c_str(), err.out());
    if (!cert)
      throw std::runtime_error("cannot load the TLS certificate " + config_.tls_cert + " / " +
                               config_.tls_key + ": " + err->message);
    g_object_set(server_.get(), "tls-certificate", cert, NULL);
    g_object_unref(cert);
    options = SOUP_SERVER_LISTEN_HTTPS;
  }
  if (!soup_server_listen(server_.get(), G_SOCKET_ADDRESS(addr.get()), options, err.out()))
    throw std::runtime_error("cannot listen on " + config_.listen_host + ":" +
                             std::to_string(config_.listen_port) + ": " + err->message);
  GSList* uris = soup_server_get_uris(server_.get());
  if (uris) port_ = static_cast<unsigned>(g_uri_get_port(static_cast<GUri*>(uris->data)));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
}

void HttpApi::CloseAll(const char* reason) {
  for (auto& [ptr, session] : sessions_) session->Close(reason);
}

void HttpApi::HandleHealth(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                           gpointer data) {
  auto* self = static_cast<HttpApi*>(data);
  std::string body = "{\"status\":\"ok\",\"rooms\":" + std::to_string(self->rooms_.List().size()) +
                     ",\"connections\":" + std::to_string(self->sessions_.size()) + "}";
  Respond(msg, 200, body);
}

void HttpApi::HandleSocket(SoupServer*, SoupServerMessage*, const char*,
                           SoupWebsocketConnection* conn, gpointer data) {
  auto* self = static_cast<HttpApi*>(data);
  std::weak_ptr<bool> alive = self->alive_;
  auto session =
      std::make_unique<SignalingSession>(conn, self->rooms_, [self, alive](SignalingSession* s) {
        PostToMain<bool>(self->main_, alive, [self, s](bool&) { self->sessions_.erase(s); });
      });
  SignalingSession* key = session.get();
  self->sessions_.emplace(key, std::move(session));
}

void HttpApi::HandleRest(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                         gpointer data) {
  auto* self = static_cast<HttpApi*>(data);
  self->Rest(msg, soup_server_message_get_method(msg), path);
}

void HttpApi::Rest(SoupServerMessage* msg, const std::string& method, const std::string& path) {
  // /v1/rooms and /v1/rooms/{room}
  const std::string prefix = "/v1/rooms";
  if (path != prefix && path.rfind(prefix + "/", 0) != 0) {
    RespondError(msg, 404, "not_found", "no such resource: " + path);
    return;
  }
  std::string name = path.size() > prefix.size() + 1 ? path.substr(prefix.size() + 1) : "";
  if (!name.empty() && name.back() == '/') name.pop_back();

  if (name.empty()) {
    if (method == "GET") {
      auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
      json_builder_begin_object(b.get());
      json_builder_set_member_name(b.get(), "rooms");
      json_builder_begin_array(b.get());
      for (Room* r : rooms_.List()) json_builder_add_value(b.get(), RoomJson(*r, false));
      json_builder_end_array(b.get());
      json_builder_end_object(b.get());
      Respond(msg, 200, NodeText(json_builder_get_root(b.get())));
      return;
    }
    if (method == "POST") {
      JsonObject* obj = nullptr;
      auto parser = ParseObjectBody(msg, "{\"name\": \"room\"}", &obj);
      if (!parser) return;
      JsonNode* n = json_object_get_member(obj, "name");
      if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING ||
          !signaling::IsValidRoomName(json_node_get_string(n))) {
        RespondError(msg, 400, "bad_field", "name must be 1-64 characters of A-Z a-z 0-9 _ -");
        return;
      }
      Room* room = nullptr;
      switch (rooms_.Create(json_node_get_string(n), true, &room)) {
        case RoomRegistry::CreateResult::kCreated:
          Respond(msg, 201, NodeText(RoomJson(*room, true)));
          return;
        case RoomRegistry::CreateResult::kExists:
          RespondError(msg, 409, "exists",
                       std::string("room ") + json_node_get_string(n) + " exists");
          return;
        case RoomRegistry::CreateResult::kLimit:
          RespondError(msg, 503, "room_limit", "this gateway has reached its room limit");
          return;
      }
    }
    RespondError(msg, 405, "method_not_allowed", method + " is not allowed on /v1/rooms");
    return;
  }

  // /v1/rooms/{room}[/restreams[/{id}]]
  std::string rest;
  if (auto slash = name.find('/'); slash != std::string::npos) {
    rest = name.substr(slash + 1);
    name = name.substr(0, slash);
  }
  Room* room = rooms_.Find(name);
  if (!room) {
    RespondError(msg, 404, "unknown_room", "no room named " + name);
    return;
  }
  if (!rest.empty()) {
    if (rest == "restreams" || rest.rfind("restreams/", 0) == 0) {
      Restreams(msg, method, *room, rest.size() > 10 ? rest.substr(10) : "");
      return;
    }
    if (rest == "hls") {
      Hls(msg, method, *room);
      return;
    }
    RespondError(msg, 404, "not_found", "no such resource: " + path);
    return;
  }
  if (method == "GET") {
    Respond(msg, 200, NodeText(RoomJson(*room, true)));
  } else if (method == "DELETE") {
    rooms_.Delete(name);
    soup_server_message_set_status(msg, 204, nullptr);
  } else {
    RespondError(msg, 405, "method_not_allowed", method + " is not allowed on a room");
  }
}

void HttpApi::Restreams(SoupServerMessage* msg, const std::string& method, Room& room,
                        const std::string& id) {
  const RestreamSettings* current = room.composite() ? &room.composite()->settings() : nullptr;
  if (id.empty() && method == "GET") {
    auto b = GRef<JsonBuilder>::Adopt(json_builder_new_immutable());
    json_builder_begin_object(b.get());
    json_builder_set_member_name(b.get(), "restreams");
    json_builder_begin_array(b.get());
    for (const auto& r : room.Restreams())
      json_builder_add_value(b.get(), RestreamJson(*r, *room.composite()));
    json_builder_end_array(b.get());
    json_builder_end_object(b.get());
    Respond(msg, 200, NodeText(json_builder_get_root(b.get())));
    return;
  }
  if (id.empty() && method == "POST") {
    JsonObject* obj = nullptr;
    auto parser = ParseObjectBody(msg, "{\"url\": \"rtmp://host/app/key\"}", &obj);
    if (!parser) return;
    RestreamSettings s = current ? *current : RestreamSettings{};
    std::string url;
    std::string bad;
    JsonNode* n = json_object_get_member(obj, "url");
    if (!n)
      bad = "url is required";
    else if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING ||
             strlen(json_node_get_string(n)) > 2048)
      bad = "url must be a string of at most 2048 bytes";
    else
      url = json_node_get_string(n);
    if (bad.empty()) bad = ReadSettings(obj, &s);
    if (!bad.empty()) {
      RespondError(msg, 400, "bad_field", bad);
      return;
    }
    if (current && !SameSettings(s, *current)) {
      RespondSettingsDiffer(msg, *current);
      return;
    }
    std::string error;
    auto target = room.StartRestream(url, s, &error);
    if (!target) {
      RespondError(msg, 400, "bad_field", error);
      return;
    }
    Respond(msg, 201, NodeText(RestreamJson(*target, *room.composite())));
    return;
  }
  if (id.empty()) {
    RespondError(msg, 405, "method_not_allowed", method + " is not allowed on restreams");
    return;
  }
  auto target = room.FindRestream(id);
  if (!target) {
    RespondError(msg, 404, "unknown_restream", "no restream " + id + " in room " + room.name());
    return;
  }
  if (method == "GET") {
    Respond(msg, 200, NodeText(RestreamJson(*target, *room.composite())));
  } else if (method == "DELETE") {
    target.reset();
    room.StopRestream(id);
    soup_server_message_set_status(msg, 204, nullptr);
  } else {
    RespondError(msg, 405, "method_not_allowed", method + " is not allowed on a restream");
  }
}

void HttpApi::Hls(SoupServerMessage* msg, const std::string& method, Room& room) {
  const RestreamSettings* current = room.composite() ? &room.composite()->settings() : nullptr;
  if (method == "POST") {
    if (room.hls()) {
      RespondError(msg, 409, "hls_running", "HLS is already running in room " + room.name());
      return;
    }
    RestreamSettings s = current ? *current : RestreamSettings{};
    // The body is optional: no body means the defaults (or the running restreams' settings).
    SoupMessageBody* body = soup_server_message_get_request_body(msg);
    if (body->length > 0) {
      JsonObject* obj = nullptr;
      auto parser = ParseObjectBody(msg, "{\"width\": 1280, \"height\": 720}", &obj);
      if (!parser) return;
      if (std::string bad = ReadSettings(obj, &s); !bad.empty()) {
        RespondError(msg, 400, "bad_field", bad);
        return;
      }
    }
    if (current && !SameSettings(s, *current)) {
      RespondSettingsDiffer(msg, *current);
      return;
    }
    std::string error;
    HlsOutput* hls = room.StartHls(s, &error);
    if (!hls) {
      RespondError(msg, 500, "hls_failed", error);  // the settings were checked above
      return;
    }
    Respond(msg, 201, NodeText(HlsJson(room, *hls, *room.composite())));
    return;
  }
  if (method != "GET" && method != "DELETE") {
    RespondError(msg, 405, "method_not_allowed", method + " is not allowed on hls");
    return;
  }
  if (!room.hls()) {
    RespondError(msg, 404, "hls_not_running", "no HLS in room " + room.name());
    return;
  }
  if (method == "GET") {
    Respond(msg, 200, NodeText(HlsJson(room, *room.hls(), *room.composite())));
  } else {
    room.StopHls();
    soup_server_message_set_status(msg, 204, nullptr);
  }
}

void HttpApi::HandleWeb(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                        gpointer data) {
  auto* self = static_cast<HttpApi*>(data);
  std::string p = path;
  const char* method = soup_server_message_get_method(msg);
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    RespondError(msg, 405, "method_not_allowed", "only GET here");
    return;
  }
  if (p == "/") return self->ServeFile(msg, "index.html");
  if (p.rfind("/r/", 0) == 0 && signaling::IsValidRoomName(p.substr(3)))
    return self->ServeFile(msg, "room.html");
  if (p.rfind("/watch/", 0) == 0 && signaling::IsValidRoomName(p.substr(7)))
    return self->ServeFile(msg, "watch.html");
  if (p.rfind("/hls/", 0) == 0) return self->ServeHls(msg, p.substr(5));
  if (p.rfind("/static/", 0) == 0 && SafeFileName(p.substr(8)))
    return self->ServeFile(msg, p.substr(8));
  RespondError(msg, 404, "not_found", "no such page: " + p);
}

// /hls/{room}/{file}: the files of a room's running HLS (none once it stops).
void HttpApi::ServeHls(SoupServerMessage* msg, const std::string& rest) {
  auto slash = rest.find('/');
  std::string room_name = rest.substr(0, slash);
  std::string file = slash == std::string::npos ? "" : rest.substr(slash + 1);
  Room* room = signaling::IsValidRoomName(room_name) ? rooms_.Find(room_name) : nullptr;
  if (!room || !room->hls()) {
    RespondError(msg, 404, "hls_not_running", "no HLS in room " + room_name);
    return;
  }
  bool playlist = file == "index.m3u8";
  if (!playlist && !(SafeFileName(file) && g_str_has_suffix(file.c_str(), ".ts"))) {
    RespondError(msg, 404, "not_found", "no such HLS file: " + file);
    return;
  }
  // The playlist changes every segment; a segment never changes once listed.
  if (!RespondFile(msg, room->hls()->dir() + "/" + file, playlist ? "no-cache" : "max-age=60")) {
    // Not written yet (the first segment takes 2 s) or already rotated out.
    RespondError(msg, 404, "not_found", "no such HLS file (yet): " + file);
    return;
  }
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Access-Control-Allow-Origin", "*");
}

void HttpApi::ServeFile(SoupServerMessage* msg, const std::string& name) {
  if (!RespondFile(msg, config_.web_root + "/" + name, "no-cache"))
    RespondError(msg, 404, "not_found", "no such file: " + name);
}

}  // namespace mediagw
