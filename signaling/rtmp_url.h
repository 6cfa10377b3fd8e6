// RTMP target URLs as clients give them in `POST /v1/rooms/{room}/restreams`.
//
// Why a parser of our own around GUri: the URL carries the stream key (a secret) and ends up in
// an element property, and its host decides where the gateway sends a meeting. So the URL is
// taken apart with GUri, every part is checked against what RTMP servers really use (no control
// characters, quotes, spaces or backslashes anywhere, a host name or IP literal, an application
// and a stream name), and what may be shown (responses, logs, webhooks) is a redacted form that
// never holds the key. No GStreamer here: the same code is fuzzed on its own.
#pragma once

#include <gio/gio.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mediagw::signaling {

inline constexpr std::size_t kMaxRtmpUrlBytes = 2048;

struct RtmpUrl {
  std::string url;       // the whole URL, as given: a secret, for rtmp2sink's location only
  std::string scheme;    // "rtmp" or "rtmps"
  std::string host;      // a DNS name or an IP address (no brackets)
  int port = 0;          // as given, or the scheme's default (1935, 443)
  std::string redacted;  // userinfo, query and the last path segment (the key) shown as ***
  // What must never be shown, in the forms text could echo them: the URL, its key, userinfo and
  // query, raw and %-decoded.
  std::vector<std::string> secrets;
};

struct RtmpUrlResult {
  std::optional<RtmpUrl> url;
  std::string error;  // why the text is not an acceptable RTMP URL (set when url is not)
};

RtmpUrlResult ParseRtmpUrl(std::string_view text);

// Why the gateway must not send a meeting to `address` by default (loopback, private, link-local,
// CGNAT, unspecified, multicast or broadcast, IPv4-mapped forms included), or "" when it is a
// public unicast address.
std::string ForbiddenAddressReason(GInetAddress* address);

}  // namespace mediagw::signaling
