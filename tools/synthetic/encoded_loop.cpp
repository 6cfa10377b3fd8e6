#include "encoded_loop.h"

#include <gst/app/gstappsink.h>

#include <stdexcept>
#include <string>

namespace mediagw::client {
namespace {

// Runs a finite pipeline ending in appsink "out" and collects every buffer and the caps.
void Collect(const std::string& desc, std::vector<GRef<GstBuffer>>* out, GRef<GstCaps>* caps) {
  GErrorPtr err;
  auto pipeline = GRef<GstElement>::Ref(gst_parse_launch(desc.c_str(), err.out()));
  if (!pipeline) throw std::runtime_error("cannot encode the load loop: " + std::string(err->message));
  auto sink = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink.get()))) {
    if (!*caps) *caps = GRef<GstCaps>::Ref(gst_sample_get_caps(sample));
    out->push_back(GRef<GstBuffer>::Ref(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  if (out->empty()) throw std::runtime_error("the load loop encoder produced nothing: " + desc);
}

}  // namespace

std::shared_ptr<const EncodedLoop> EncodedLoop::Make(int width, int height, int fps, int kbps,
                                                     int seconds) {
  auto loop = std::make_shared<EncodedLoop>();
  loop->fps = fps;
  int frames = fps * seconds;
  Collect("videotestsrc num-buffers=" + std::to_string(frames) + " pattern=zone-plate kx2=20 ky2=20 kt=1 ! video/x-raw,width=" +
              std::to_string(width) + ",height=" + std::to_string(height) + ",framerate=" +
              std::to_string(fps) + "/1 ! vp8enc deadline=1 cpu-used=4 end-usage=cbr target-bitrate=" +
              std::to_string(kbps * 1000) + " keyframe-max-dist=" + std::to_string(frames + 1) +
              " ! appsink name=out sync=false",
          &loop->video, &loop->video_caps);
  Collect("audiotestsrc num-buffers=" + std::to_string(50 * seconds) +
              " samplesperbuffer=960 wave=sine ! audio/x-raw,rate=48000,channels=2 ! "
              "opusenc frame-size=20 ! appsink name=out sync=false",
          &loop->audio, &loop->audio_caps);
  if (GST_BUFFER_FLAG_IS_SET(loop->video[0].get(), GST_BUFFER_FLAG_DELTA_UNIT))
    throw std::runtime_error("the load loop does not start with a keyframe");
  return loop;
}

}  // namespace mediagw::client
