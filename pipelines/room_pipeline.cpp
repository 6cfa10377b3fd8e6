#include "room_pipeline.h"

#include "gstmediagw.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_room_debug);
#define GST_CAT_DEFAULT mediagw_room_debug

namespace mediagw {

void RegisterMediagwElements() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_room_debug, "mediagw-room", 0, "room pipelines");
    mediagw_plugin_register_static();
    g_once_init_leave(&once, 1);
  }
}

RoomPipeline::RoomPipeline(const std::string& room, ErrorHandler on_error)
    : on_error_(std::move(on_error)) {
  RegisterMediagwElements();
  std::string name = "room-" + room;
  pipeline_ = GRef<GstElement>::Ref(gst_pipeline_new(name.c_str()));
  auto bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
  bus_watch_ = gst_bus_add_watch(bus.get(), OnBusMessage, this);
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
}

RoomPipeline::~RoomPipeline() {
  if (bus_watch_) g_source_remove(bus_watch_);
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

gboolean RoomPipeline::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<RoomPipeline*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GErrorPtr err;
    GCharPtr debug;
    gst_message_parse_error(message, err.out(), debug.out());
    std::string element = GST_MESSAGE_SRC_NAME(message) ? GST_MESSAGE_SRC_NAME(message) : "";
    // Walk up to the top-level element (a participant's webrtcbin or forwarder).
    for (GstObject* o = GST_MESSAGE_SRC(message); o && GST_OBJECT_PARENT(o); o = GST_OBJECT_PARENT(o)) {
      if (GST_OBJECT_PARENT(o) == GST_OBJECT(self->pipeline_.get())) element = GST_OBJECT_NAME(o);
    }
    GST_WARNING("error from %s: %s (%s)", element.c_str(), err->message, debug ? debug.get() : "");
    if (self->on_error_) self->on_error_(element, err->message);
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) {
    GErrorPtr err;
    gst_message_parse_warning(message, err.out(), nullptr);
    GST_WARNING("warning from %s: %s", GST_MESSAGE_SRC_NAME(message), err->message);
  }
  return G_SOURCE_CONTINUE;
}

namespace {
void CollectFactories(GstBin* bin, std::vector<std::string>& out) {
  GstIterator* it = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        GstElementFactory* f = gst_element_get_factory(element);
        out.push_back(f ? GST_OBJECT_NAME(f) : G_OBJECT_TYPE_NAME(element));
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        out.clear();
        gst_iterator_resync(it);
        break;
      default:
        done = true;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}
}  // namespace

std::vector<std::string> RoomPipeline::ElementFactories() const {
  std::vector<std::string> out;
  CollectFactories(bin(), out);
  return out;
}

}  // namespace mediagw
