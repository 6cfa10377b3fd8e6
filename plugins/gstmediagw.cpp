// The gstmediagw plugin: mediagw's own GStreamer elements.
#include <gst/gst.h>

#include "gstmediagw.h"
#include "gstmediagwforwarder.h"
#include "gstmediagwtransportsink.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return mediagw_forwarder_register(plugin) && mediagw_transport_sink_register(plugin);
}

#define PACKAGE "mediagw"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, mediagw,
                  "mediagw SFU elements", plugin_init, "0.1.0", "MIT", "mediagw", "mediagw")

gboolean mediagw_plugin_register_static(void) {
  return gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "mediagw",
                                    "mediagw SFU elements", plugin_init, "0.1.0", "MIT", "mediagw",
                                    "mediagw", "mediagw");
}
