#include "light_answer.h"

#include <gst/sdp/sdp.h>

#include <sstream>

#include "mediagw/gstref.h"

namespace mediagw::client {
namespace {

GUnique<GstSDPMessage> Parse(const std::string& text) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  GUnique<GstSDPMessage> msg(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(text.data()),
                                   static_cast<guint>(text.size()), msg.get()) != GST_SDP_OK ||
      gst_sdp_message_medias_len(msg.get()) == 0)
    return GUnique<GstSDPMessage>();
  return msg;
}

std::string Attr(const GstSDPMessage* msg, const GstSDPMedia* m, const char* key) {
  const char* v = m ? gst_sdp_media_get_attribute_val(m, key) : nullptr;
  if (!v) v = gst_sdp_message_get_attribute_val(msg, key);
  return v ? v : "";
}

bool IsRtp(const GstSDPMedia* m) {
  const char* media = gst_sdp_media_get_media(m);
  return gst_sdp_media_get_port(m) != 0 && gst_sdp_media_formats_len(m) > 0 &&
         (g_strcmp0(media, "audio") == 0 || g_strcmp0(media, "video") == 0);
}

}  // namespace

OfferFacts ReadOffer(const std::string& offer) {
  OfferFacts f;
  auto msg = Parse(offer);
  if (!msg) {
    f.error = "the subscribe offer does not parse";
    return f;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    if (f.ufrag.empty() && IsRtp(m)) {
      f.ufrag = Attr(msg.get(), m, "ice-ufrag");
      f.pwd = Attr(msg.get(), m, "ice-pwd");
      f.fingerprint = Attr(msg.get(), m, "fingerprint");
    }
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); a++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(m, a);
      if (!attr->value) continue;
      if (g_strcmp0(attr->key, "candidate") == 0) f.candidates.push_back(std::string("candidate:") + attr->value);
      if (g_strcmp0(attr->key, "ssrc") == 0 && mid)
        f.mid_by_ssrc[static_cast<uint32_t>(g_ascii_strtoull(attr->value, nullptr, 10))] = mid;
    }
  }
  if (f.ufrag.empty() || f.pwd.empty() || f.fingerprint.empty())
    f.error = "the subscribe offer has no ICE credentials or fingerprint";
  return f;
}

std::string BuildLightAnswer(const std::string& offer, const std::string& ufrag, const std::string& pwd,
                             const std::string& fingerprint, const std::vector<std::string>& candidates) {
  auto msg = Parse(offer);
  if (!msg) return "";
  std::ostringstream o;
  o << "v=0\r\no=- " << g_random_int() << " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  std::vector<std::string> bundle;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (IsRtp(m) && mid) bundle.push_back(mid);
  }
  o << "a=group:BUNDLE";
  for (const auto& mid : bundle) o << " " << mid;
  o << "\r\na=msid-semantic: WMS\r\n";
  bool first = true;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (!IsRtp(m) || !mid) {
      // Rejected: same media and protocol, port 0.
      o << "m=" << gst_sdp_media_get_media(m) << " 0 " << gst_sdp_media_get_proto(m) << " "
        << (gst_sdp_media_formats_len(m) ? gst_sdp_media_get_format(m, 0) : "0") << "\r\n";
      if (mid) o << "a=mid:" << mid << "\r\n";
      continue;
    }
    std::string pt = gst_sdp_media_get_format(m, 0);
    bool sending = !gst_sdp_media_get_attribute_val(m, "inactive") &&
                   !gst_sdp_media_get_attribute_val(m, "recvonly");
    o << "m=" << gst_sdp_media_get_media(m) << " 9 UDP/TLS/RTP/SAVPF " << pt << "\r\n"
      << "c=IN IP4 0.0.0.0\r\na=mid:" << mid << "\r\n"
      << (sending ? "a=recvonly\r\n" : "a=inactive\r\n")
      << "a=ice-ufrag:" << ufrag << "\r\na=ice-pwd:" << pwd << "\r\na=fingerprint:sha-256 " << fingerprint
      << "\r\na=setup:active\r\na=rtcp-mux\r\n";
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); a++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(m, a);
      if (!attr->value) continue;
      bool ours = (g_strcmp0(attr->key, "rtpmap") == 0 || g_strcmp0(attr->key, "fmtp") == 0) &&
                  g_str_has_prefix(attr->value, (pt + " ").c_str());
      if (ours) o << "a=" << attr->key << ":" << attr->value << "\r\n";
    }
    if (first) {
      for (const auto& c : candidates) o << "a=" << c << "\r\n";
      o << "a=end-of-candidates\r\n";
    }
    first = false;
  }
  return o.str();
}

}  // namespace mediagw::client
