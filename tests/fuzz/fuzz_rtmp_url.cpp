// Fuzz target: a restream URL (signaling/rtmp_url.cpp) and, for an IP host, the address check.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mediagw/gref.h"
#include "rtmp_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r =
      mediagw::signaling::ParseRtmpUrl(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.url && g_hostname_is_ip_address(r.url->host.c_str())) {
    auto a =
        mediagw::GRef<GInetAddress>::Adopt(g_inet_address_new_from_string(r.url->host.c_str()));
    if (a) mediagw::signaling::ForbiddenAddressReason(a.get());
  }
  if (size >= 16) {
    auto a = mediagw::GRef<GInetAddress>::Adopt(
        g_inet_address_new_from_bytes(data, G_SOCKET_FAMILY_IPV6));
    mediagw::signaling::ForbiddenAddressReason(a.get());
  }
  return 0;
}
