// The synthetic participant's side of Janus VideoRoom (Janus 1.x HTTP API), so that the same
// generator drives Janus and mediagw under identical load. One Janus session per participant:
// a publisher handle (which also learns who publishes), and one multistream subscriber handle
// that Janus renegotiates as feeds come and go, like mediagw's subscribe connection.
#include <json-glib/json-glib.h>

#include <functional>
#include <set>

#include "mediagw/gref.h"
#include "signaling_channel.h"

namespace mediagw::client {
namespace {

using Reply = std::function<void(JsonObject* reply)>;

std::string Str(JsonObject* o, const char* name) {
  if (!o) return "";
  JsonNode* n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return "";
  if (json_node_get_value_type(n) == G_TYPE_STRING) return json_node_get_string(n);
  if (json_node_get_value_type(n) == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  return "";
}

JsonObject* Obj(JsonObject* o, const char* name) {
  if (!o) return nullptr;
  JsonNode* n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : nullptr;
}

JsonArray* Arr(JsonObject* o, const char* name) {
  if (!o) return nullptr;
  JsonNode* n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : nullptr;
}

class JanusChannel final : public SignalingChannel {
 public:
  JanusChannel(std::string server, SoupSession* session, Listener* listener, std::string trace)
      : server_(std::move(server)), http_(session), listener_(listener), trace_(std::move(trace)) {}
  ~JanusChannel() override { *alive_ = false; }  // replies still in flight are dropped

  void Join(const std::string& room, const std::string& name, bool will_publish) override {
    // Janus rooms are numbers: "load-3" becomes 1003, any other name a stable hash.
    auto dash = room.rfind('-');
    room_ = dash != std::string::npos && room.find_first_not_of("0123456789", dash + 1) == std::string::npos &&
                    dash + 1 < room.size()
                ? 1000 + std::stoll(room.substr(dash + 1))
                : 1000 + static_cast<gint64>(g_str_hash(room.c_str()) % 1000000);
    name_ = name;
    publisher_ = will_publish;
    Post("", Request("create"), [this](JsonObject* r) {
      session_ = Str(Obj(r, "data"), "id");
      if (session_.empty()) return Fail("Janus create failed", r);
      Poll();
      JsonObject* attach = Request("attach");
      json_object_set_string_member(attach, "plugin", "janus.plugin.videoroom");
      Post("/" + session_, attach, [this](JsonObject* r) {
        pub_handle_ = Str(Obj(r, "data"), "id");
        if (pub_handle_.empty()) return Fail("Janus attach failed", r);
        JsonObject* body = json_object_new();
        json_object_set_string_member(body, "request", "create");
        json_object_set_int_member(body, "room", room_);
        json_object_set_int_member(body, "publishers", 1000);
        json_object_set_string_member(body, "videocodec", "vp8");
        json_object_set_string_member(body, "audiocodec", "opus");
        json_object_set_int_member(body, "bitrate", 0);
        Message(pub_handle_, body, nullptr, [this](JsonObject*) {
          // Created, or it existed (error 427): either way the room is there.
          if (publisher_) {
            listener_->OnJoined("");
          } else {
            JsonObject* join = json_object_new();
            json_object_set_string_member(join, "request", "join");
            json_object_set_string_member(join, "ptype", "publisher");
            json_object_set_int_member(join, "room", room_);
            json_object_set_string_member(join, "display", name_.c_str());
            Message(pub_handle_, join, nullptr, nullptr);
          }
        });
      });
    });
  }

  void Publish(const std::string& sdp) override {
    JsonObject* body = json_object_new();
    json_object_set_string_member(body, "request", "joinandconfigure");
    json_object_set_string_member(body, "ptype", "publisher");
    json_object_set_int_member(body, "room", room_);
    json_object_set_string_member(body, "display", name_.c_str());
    json_object_set_boolean_member(body, "audio", TRUE);
    json_object_set_boolean_member(body, "video", TRUE);
    Message(pub_handle_, body, Jsep("offer", sdp), nullptr);
  }

  void AnswerSubscribe(const std::string& sdp) override {
    JsonObject* body = json_object_new();
    json_object_set_string_member(body, "request", "start");
    Message(sub_handle_, body, Jsep("answer", sdp), nullptr);
    negotiating_ = false;
    SubscribePending();
  }

  void SendCandidate(bool subscribe, unsigned mline, const std::string& candidate) override {
    const std::string& handle = subscribe ? sub_handle_ : pub_handle_;
    if (handle.empty() || candidate.empty()) return;
    JsonObject* t = Request("trickle");
    JsonObject* c = json_object_new();
    json_object_set_string_member(c, "candidate", candidate.c_str());
    json_object_set_int_member(c, "sdpMLineIndex", mline);
    json_object_set_object_member(t, "candidate", c);
    Post("/" + session_ + "/" + handle, t, nullptr);
  }

  void Mute(bool) override {}  // not needed for benchmarks

  void Leave() override {
    leaving_ = true;
    if (!session_.empty()) Post("/" + session_, Request("destroy"), nullptr);
  }

 private:
  JsonObject* Request(const char* janus) {
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "janus", janus);
    json_object_set_string_member(o, "transaction", std::to_string(++transaction_).c_str());
    return o;
  }

  static JsonObject* Jsep(const char* type, const std::string& sdp) {
    JsonObject* j = json_object_new();
    json_object_set_string_member(j, "type", type);
    json_object_set_string_member(j, "sdp", sdp.c_str());
    return j;
  }

  void Fail(const std::string& why, JsonObject* reply) {
    std::string detail = Str(Obj(reply, "error"), "reason");
    listener_->OnFailure(why + (detail.empty() ? "" : ": " + detail), true);
  }

  void Message(const std::string& handle, JsonObject* body, JsonObject* jsep, Reply done) {
    JsonObject* m = Request("message");
    json_object_set_object_member(m, "body", body);
    if (jsep) json_object_set_object_member(m, "jsep", jsep);
    Post("/" + session_ + "/" + handle, m, std::move(done));
  }

  // Sends one request; `done` gets the parsed reply on the main context.
  void Post(const std::string& path, JsonObject* body, Reply done) {
    auto node = GRef<JsonNode>::Adopt(json_node_init_object(json_node_alloc(), body));
    json_object_unref(body);
    GCharPtr text(json_to_string(node.get(), FALSE));
    SendHttp("POST", server_ + path, text.get(), std::move(done));
  }

  void SendHttp(const char* method, const std::string& url, const char* body, Reply done,
                bool poll = false) {
    auto msg = GRef<SoupMessage>::Adopt(soup_message_new(method, url.c_str()));
    if (!msg) return listener_->OnFailure("bad Janus URL " + url, true);
    if (body) {
      auto bytes = GRef<GBytes>::Adopt(g_bytes_new(body, strlen(body)));
      soup_message_set_request_body_from_bytes(msg.get(), "application/json", bytes.get());
    }
    struct Ctx {
      std::shared_ptr<bool> alive;
      JanusChannel* self;
      Reply done;
      bool poll;
    };
    soup_session_send_and_read_async(
        http_, msg.get(), G_PRIORITY_DEFAULT, nullptr,
        [](GObject* src, GAsyncResult* res, gpointer data) {
          std::unique_ptr<Ctx> ctx(static_cast<Ctx*>(data));
          GErrorPtr err;
          auto bytes = GRef<GBytes>::Adopt(soup_session_send_and_read_finish(SOUP_SESSION(src), res, err.out()));
          if (!*ctx->alive) return;  // the channel is gone
          if (!bytes) {
            if (!ctx->self->leaving_) ctx->self->listener_->OnFailure("Janus unreachable: " + std::string(err->message), true);
            return;
          }
          gsize size = 0;
          const char* text = static_cast<const char*>(g_bytes_get_data(bytes.get(), &size));
          if (g_getenv("MEDIAGW_CLIENT_TRACE"))
            g_printerr("%s <- %.*s\n", ctx->self->trace_.c_str(), static_cast<int>(size), text);
          auto parser = GRef<JsonParser>::Adopt(json_parser_new());
          if (!json_parser_load_from_data(parser.get(), text, static_cast<gssize>(size), nullptr)) return;
          JsonNode* root = json_parser_get_root(parser.get());
          if (ctx->poll) {
            // A long poll's events (an array with maxev), or a keepalive; then the next poll.
            if (root && JSON_NODE_HOLDS_ARRAY(root)) {
              JsonArray* events = json_node_get_array(root);
              for (guint i = 0; i < json_array_get_length(events); i++)
                ctx->self->HandleEvent(json_array_get_object_element(events, i));
            } else if (root && JSON_NODE_HOLDS_OBJECT(root)) {
              ctx->self->HandleEvent(json_node_get_object(root));
            }
            ctx->self->Poll();
          } else if (ctx->done && root && JSON_NODE_HOLDS_OBJECT(root)) {
            ctx->done(json_node_get_object(root));
          }
        },
        new Ctx{alive_, this, std::move(done), poll});
  }

  void Poll() {
    if (leaving_) return;
    std::string url = server_ + "/" + session_ + "?maxev=20&rid=" + std::to_string(++transaction_);
    // Janus holds a poll up to 30 s; the polls double as the session keepalive.
    SendHttp("GET", url, nullptr, nullptr, true);
  }

  void HandleEvent(JsonObject* ev) {
    std::string sender = Str(ev, "sender");
    std::string janus = Str(ev, "janus");
    JsonObject* data = Obj(Obj(ev, "plugindata"), "data");
    JsonObject* jsep = Obj(ev, "jsep");
    if (janus == "event" && data) {
      std::string what = Str(data, "videoroom");
      if (what == "joined" && sender == pub_handle_) {
        std::string id = Str(data, "id");
        listener_->OnIdentity(id);
        if (!publisher_) listener_->OnJoined(id);
        AddPublishers(Arr(data, "publishers"));
      } else if (what == "event" && sender == pub_handle_) {
        AddPublishers(Arr(data, "publishers"));
        std::string gone = Str(data, "leaving");
        if (gone.empty()) gone = Str(data, "unpublished");
        if (!gone.empty() && gone != "ok") listener_->OnParticipantLeft(gone);
      } else if ((what == "attached" || what == "updated") && sender == sub_handle_ && jsep) {
        std::vector<OfferedTrack> tracks;
        if (JsonArray* streams = Arr(data, "streams")) {
          for (guint i = 0; i < json_array_get_length(streams); i++) {
            JsonObject* s = json_array_get_object_element(streams, i);
            std::string feed = Str(s, "feed_id"), type = Str(s, "type");
            if (feed.empty() || (type != "audio" && type != "video")) continue;
            tracks.push_back({Str(s, "mid"), feed + "-" + type, feed, type});
          }
        }
        negotiating_ = true;
        listener_->OnSubscribeOffer(Str(jsep, "sdp"), tracks);
      } else if (!Str(data, "error").empty()) {
        listener_->OnFailure("Janus: " + Str(data, "error"), false);
      }
    }
    if (jsep && sender == pub_handle_ && Str(jsep, "type") == "answer") listener_->OnPublishAnswer(Str(jsep, "sdp"));
  }

  void AddPublishers(JsonArray* publishers) {
    if (!publishers) return;
    for (guint i = 0; i < json_array_get_length(publishers); i++) {
      std::string id = Str(json_array_get_object_element(publishers, i), "id");
      if (!id.empty() && subscribed_.insert(id).second) {
        pending_.push_back(id);
      }
    }
    SubscribePending();
  }

  // Subscribes to feeds not yet asked for; one negotiation at a time.
  void SubscribePending() {
    if (pending_.empty() || negotiating_ || attaching_) return;
    if (sub_handle_.empty()) {
      attaching_ = true;
      JsonObject* attach = Request("attach");
      json_object_set_string_member(attach, "plugin", "janus.plugin.videoroom");
      Post("/" + session_, attach, [this](JsonObject* r) {
        attaching_ = false;
        sub_handle_ = Str(Obj(r, "data"), "id");
        if (sub_handle_.empty()) return Fail("Janus attach (subscriber) failed", r);
        SendSubscribe("join");
      });
      return;
    }
    SendSubscribe("subscribe");
  }

  void SendSubscribe(const char* request) {
    JsonObject* body = json_object_new();
    json_object_set_string_member(body, "request", request);
    if (strcmp(request, "join") == 0) {
      json_object_set_string_member(body, "ptype", "subscriber");
      json_object_set_int_member(body, "room", room_);
    }
    JsonArray* streams = json_array_new();
    for (const auto& id : pending_) {
      JsonObject* s = json_object_new();
      json_object_set_int_member(s, "feed", g_ascii_strtoll(id.c_str(), nullptr, 10));
      json_array_add_object_element(streams, s);
    }
    json_object_set_array_member(body, "streams", streams);
    pending_.clear();
    negotiating_ = true;
    Message(sub_handle_, body, nullptr, nullptr);
  }

  const std::string server_;
  SoupSession* http_;
  Listener* listener_;
  const std::string trace_;
  gint64 room_ = 0;
  std::string name_, session_, pub_handle_, sub_handle_;
  bool publisher_ = false, leaving_ = false, negotiating_ = false, attaching_ = false;
  std::set<std::string> subscribed_;         // feeds asked for
  std::vector<std::string> pending_;         // feeds to ask for
  guint64 transaction_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<SignalingChannel> MakeJanusChannel(const std::string& server, SoupSession* session,
                                                   SignalingChannel::Listener* listener,
                                                   const std::string& trace_name) {
  return std::make_unique<JanusChannel>(server, session, listener, trace_name);
}

}  // namespace mediagw::client
