// The GStreamer pipeline of one room: every participant's webrtcbins and the forwarders between
// them live in it. Runs from creation to destruction; its bus is watched on the main context.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mediagw/gstref.h"

namespace mediagw {

// Registers mediagw's own elements once per process (statically linked, no GST_PLUGIN_PATH).
void RegisterMediagwElements();

class RoomPipeline {
 public:
  // Called on the main context with the name of the element that posted an error.
  using ErrorHandler = std::function<void(const std::string& element, const std::string& message)>;

  explicit RoomPipeline(const std::string& room, ErrorHandler on_error);
  ~RoomPipeline();
  RoomPipeline(const RoomPipeline&) = delete;
  RoomPipeline& operator=(const RoomPipeline&) = delete;

  GstBin* bin() const { return GST_BIN(pipeline_.get()); }

  // Factory names of every element in the pipeline, bins entered recursively.
  std::vector<std::string> ElementFactories() const;

 private:
  static gboolean OnBusMessage(GstBus*, GstMessage* message, gpointer data);

  GRef<GstElement> pipeline_;
  guint bus_watch_ = 0;
  ErrorHandler on_error_;
};

}  // namespace mediagw
