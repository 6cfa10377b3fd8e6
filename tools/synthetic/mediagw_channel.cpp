// The synthetic participant's side of mediagw's signaling protocol (docs/signaling.md).
#include <json-glib/json-glib.h>

#include "mediagw/gref.h"
#include "signaling_channel.h"

namespace mediagw::client {
namespace {

std::string GetString(JsonObject* o, const char* name) {
  JsonNode* n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return "";
  return json_node_get_string(n);
}

class MediagwChannel final : public SignalingChannel {
 public:
  MediagwChannel(std::string server, SoupSession* session, Listener* listener, std::string trace,
                 std::string token)
      : server_(std::move(server)),
        session_(session),
        listener_(listener),
        trace_(std::move(trace)),
        token_(std::move(token)) {}

  ~MediagwChannel() override {
    if (ws_) g_signal_handlers_disconnect_by_data(ws_.get(), this);
  }

  void Join(const std::string& room, const std::string& name, bool) override {
    room_ = room;
    name_ = name;
    std::string url = server_ + "/v1/signal";
    auto msg = GRef<SoupMessage>::Adopt(soup_message_new("GET", url.c_str()));
    if (!msg) {
      listener_->OnFailure("bad server URL " + url, true);
      return;
    }
    struct Ctx {
      std::weak_ptr<bool> alive;
      MediagwChannel* self;
    };
    soup_session_websocket_connect_async(
        session_, msg.get(), nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
        [](GObject* source, GAsyncResult* result, gpointer data) {
          std::unique_ptr<Ctx> ctx(static_cast<Ctx*>(data));
          GErrorPtr err;
          auto conn = GRef<SoupWebsocketConnection>::Adopt(
              soup_session_websocket_connect_finish(SOUP_SESSION(source), result, err.out()));
          if (ctx->alive.expired()) return;
          ctx->self->OnConnected(conn, err ? err->message : "?");
        },
        new Ctx{alive_, this});
  }

  void Publish(const std::string& sdp) override { SendSdp("publish", sdp); }
  void AnswerSubscribe(const std::string& sdp) override { SendSdp("subscribe_answer", sdp); }

  void SendCandidate(bool subscribe, unsigned mline, const std::string& candidate) override {
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "type", "ice");
    json_object_set_string_member(o, "connection", subscribe ? "subscribe" : "publish");
    json_object_set_string_member(o, "candidate", candidate.c_str());
    json_object_set_int_member(o, "sdp_mline_index", mline);
    Send(o);
  }

  void Mute(bool muted) override {
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "type", "mute");
    json_object_set_string_member(o, "kind", "video");
    json_object_set_boolean_member(o, "muted", muted);
    Send(o);
  }

  void Leave() override {
    leaving_ = true;
    if (!ws_) return;
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "type", "leave");
    Send(o);
    soup_websocket_connection_close(ws_.get(), SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  }

 private:
  void OnConnected(GRef<SoupWebsocketConnection> conn, const std::string& error) {
    if (!conn) {
      listener_->OnFailure("cannot connect: " + error, true);
      return;
    }
    ws_ = conn;
    soup_websocket_connection_set_max_incoming_payload_size(ws_.get(), 1024 * 1024);
    g_signal_connect(ws_.get(), "message", G_CALLBACK(OnMessage), this);
    g_signal_connect(ws_.get(), "closed", G_CALLBACK(OnClosed), this);
    JsonObject* join = json_object_new();
    json_object_set_string_member(join, "type", "join");
    json_object_set_string_member(join, "room", room_.c_str());
    json_object_set_string_member(join, "name", name_.c_str());
    if (!token_.empty()) json_object_set_string_member(join, "token", token_.c_str());
    Send(join);
  }

  void Send(JsonObject* o) {
    auto node = GRef<JsonNode>::Adopt(json_node_init_object(json_node_alloc(), o));
    json_object_unref(o);
    if (!ws_ || soup_websocket_connection_get_state(ws_.get()) != SOUP_WEBSOCKET_STATE_OPEN) return;
    GCharPtr text(json_to_string(node.get(), FALSE));
    soup_websocket_connection_send_text(ws_.get(), text.get());
  }

  void SendSdp(const char* type, const std::string& sdp) {
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "type", type);
    json_object_set_string_member(o, "sdp", sdp.c_str());
    Send(o);
  }

  static void OnMessage(SoupWebsocketConnection*, gint type, GBytes* message, gpointer data) {
    auto* self = static_cast<MediagwChannel*>(data);
    if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
    gsize size = 0;
    const char* text = static_cast<const char*>(g_bytes_get_data(message, &size));
    if (g_getenv("MEDIAGW_CLIENT_TRACE"))
      g_printerr("%s <- %.*s\n", self->trace_.c_str(), static_cast<int>(size), text);
    auto parser = GRef<JsonParser>::Adopt(json_parser_new());
    if (!json_parser_load_from_data(parser.get(), text, static_cast<gssize>(size), nullptr)) return;
    JsonNode* root = json_parser_get_root(parser.get());
    if (root && JSON_NODE_HOLDS_OBJECT(root)) self->Handle(json_node_get_object(root));
  }

  static void OnClosed(SoupWebsocketConnection*, gpointer data) {
    auto* self = static_cast<MediagwChannel*>(data);
    if (!self->leaving_) self->listener_->OnFailure("signaling connection closed by the server", true);
  }

  void Handle(JsonObject* msg) {
    std::string type = GetString(msg, "type");
    if (type == "joined") {
      std::string id = GetString(msg, "participant_id");
      listener_->OnIdentity(id);
      listener_->OnJoined(id);
    } else if (type == "publish_answer") {
      listener_->OnPublishAnswer(GetString(msg, "sdp"));
    } else if (type == "subscribe_offer") {
      std::vector<OfferedTrack> tracks;
      JsonNode* node = json_object_get_member(msg, "tracks");
      if (node && JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray* a = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(a); i++) {
          JsonObject* t = json_array_get_object_element(a, i);
          tracks.push_back({GetString(t, "mid"), GetString(t, "track_id"), GetString(t, "participant_id"),
                            GetString(t, "kind")});
        }
      }
      listener_->OnSubscribeOffer(GetString(msg, "sdp"), tracks);
    } else if (type == "track_muted") {
      listener_->OnTrackMuted();
    } else if (type == "participant_left") {
      listener_->OnParticipantLeft(GetString(msg, "participant_id"));
    } else if (type == "ice") {
      listener_->OnRemoteCandidate(GetString(msg, "connection") == "subscribe",
                                   static_cast<unsigned>(json_object_get_int_member(msg, "sdp_mline_index")),
                                   GetString(msg, "candidate"));
    } else if (type == "error") {
      g_printerr("%s: error %s: %s\n", trace_.c_str(), GetString(msg, "code").c_str(),
                 GetString(msg, "message").c_str());
      listener_->OnFailure(GetString(msg, "code") + ": " + GetString(msg, "message"), false);
    } else if (type == "left" && !leaving_) {
      listener_->OnFailure("removed by the gateway: " + GetString(msg, "reason"), true);
    }
  }

  const std::string server_;
  SoupSession* session_;
  Listener* listener_;
  const std::string trace_;
  const std::string token_;
  std::string room_, name_;
  GRef<SoupWebsocketConnection> ws_;
  bool leaving_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<SignalingChannel> MakeMediagwChannel(const std::string& server, SoupSession* session,
                                                     SignalingChannel::Listener* listener,
                                                     const std::string& trace_name,
                                                     const std::string& token) {
  return std::make_unique<MediagwChannel>(server, session, listener, trace_name, token);
}

}  // namespace mediagw::client
