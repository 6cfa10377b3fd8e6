// Real mediagw and mediagw-client processes for integration tests, on loopback only.
// Each test starts what it needs and stops it itself; output goes to files in a temporary
// directory that is removed when the test ends.
#pragma once

#include <json-glib/json-glib.h>

#include <optional>
#include <string>
#include <vector>

#include "mediagw/gref.h"

namespace mediagw::testing {

// A temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

// The API key of gateways started with Auth::kOn.
inline constexpr const char* kTestApiKey = "testkey";
inline constexpr const char* kTestApiSecret = "test-secret-do-not-use-0123456789abcdef";

class GatewayProcess {
 public:
  // kOn: the gateway gets kTestApiKey (a keys file); while it runs, HttpRequest sends an admin
  // token for "*" unless told otherwise, and MEDIAGW_API_KEY/SECRET are set in this process so
  // that mediagw-client children mint their own join tokens.
  enum class Auth { kOff, kOn };

  // Starts build/gateway/mediagw on 127.0.0.1 with a free port and ICE on loopback; `extra_config`
  // is appended to the GKeyFile. Waits until it listens.
  explicit GatewayProcess(const std::string& extra_config = "", Auth auth = Auth::kOff);
  ~GatewayProcess();

  // A token of kTestApiKey for `room` ("*": every room).
  static std::string Token(const std::string& room, const std::string& grants,
                           const std::string& identity = "", gint64 ttl_s = 600);

  unsigned port() const { return port_; }
  std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool running();
  int pid() const;
  // SIGTERM, then waits; returns the exit status (or -1 if it had to be killed).
  int Stop();
  std::string Log() const;

 private:
  TempDir dir_;
  GRef<GSubprocess> proc_;
  unsigned port_ = 0;
  bool auth_ = false;
};

class ClientProcess {
 public:
  ClientProcess(const std::string& server, const std::vector<std::string>& args);
  ~ClientProcess();
  // Waits for the client to finish by itself and parses its report (null if none).
  GRef<JsonNode> Wait();
  void Kill();  // SIGKILL: the client vanishes without leaving
  std::string Stderr() const;

  gint64 started_us() const { return started_us_; }

 private:
  TempDir dir_;
  GRef<GSubprocess> proc_;
  gint64 started_us_;
};

// Blocking HTTP request to the gateway; returns the status, body in *body. `token`: the bearer
// token to send ("" for none); by default the admin token of a running Auth::kOn gateway.
unsigned HttpRequest(const std::string& method, const std::string& url, const std::string& body,
                     std::string* response, std::optional<std::string> token = std::nullopt);
// Parses JSON text (null on error).
GRef<JsonNode> ParseJson(const std::string& text);

// Accessors over a mediagw-client report.
struct ReportTrack {
  std::string track_id, participant_id, kind;
  gint64 packets = 0, frames = 0, subscribed_ms = -1, first_frame_ms = -1, last_frame_ms = -1;
  gint64 max_gap_ms = 0;
  gint64 seq_gaps = 0;
};
struct ReportParticipant {
  std::string name, participant_id, error;
  gint64 last_offer_ms = -1;
  gint64 track_muted_events = 0;
  std::vector<std::pair<std::string, gint64>> left;
  std::vector<ReportTrack> tracks;
  // Frames of `kind` received from participant `from` (0 when none).
  gint64 FramesFrom(const std::string& from, const std::string& kind) const;
  const ReportTrack* TrackFrom(const std::string& from, const std::string& kind) const;
};
std::vector<ReportParticipant> ReadReport(JsonNode* report);

}  // namespace mediagw::testing
