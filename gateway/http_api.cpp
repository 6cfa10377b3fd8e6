#include "http_api.h"

#include <cstring>

#include "main_context.h"
#include "messages.h"
#include "protocol.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_http_debug);
#define GST_CAT_DEFAULT mediagw_http_debug

namespace mediagw {
namespace {

constexpr gsize kMaxRequestBody = 64 * 1024;

void Respond(SoupServerMessage* msg, guint status, const std::string& body,
             const char* type = "application/json") {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body.data(), body.size());
}

void RespondError(SoupServerMessage* msg, guint status, const char* code,
                  const std::string& message) {
  auto body = GRef<JsonNode>::Adopt(ApiErrorJson(code, message));
  Respond(msg, status, signaling::ToJson(body.get()));
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

HttpApi::HttpApi(const Config& config, RoomRegistry& rooms, const auth::KeyStore* keys,
                 GMainContext* main)
    : config_(config),
      rooms_(rooms),
      keys_(keys),
      main_(main),
      rest_(config, rooms, keys),
      joins_(config.limits.joins_per_minute, 60 * G_USEC_PER_SEC) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_http_debug, "mediagw-http", 0, "HTTP server");
    g_once_init_leave(&once, 1);
  }
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

void HttpApi::HandleSocket(SoupServer*, SoupServerMessage* msg, const char*,
                           SoupWebsocketConnection* conn, gpointer data) {
  auto* self = static_cast<HttpApi*>(data);
  const char* remote = soup_server_message_get_remote_host(msg);
  std::string address = remote ? remote : "";
  unsigned open = 0;
  for (const auto& [ptr, s] : self->sessions_) open += s->address() == address;
  if (open >= self->config_.limits.ws_per_address) {
    // Refused before it is a session: told why, then closed (1008: policy violation).
    GST_INFO("refused a WebSocket from %s: %u open ([limits] ws_per_address)", address.c_str(),
             open);
    soup_websocket_connection_send_text(
        conn, signaling::Error(signaling::ErrorCode::kRateLimited,
                               "too many connections from your address ([limits] ws_per_address)")
                  .c_str());
    soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too many");
    return;
  }
  std::weak_ptr<bool> alive = self->alive_;
  SignalingSession::Context ctx{&self->rooms_, self->keys_, &self->config_.limits, &self->joins_,
                                address};
  auto session = std::make_unique<SignalingSession>(conn, ctx, [self, alive](SignalingSession* s) {
    PostToMain<bool>(self->main_, alive, [self, s](bool&) { self->sessions_.erase(s); });
  });
  SignalingSession* key = session.get();
  self->sessions_.emplace(key, std::move(session));
}

void HttpApi::HandleRest(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                         gpointer data) {
  static_cast<HttpApi*>(data)->rest_.Handle(msg, path);
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
