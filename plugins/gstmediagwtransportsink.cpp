#include "gstmediagwtransportsink.h"

#include <atomic>

GST_DEBUG_CATEGORY_STATIC(mediagw_transport_sink_debug);
#define GST_CAT_DEFAULT mediagw_transport_sink_debug

namespace {

constexpr gsize kMaxPacket = 1500;

enum { PROP_0, PROP_PACKETS, PROP_OVERSIZED };

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

}  // namespace

struct TransportSinkPrivate {
  std::shared_ptr<mediagw::MediaTransport> transport;  // set once before data flows
  std::atomic<guint64> packets{0};
  std::atomic<guint64> oversized{0};
};

struct _MediagwTransportSink {
  GstElement parent;
  GstPad* sinkpad;
  TransportSinkPrivate* priv;
};

G_DEFINE_TYPE(MediagwTransportSink, mediagw_transport_sink, GST_TYPE_ELEMENT)

// Takes `buffer` (transfer full) and queues it for the transport's I/O thread.
static void transport_sink_send(MediagwTransportSink* self, GstBuffer* buffer) {
  if (gst_buffer_get_size(buffer) > kMaxPacket || !self->priv->transport) {
    self->priv->oversized++;
    gst_buffer_unref(buffer);
    return;
  }
  self->priv->packets++;
  self->priv->transport->QueueRtp(buffer);
}

static GstFlowReturn transport_sink_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  transport_sink_send(MEDIAGW_TRANSPORT_SINK(parent), buffer);
  return GST_FLOW_OK;
}

static GstFlowReturn transport_sink_chain_list(GstPad*, GstObject* parent, GstBufferList* list) {
  auto* self = MEDIAGW_TRANSPORT_SINK(parent);
  guint n = gst_buffer_list_length(list);
  for (guint i = 0; i < n; i++) transport_sink_send(self, gst_buffer_ref(gst_buffer_list_get(list, i)));
  gst_buffer_list_unref(list);
  return GST_FLOW_OK;
}

static gboolean transport_sink_event(GstPad*, GstObject*, GstEvent* event) {
  // Caps, segments and the like mean nothing to a UDP send.
  gst_event_unref(event);
  return TRUE;
}

static gboolean transport_sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    gst_query_set_accept_caps_result(query, TRUE);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

static void transport_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                        GParamSpec* pspec) {
  auto* self = MEDIAGW_TRANSPORT_SINK(object);
  switch (prop_id) {
    case PROP_PACKETS: g_value_set_uint64(value, self->priv->packets.load()); break;
    case PROP_OVERSIZED: g_value_set_uint64(value, self->priv->oversized.load()); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void transport_sink_finalize(GObject* object) {
  delete MEDIAGW_TRANSPORT_SINK(object)->priv;
  G_OBJECT_CLASS(mediagw_transport_sink_parent_class)->finalize(object);
}

static void mediagw_transport_sink_class_init(MediagwTransportSinkClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->get_property = transport_sink_get_property;
  gobject_class->finalize = transport_sink_finalize;
  auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject_class, PROP_PACKETS,
      g_param_spec_uint64("packets", "Packets", "RTP packets handed to the transport", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(gobject_class, PROP_OVERSIZED,
      g_param_spec_uint64("oversized", "Oversized", "Packets dropped for being over 1500 bytes (or sent before a transport was set)", 0,
                          G_MAXUINT64, 0, ro));
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(element_class, "mediagw transport sink", "Sink/Network/RTP",
      "Sends RTP to one subscriber over mediagw's own ICE + DTLS-SRTP transport",
      "mediagw developers");
}

static void mediagw_transport_sink_init(MediagwTransportSink* self) {
  self->priv = new TransportSinkPrivate();
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, transport_sink_chain);
  gst_pad_set_chain_list_function(self->sinkpad, transport_sink_chain_list);
  gst_pad_set_event_function(self->sinkpad, transport_sink_event);
  gst_pad_set_query_function(self->sinkpad, transport_sink_query);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
}

gboolean mediagw_transport_sink_register(GstPlugin* plugin) {
  GST_DEBUG_CATEGORY_INIT(mediagw_transport_sink_debug, "mediagwtransportsink", 0,
                          "mediagw transport sink");
  return gst_element_register(plugin, "mediagwtransportsink", GST_RANK_NONE,
                              MEDIAGW_TYPE_TRANSPORT_SINK);
}

namespace mediagw {

void TransportSinkSetTransport(GstElement* sink, std::shared_ptr<MediaTransport> transport) {
  MEDIAGW_TRANSPORT_SINK(sink)->priv->transport = std::move(transport);
}

}  // namespace mediagw
