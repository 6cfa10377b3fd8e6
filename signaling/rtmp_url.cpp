#include "rtmp_url.h"

#include <cstring>

#include "mediagw/gref.h"

namespace mediagw::signaling {
namespace {

// Bytes that may appear in the URL text: printable ASCII but for what could end a quoted string,
// split a description or be read as an escape by some other parser on the way.
bool AllowedUrlByte(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '"':
    case '\'':
    case '`':
    case '\\':
    case '<':
    case '>':
    case '{':
    case '}':
    case '|':
    case '^':
      return false;
    default:
      return true;
  }
}

// After %-decoding a component: no control characters, spaces, quotes or backslashes either.
bool CleanDecoded(const char* s) {
  if (!s) return true;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(s); *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == ' ' || *p == '"' || *p == '\'' || *p == '\\') return false;
  return true;
}

// LDH labels (RFC 1123, underscores allowed as some providers use them), no empty label.
bool ValidHostName(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!g_ascii_isalnum(c) && c != '-' && c != '_') return false;
    start = end + 1;
  }
  return true;
}

RtmpUrlResult Fail(std::string why) {
  return RtmpUrlResult{std::nullopt, std::move(why)};
}

bool InPrefix4(const guint8* a, guint8 b0, guint8 b1, int bits) {
  guint32 v = (guint32(a[0]) << 24) | (guint32(a[1]) << 16) | (guint32(a[2]) << 8) | a[3];
  guint32 net = (guint32(b0) << 24) | (guint32(b1) << 16);
  guint32 mask = bits == 0 ? 0 : ~guint32(0) << (32 - bits);
  return (v & mask) == (net & mask);
}

std::string Reason4(const guint8* a) {
  struct Range {
    guint8 b0, b1;
    int bits;
    const char* what;
  };
  static constexpr Range kRanges[] = {
      {0, 0, 8, "an unspecified (0.0.0.0/8) address"},
      {127, 0, 8, "a loopback address"},
      {10, 0, 8, "a private (RFC 1918) address"},
      {172, 16, 12, "a private (RFC 1918) address"},
      {192, 168, 16, "a private (RFC 1918) address"},
      {169, 254, 16, "a link-local address"},
      {100, 64, 10, "a shared (CGNAT, RFC 6598) address"},
      {224, 0, 4, "a multicast address"},
      {240, 0, 4, "a reserved (240.0.0.0/4) or broadcast address"},
  };
  for (const Range& r : kRanges)
    if (InPrefix4(a, r.b0, r.b1, r.bits)) return r.what;
  return "";
}

}  // namespace

RtmpUrlResult ParseRtmpUrl(std::string_view text) {
  if (text.empty()) return Fail("url must not be empty");
  if (text.size() > kMaxRtmpUrlBytes) return Fail("url is longer than 2048 bytes");
  for (unsigned char c : text)
    if (!AllowedUrlByte(c))
      return Fail("url must be printable ASCII without spaces, quotes, backslashes or <>{}|^`");
  std::string owned(text);
  GErrorPtr err;
  GUnique<GUri> uri(g_uri_parse(owned.c_str(), G_URI_FLAGS_NONE, err.out()));
  if (!uri) return Fail(std::string("url is not a valid URL: ") + (err ? err->message : "?"));
  std::string scheme = g_uri_get_scheme(uri.get());
  for (char& c : scheme) c = g_ascii_tolower(c);
  if (scheme != "rtmp" && scheme != "rtmps") return Fail("url must start with rtmp:// or rtmps://");
  const char* host = g_uri_get_host(uri.get());
  if (!host || !*host) return Fail("url must name a host");
  if (!g_hostname_is_ip_address(host) && !ValidHostName(host))
    return Fail("url's host must be a DNS name or an IP address");
  if (g_uri_get_fragment(uri.get())) return Fail("url must not have a #fragment");
  const char* path = g_uri_get_path(uri.get());
  const char* userinfo = g_uri_get_userinfo(uri.get());
  const char* query = g_uri_get_query(uri.get());
  if (!CleanDecoded(path) || !CleanDecoded(userinfo) || !CleanDecoded(query))
    return Fail(
        "url must not hold control characters, spaces, quotes or backslashes, "
        "%-encoded or not");
  // rtmp://host[:port]/application[/instance]/stream: the stream name (the key) comes last.
  std::vector<std::string> segments;
  GUnique<char*> parts(g_strsplit(path ? path : "", "/", -1));
  for (char** p = parts.get(); *p; p++)
    if (**p) segments.emplace_back(*p);
  if (segments.size() < 2)
    return Fail("url must name an application and a stream: rtmp://host/app/stream");
  int port = g_uri_get_port(uri.get());
  if (port == 0) return Fail("url's port must be 1-65535");

  RtmpUrl u;
  u.url = owned;
  u.scheme = scheme;
  u.host = host;
  u.port = port > 0 ? port : (scheme == "rtmps" ? 443 : 1935);
  // The redacted form is rebuilt from the parts, so that nothing of the key can slip through.
  std::string shown = scheme + "://";
  if (userinfo) shown += "***@";
  shown += strchr(host, ':') ? "[" + u.host + "]" : u.host;
  if (port > 0) shown += ":" + std::to_string(port);
  for (size_t i = 0; i + 1 < segments.size(); i++) {
    GCharPtr escaped(g_uri_escape_string(segments[i].c_str(), nullptr, FALSE));
    shown += "/" + std::string(escaped.get());
  }
  shown += "/***";
  if (query) shown += "?***";
  u.redacted = std::move(shown);
  u.secrets = {owned, segments.back()};
  if (auto slash = owned.rfind('/'); slash != std::string::npos) {
    std::string raw_key = owned.substr(slash + 1);
    u.secrets.push_back(raw_key.substr(0, raw_key.find('?')));
  }
  if (userinfo) u.secrets.emplace_back(userinfo);
  if (query) u.secrets.emplace_back(query);
  return RtmpUrlResult{std::move(u), ""};
}

std::string ForbiddenAddressReason(GInetAddress* address) {
  const guint8* bytes = g_inet_address_to_bytes(address);
  if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4) return Reason4(bytes);
  // IPv6. An IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible address reaches the IPv4 one.
  static constexpr guint8 kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(bytes, kMapped, 12) == 0) return Reason4(bytes + 12);
  if (g_inet_address_get_is_any(address)) return "an unspecified (::) address";
  if (g_inet_address_get_is_loopback(address)) return "a loopback address";
  static constexpr guint8 kZero12[12] = {};
  if (memcmp(bytes, kZero12, 12) == 0) return "an IPv4-compatible address";
  if ((bytes[0] & 0xfe) == 0xfc) return "a unique local (fc00::/7) address";
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return "a link-local (fe80::/10) address";
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0) return "a site-local (fec0::/10) address";
  if (bytes[0] == 0xff) return "a multicast address";
  // NAT64 (64:ff9b::/96) leads to whatever IPv4 address it embeds.
  static constexpr guint8 kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (memcmp(bytes, kNat64, 12) == 0) return Reason4(bytes + 12);
  return "";
}

}  // namespace mediagw::signaling
