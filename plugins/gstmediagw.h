// Registers the gstmediagw plugin inside a program that links it statically (mediagw, tests),
// so they never depend on GST_PLUGIN_PATH. gst-inspect-1.0 finds the shared build of the same code.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
gboolean mediagw_plugin_register_static(void);
G_END_DECLS
