#include "subscribe_answer.h"

#include <gst/sdp/sdp.h>

#include "mediagw/gstref.h"

namespace mediagw {
namespace {

// The SDP attribute value of `key` in media `m`, else at session level, else "".
std::string Attribute(const GstSDPMessage* msg, const GstSDPMedia* m, const char* key) {
  const char* v = m ? gst_sdp_media_get_attribute_val(m, key) : nullptr;
  if (!v) v = gst_sdp_message_get_attribute_val(msg, key);
  return v ? v : "";
}

std::optional<SubscribeAnswer> Refuse(std::string* error, std::string why) {
  *error = std::move(why);
  return std::nullopt;
}

}  // namespace

std::optional<SubscribeAnswer> ReadSubscribeAnswer(const std::string& sdp,
                                                   const std::vector<std::string>& offered_mids,
                                                   std::string* error) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  GUnique<GstSDPMessage> msg(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), msg.get()) != GST_SDP_OK)
    return Refuse(error, "SDP does not parse");
  const guint offered = static_cast<guint>(offered_mids.size());
  if (gst_sdp_message_medias_len(msg.get()) != offered)
    return Refuse(error, "the answer has " + std::to_string(gst_sdp_message_medias_len(msg.get())) +
                             " media sections, the offer " + std::to_string(offered));
  SubscribeAnswer a;
  a.accepted.assign(offered, false);
  const GstSDPMedia* first = nullptr;
  for (guint i = 0; i < offered; i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (mid && offered_mids[i] != mid)
      return Refuse(error, "media section " + std::to_string(i) + " has mid " +
                               std::string(mid).substr(0, 32) + ", the offer " + offered_mids[i]);
    bool rejected =
        gst_sdp_media_get_port(m) == 0 && !gst_sdp_media_get_attribute_val(m, "bundle-only");
    bool inactive = gst_sdp_media_get_attribute_val(m, "inactive") != nullptr ||
                    gst_sdp_media_get_attribute_val(m, "sendonly") != nullptr;
    a.accepted[i] = !rejected && !inactive;
    if (!first && !rejected) first = m;
  }
  if (!first) {
    // Everything declined (a client that only publishes, like a browser's screen share).
    a.declined_all = true;
    return a;
  }
  a.ufrag = Attribute(msg.get(), first, "ice-ufrag");
  a.pwd = Attribute(msg.get(), first, "ice-pwd");
  a.fingerprint = Attribute(msg.get(), first, "fingerprint");
  std::string setup = Attribute(msg.get(), first, "setup");
  if (a.ufrag.empty() || a.pwd.empty()) return Refuse(error, "the answer has no ICE credentials");
  if (a.fingerprint.empty()) return Refuse(error, "the answer has no DTLS fingerprint");
  if (setup != "active" && setup != "passive")
    return Refuse(error, "the answer's a=setup must be active or passive, not \"" +
                             setup.substr(0, 32) + "\"");
  // We offered actpass: an active client starts DTLS and we serve it.
  a.dtls_client = setup == "passive";
  for (guint i = 0; i < offered; i++) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    for (guint k = 0; k < gst_sdp_media_attributes_len(m); k++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(m, k);
      if (g_strcmp0(attr->key, "candidate") == 0 && attr->value)
        a.candidates.push_back(std::string("candidate:") + attr->value);
    }
  }
  return a;
}

}  // namespace mediagw
