// webrtcbin's send path holds each packet until its running time plus the pipeline latency
// (clocksync elements, created per transceiver, some only when the first buffer arrives). A
// forwarder or a load generator must send a packet when it has it, so both switch every such
// element off, present and future, right after creating the webrtcbin.
#pragma once

#include <gst/gst.h>

#include <cstring>

namespace mediagw {

inline void UnsyncIfClockSync(GstElement* element) {
  GstElementFactory* f = gst_element_get_factory(element);
  if (f && strcmp(GST_OBJECT_NAME(f), "clocksync") == 0) g_object_set(element, "sync", FALSE, NULL);
}

inline void SendWithoutClockSync(GstBin* webrtcbin) {
  GstIterator* it = gst_bin_iterate_recurse(webrtcbin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    UnsyncIfClockSync(GST_ELEMENT(g_value_get_object(&item)));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  g_signal_connect(webrtcbin, "deep-element-added",
                   G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer) {
                     UnsyncIfClockSync(element);
                   }),
                   nullptr);
}

}  // namespace mediagw
