// mediagwtransportsink: the end of one subscriber's track. Each RTP packet it receives is queued
// for the subscriber's MediaTransport, whose I/O thread protects and sends it; no GStreamer queue,
// no RTP session, no thread per subscriber. Keyframe requests the subscriber sends come back out of its sink pad as upstream
// GstForceKeyUnit events (see MediaTransport::SetKeyframeTarget).
#pragma once

#include <gst/gst.h>

#include <memory>

#include "media_transport.h"

G_BEGIN_DECLS

#define MEDIAGW_TYPE_TRANSPORT_SINK (mediagw_transport_sink_get_type())
G_DECLARE_FINAL_TYPE(MediagwTransportSink, mediagw_transport_sink, MEDIAGW, TRANSPORT_SINK, GstElement)

gboolean mediagw_transport_sink_register(GstPlugin* plugin);

G_END_DECLS

namespace mediagw {
// Sets the transport the sink sends over; once, before the sink receives data.
void TransportSinkSetTransport(GstElement* sink, std::shared_ptr<MediaTransport> transport);
}  // namespace mediagw
