#include "hls.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>

GST_DEBUG_CATEGORY_STATIC(mediagw_hls_debug);
#define GST_CAT_DEFAULT mediagw_hls_debug

namespace mediagw {

std::unique_ptr<HlsOutput> HlsOutput::Create(const std::string& dir, Composite& composite,
                                             std::string* error) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_hls_debug, "mediagw-hls", 0, "HLS of a room's composite");
    g_once_init_leave(&once, 1);
  }
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0) {
    *error = "cannot make " + dir + ": " + g_strerror(errno);
    return nullptr;
  }
  std::unique_ptr<HlsOutput> hls(new HlsOutput(dir, composite));
  if (!hls->Start(error)) return nullptr;
  return hls;
}

HlsOutput::HlsOutput(std::string dir, Composite& composite)
    : dir_(std::move(dir)), composite_(composite) {}

HlsOutput::~HlsOutput() {
  Stop();
}

const char* HlsOutput::StateName(State s) {
  switch (s) {
    case State::kStarting:
      return "starting";
    case State::kLive:
      return "live";
    case State::kFailed:
      return "failed";
    case State::kStopped:
      return "stopped";
  }
  return "";
}

bool HlsOutput::Start(std::string* error) {
  // flvdemux feeds both streams from one thread, and splitmuxsink holds one stream at a GOP's
  // end until the other catches up: a queue that fills (a default queue holds 1 s, less than a
  // 2 s GOP) would stop the demuxer and so the stream it waits for. Bounded only in bytes.
  const std::string kQueue = "max-size-buffers=0 max-size-time=0 max-size-bytes=67108864";
  // hlssink2 cuts at keyframes, which the composite makes every 2 s.
  std::string desc = "hlssink2 name=hls target-duration=" + std::to_string(kSegmentSeconds) +
                     " playlist-length=" + std::to_string(kPlaylistLength) +
                     " max-files=" + std::to_string(kPlaylistLength + 4) +
                     " send-keyframe-requests=false appsrc name=src is-live=true format=time "
                     "max-bytes=8000000 "
                     "leaky-type=downstream ! "
                     "flvdemux name=demux demux.video ! queue name=vqueue " +
                     kQueue +
                     " ! h264parse ! hls.video "
                     "demux.audio ! queue name=aqueue " +
                     kQueue + " ! aacparse ! hls.audio";
  GErrorPtr err;
  GstElement* p = gst_parse_launch(desc.c_str(), err.out());
  if (!p) {
    *error = std::string("cannot build the HLS pipeline: ") + (err ? err->message : desc.c_str());
    return false;
  }
  pipeline_ = GRef<GstElement>::Ref(p);
  // Paths are property values, not part of the description.
  auto hls = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(p), "hls"));
  g_object_set(hls.get(), "location", (dir_ + "/segment%05d.ts").c_str(), "playlist-location",
               (dir_ + "/index.m3u8").c_str(), NULL);
  // Both streams start at the first keyframe: earlier video cannot be decoded, and earlier audio
  // would make a first segment of a few milliseconds that some players refuse.
  auto vqueue = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(p), "vqueue"));
  auto aqueue = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(p), "aqueue"));
  auto vsink = GRef<GstPad>::Adopt(gst_element_get_static_pad(vqueue.get(), "sink"));
  auto asink = GRef<GstPad>::Adopt(gst_element_get_static_pad(aqueue.get(), "sink"));
  gst_pad_add_probe(
      vsink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        if (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_PAD_PROBE_DROP;
        static_cast<FirstKeyframe*>(data)->at = GST_BUFFER_PTS_IS_VALID(b) ? GST_BUFFER_PTS(b) : 0;
        return GST_PAD_PROBE_REMOVE;  // everything from here on passes
      },
      &start_, nullptr);
  gst_pad_add_probe(
      asink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstClockTime at = static_cast<FirstKeyframe*>(data)->at;
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        if (at == GST_CLOCK_TIME_NONE || (GST_BUFFER_PTS_IS_VALID(b) && GST_BUFFER_PTS(b) < at))
          return GST_PAD_PROBE_DROP;
        return GST_PAD_PROBE_REMOVE;
      },
      &start_, nullptr);
  auto bus = GRef<GstBus>::Adopt(gst_element_get_bus(p));
  bus_watch_ = gst_bus_add_watch(bus.get(), OnBus, this);
  if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *error = "cannot start the HLS pipeline";
    return false;
  }
  {
    std::lock_guard lock(feed_->mutex);
    feed_->appsrc = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(p), "src"));
  }
  std::weak_ptr<Feed> weak = feed_;
  output_ = composite_.AddOutput([weak](GstSample* sample) {
    auto f = weak.lock();
    if (!f) return;
    std::lock_guard lock(f->mutex);
    if (!f->appsrc) return;
    GstAppSrc* src = GST_APP_SRC(f->appsrc.get());
    if (!f->header_sent) {
      // The FLV header and metadata travel in the caps' streamheader (rtmp2sink reads them
      // there; flvdemux wants them in the stream).
      GstCaps* caps = gst_sample_get_caps(sample);
      const GValue* headers =
          caps ? gst_structure_get_value(gst_caps_get_structure(caps, 0), "streamheader") : nullptr;
      if (!headers || !GST_VALUE_HOLDS_ARRAY(headers)) return;
      gst_app_src_set_caps(src, caps);
      for (guint i = 0; i < gst_value_array_get_size(headers); i++) {
        GstBuffer* b = gst_value_get_buffer(gst_value_array_get_value(headers, i));
        GstBuffer* copy = gst_buffer_copy(b);
        GST_BUFFER_PTS(copy) = GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
        gst_app_src_push_buffer(src, copy);
      }
      f->header_sent = true;
    }
    // A composite that starts with this output also sends its header in the stream: once is enough.
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (buffer && GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return;
    gst_app_src_push_sample(src, sample);
  });
  if (!output_) {
    *error = "the room's composite is not running";
    return false;
  }
  tick_ = g_timeout_add(500, OnTick, this);
  GST_INFO("HLS into %s", dir_.c_str());
  return true;
}

void HlsOutput::Fail(const std::string& why) {
  GST_WARNING("HLS into %s failed: %s", dir_.c_str(), why.c_str());
  last_error_ = why;
  state_ = State::kFailed;
  {
    std::lock_guard lock(feed_->mutex);
    feed_->appsrc.reset();
  }
}

gboolean HlsOutput::OnBus(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<HlsOutput*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GErrorPtr err;
    gst_message_parse_error(message, err.out(), nullptr);
    self->Fail(err ? err->message : "error");
  }
  return G_SOURCE_CONTINUE;
}

// Live once the playlist lists kLiveSegments segments; `segments` = the last listed segment's
// number + 1.
gboolean HlsOutput::OnTick(gpointer data) {
  auto* self = static_cast<HlsOutput*>(data);
  gchar* text = nullptr;
  if (!g_file_get_contents((self->dir_ + "/index.m3u8").c_str(), &text, nullptr, nullptr))
    return G_SOURCE_CONTINUE;
  unsigned sequence = 0, listed = 0;
  gchar** lines = g_strsplit(text, "\n", -1);
  for (gchar** l = lines; *l; l++) {
    if (g_str_has_prefix(*l, "#EXT-X-MEDIA-SEQUENCE:"))
      sequence = static_cast<unsigned>(g_ascii_strtoull(*l + 22, nullptr, 10));
    else if (g_str_has_prefix(*l, "#EXTINF:"))
      listed++;
  }
  g_strfreev(lines);
  g_free(text);
  self->segments_ = listed ? sequence + listed : 0;
  if (self->state_ == State::kStarting && listed >= kLiveSegments) {
    self->state_ = State::kLive;
    self->live_since_us_ = g_get_monotonic_time();
    GST_INFO("HLS into %s is live", self->dir_.c_str());
  }
  return G_SOURCE_CONTINUE;
}

gint64 HlsOutput::uptime_s() const {
  return state_ == State::kLive ? (g_get_monotonic_time() - live_since_us_) / G_USEC_PER_SEC : 0;
}

void HlsOutput::Stop() {
  if (state_ == State::kStopped) return;
  if (tick_) g_source_remove(tick_);
  tick_ = 0;
  if (output_) composite_.RemoveOutput(output_);
  output_ = 0;
  {
    std::lock_guard lock(feed_->mutex);
    feed_->appsrc.reset();
  }
  if (bus_watch_) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  if (pipeline_) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.reset();
  }
  // Every file it wrote, then the directory (left alone if something else put files there).
  if (GDir* d = g_dir_open(dir_.c_str(), 0, nullptr)) {
    while (const gchar* name = g_dir_read_name(d))
      if (g_str_has_suffix(name, ".ts") || g_str_has_suffix(name, ".m3u8") ||
          g_str_has_suffix(name, ".tmp"))
        g_unlink((dir_ + "/" + name).c_str());
    g_dir_close(d);
  }
  g_rmdir(dir_.c_str());
  state_ = State::kStopped;
}

}  // namespace mediagw
