// GStreamer specialisations of the RAII handles in gref.h (kept apart so that code without
// GStreamer, such as signaling/, never includes GStreamer headers).
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "mediagw/gref.h"

namespace mediagw {

MEDIAGW_GSTOBJECT_TRAITS(GstObject)
MEDIAGW_GSTOBJECT_TRAITS(GstElement)
MEDIAGW_GSTOBJECT_TRAITS(GstPad)
MEDIAGW_GSTOBJECT_TRAITS(GstBus)
MEDIAGW_GSTOBJECT_TRAITS(GstClock)
MEDIAGW_GSTOBJECT_TRAITS(GstWebRTCRTPTransceiver)
MEDIAGW_MINIOBJECT_TRAITS(GstCaps, gst_caps_ref, gst_caps_unref)
MEDIAGW_MINIOBJECT_TRAITS(GstBuffer, gst_buffer_ref, gst_buffer_unref)
MEDIAGW_MINIOBJECT_TRAITS(GstEvent, gst_event_ref, gst_event_unref)
MEDIAGW_MINIOBJECT_TRAITS(GstMessage, gst_message_ref, gst_message_unref)
MEDIAGW_MINIOBJECT_TRAITS(GstPromise, gst_promise_ref, gst_promise_unref)
MEDIAGW_FREE_TRAITS(GstStructure, gst_structure_free)
MEDIAGW_FREE_TRAITS(GstSDPMessage, gst_sdp_message_free)
MEDIAGW_FREE_TRAITS(GstSDPMedia, gst_sdp_media_free)
MEDIAGW_FREE_TRAITS(GstWebRTCSessionDescription, gst_webrtc_session_description_free)

}  // namespace mediagw
