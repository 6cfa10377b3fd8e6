#include "ws_client.h"

#include <json-glib/json-glib.h>

#include <stdexcept>

namespace mediagw::testing {

WsClient::WsClient(const std::string& url) {
  session_ = GRef<SoupSession>::Adopt(soup_session_new());
  auto msg = GRef<SoupMessage>::Adopt(soup_message_new("GET", url.c_str()));
  struct Result {
    SoupWebsocketConnection* conn = nullptr;
    bool done = false;
  } result;
  soup_session_websocket_connect_async(
      session_.get(), msg.get(), nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer data) {
        auto* r = static_cast<Result*>(data);
        r->conn = soup_session_websocket_connect_finish(SOUP_SESSION(src), res, nullptr);
        r->done = true;
      },
      &result);
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!result.done && g_get_monotonic_time() < until) g_main_context_iteration(nullptr, TRUE);
  if (!result.conn) throw std::runtime_error("cannot connect to " + url);
  conn_ = GRef<SoupWebsocketConnection>::Adopt(result.conn);
  soup_websocket_connection_set_max_incoming_payload_size(conn_.get(), 4 * 1024 * 1024);
  g_signal_connect(conn_.get(), "message", G_CALLBACK(OnMessage), this);
}

WsClient::~WsClient() {
  g_signal_handlers_disconnect_by_data(conn_.get(), this);
  if (open()) soup_websocket_connection_close(conn_.get(), SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
}

bool WsClient::open() const {
  return soup_websocket_connection_get_state(conn_.get()) == SOUP_WEBSOCKET_STATE_OPEN;
}

void WsClient::OnMessage(SoupWebsocketConnection*, gint, GBytes* message, gpointer data) {
  gsize size = 0;
  const char* text = static_cast<const char*>(g_bytes_get_data(message, &size));
  static_cast<WsClient*>(data)->inbox_.emplace_back(text ? text : "", size);
}

void WsClient::SendText(const std::string& text) {
  soup_websocket_connection_send_text(conn_.get(), text.c_str());
}

void WsClient::SendBinary(const std::string& data) {
  soup_websocket_connection_send_binary(conn_.get(), data.data(), data.size());
}

std::string WsClient::WaitFor(const std::string& type, int timeout_ms) {
  gint64 until = g_get_monotonic_time() + timeout_ms * 1000;
  while (true) {
    while (!inbox_.empty()) {
      std::string m = std::move(inbox_.front());
      inbox_.pop_front();
      if (JsonField(m, "type") == type) return m;
    }
    if (g_get_monotonic_time() >= until) return "";
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(2000);
  }
}

std::string JsonField(const std::string& json, const char* field) {
  auto parser = GRef<JsonParser>::Adopt(json_parser_new());
  if (!json_parser_load_from_data(parser.get(), json.c_str(), static_cast<gssize>(json.size()), nullptr))
    return "";
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) return "";
  JsonNode* n = json_object_get_member(json_node_get_object(root), field);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return "";
  return json_node_get_string(n);
}

}  // namespace mediagw::testing
