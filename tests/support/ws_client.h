// A raw signaling client for tests: sends exactly the frames a test gives it, and reads what
// the gateway answers. No WebRTC: it is how bad input is delivered.
#pragma once

#include <libsoup/soup.h>

#include <deque>
#include <string>

#include "mediagw/gref.h"

namespace mediagw::testing {

class WsClient {
 public:
  explicit WsClient(const std::string& url);  // connects, or throws
  ~WsClient();

  void SendText(const std::string& text);
  void SendBinary(const std::string& data);
  // The next message whose "type" is `type` (others are skipped); empty after the timeout.
  std::string WaitFor(const std::string& type, int timeout_ms = 5000);
  bool open() const;

 private:
  static void OnMessage(SoupWebsocketConnection*, gint type, GBytes* message, gpointer data);
  GRef<SoupSession> session_;
  GRef<SoupWebsocketConnection> conn_;
  std::deque<std::string> inbox_;
};

// The value of a top-level string field in a JSON object text ("" when absent).
std::string JsonField(const std::string& json, const char* field);

}  // namespace mediagw::testing
