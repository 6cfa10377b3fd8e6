// mediagwforwarder: fans one published RTP track out to its subscribers, without decoding.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define MEDIAGW_TYPE_FORWARDER (mediagw_forwarder_get_type())
G_DECLARE_FINAL_TYPE(MediagwForwarder, mediagw_forwarder, MEDIAGW, FORWARDER, GstElement)

#define MEDIAGW_TYPE_FORWARDER_PAD (mediagw_forwarder_pad_get_type())
G_DECLARE_FINAL_TYPE(MediagwForwarderPad, mediagw_forwarder_pad, MEDIAGW, FORWARDER_PAD, GstPad)

gboolean mediagw_forwarder_register(GstPlugin* plugin);

G_END_DECLS
