#include "restream.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "media_clock.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_restream_debug);
#define GST_CAT_DEFAULT mediagw_restream_debug

namespace mediagw {
namespace {

void InitDebug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mediagw_restream_debug, "mediagw-restream", 0,
                            "composite and RTMP targets");
    g_once_init_leave(&once, 1);
  }
}

bool HaveTextOverlay() {
  static const bool have = [] {
    GstElementFactory* f = gst_element_factory_find("textoverlay");
    if (f) gst_object_unref(f);
    return f != nullptr;
  }();
  return have;
}

GstElement* ParseBin(const std::string& desc, std::string* error) {
  GErrorPtr err;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), TRUE, err.out());
  if (!bin && error) *error = err ? err->message : "cannot build " + desc;
  return bin;
}

}  // namespace

std::string CheckRestreamSettings(const RestreamSettings& s) {
  if (s.layout != "grid" && s.layout != "speaker") return "layout must be \"grid\" or \"speaker\"";
  if (s.width < 160 || s.width > 3840 || s.width % 2)
    return "width must be an even number from 160 to 3840";
  if (s.height < 120 || s.height > 2160 || s.height % 2)
    return "height must be an even number from 120 to 2160";
  if (s.fps < 1 || s.fps > 60) return "fps must be from 1 to 60";
  if (s.video_bitrate_kbps < 100 || s.video_bitrate_kbps > 20000)
    return "video_bitrate_kbps must be from 100 to 20000";
  if (s.audio_bitrate_kbps < 32 || s.audio_bitrate_kbps > 320)
    return "audio_bitrate_kbps must be from 32 to 320";
  return "";
}

/* ---- EndingStream ---- */

namespace {

// A stopped target's connection while its EOS goes out: polled on the main loop, and set to NULL
// once the EOS (or an error) reached the sink or kEndWait passed. Stopping a target thus never
// blocks the main loop; FinishAll() ends the stragglers at shutdown.
class EndingStream {
 public:
  static constexpr gint64 kEndWait = 2 * G_USEC_PER_SEC;

  static void Start(GRef<GstElement> pipeline) {
    auto* e = new EndingStream;
    e->pipeline_ = std::move(pipeline);
    e->bus_ = GRef<GstBus>::Adopt(gst_element_get_bus(e->pipeline_.get()));
    e->until_ = g_get_monotonic_time() + kEndWait;
    e->poll_ = g_timeout_add(20, OnPoll, e);
    All().insert(e);
  }

  static void FinishAll() {
    // Each gets what is left of its time, then goes regardless.
    while (!All().empty()) {
      EndingStream* e = *All().begin();
      GstClockTime left =
          static_cast<GstClockTime>(std::max<gint64>(0, e->until_ - g_get_monotonic_time())) *
          GST_USECOND;
      GstMessage* m = gst_bus_timed_pop_filtered(
          e->bus_.get(), left, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
      if (m) gst_message_unref(m);
      e->Finish();
    }
  }

 private:
  static std::set<EndingStream*>& All() {
    static auto* all = new std::set<EndingStream*>;  // never destroyed: no static destructor order
    return *all;
  }

  static gboolean OnPoll(gpointer data) {
    auto* e = static_cast<EndingStream*>(data);
    GstMessage* m = gst_bus_pop_filtered(
        e->bus_.get(), static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (m) gst_message_unref(m);
    if (!m && g_get_monotonic_time() < e->until_) return G_SOURCE_CONTINUE;
    e->poll_ = 0;  // removed by returning FALSE
    e->Finish();
    return G_SOURCE_REMOVE;
  }

  void Finish() {
    if (poll_) g_source_remove(poll_);
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    All().erase(this);
    delete this;
  }

  GRef<GstElement> pipeline_;
  GRef<GstBus> bus_;
  gint64 until_ = 0;
  guint poll_ = 0;
};

// Gives an RTP packet entering a composite input the time MediaClock says, in running time.
GstPadProbeReturn StampInput(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  GstElement* element = GST_PAD_PARENT(pad);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!element || !gst_rtp_buffer_map(b, GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
  const guint32 timestamp = gst_rtp_buffer_get_timestamp(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  GstClock* clock = gst_element_get_clock(element);
  if (!clock) return GST_PAD_PROBE_OK;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  if (now < base) return GST_PAD_PROBE_OK;
  const int64_t pts =
      static_cast<MediaClock*>(data)->Stamp(timestamp, static_cast<int64_t>(now - base));
  b = gst_buffer_make_writable(b);
  GST_BUFFER_PTS(b) = static_cast<GstClockTime>(std::max<int64_t>(pts, 0));
  GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
  GST_PAD_PROBE_INFO_DATA(info) = b;
  return GST_PAD_PROBE_OK;
}

}  // namespace

void RestreamTarget::FinishStopping() {
  EndingStream::FinishAll();
}

/* ---- Composite ---- */

Composite::Composite(GstBin* pipeline, const std::string& name, const RestreamSettings& s)
    : pipeline_(pipeline), name_(name), settings_(s) {
  InitDebug();
  // The "waiting" placeholder (below) and silence keep the mixers running (and the stream
  // valid) when nobody publishes; each aggregator starts at its first buffer, not at running
  // time 0. The mixers wait up to 300 ms for late input (less made audio drop under load).
  // One encoding thread up to 720p30 (x264's frame threads cost more in hand-overs than they
  // save there); more for bigger or faster pictures.
  std::string threads = s.width * s.height * s.fps <= 1280 * 720 * 30 ? "threads=1 " : "";
  std::string desc =
      "compositor name=compositor background=black start-time-selection=first latency=300000000 ! "
      "video/x-raw,format=I420,colorimetry=bt601,width=" +
      std::to_string(s.width) + ",height=" + std::to_string(s.height) +
      ",framerate=" + std::to_string(s.fps) +
      "/1 ! "
      "x264enc tune=zerolatency speed-preset=" +
      s.x264_preset + " " + threads +
      "option-string=scenecut=0 key-int-max=" + std::to_string(2 * s.fps) +
      " bitrate=" + std::to_string(s.video_bitrate_kbps) +
      " ! video/x-h264,profile=main ! h264parse ! "
      "queue name=vqueue max-size-time=2000000000 max-size-buffers=0 max-size-bytes=0 ! "
      "flvmux name=mux streamable=true latency=100000000 start-time-selection=first ! "
      "tee name=tee allow-not-linked=true "
      "audiotestsrc is-live=true wave=silence ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
      "audiomixer name=audiomixer start-time-selection=first latency=300000000 ! audioconvert ! "
      "audioresample ! audio/x-raw,rate=48000,channels=2 ! voaacenc bitrate=" +
      std::to_string(s.audio_bitrate_kbps * 1000) +
      " ! aacparse ! "
      "queue max-size-time=2000000000 max-size-buffers=0 max-size-bytes=0 ! mux.";
  std::string error;
  GstElement* bin = ParseBin(desc, &error);
  if (!bin) {
    GST_ERROR("composite %s: %s", name_.c_str(), error.c_str());
    return;
  }
  gst_object_set_name(GST_OBJECT(bin), name_.c_str());
  bin_ = GRef<GstElement>::Ref(bin);
  compositor_ = gst_bin_get_by_name(GST_BIN(bin), "compositor");
  audiomixer_ = gst_bin_get_by_name(GST_BIN(bin), "audiomixer");
  tee_ = gst_bin_get_by_name(GST_BIN(bin), "tee");
  // The bin holds them; these pointers are borrowed for as long as the bin lives.
  gst_object_unref(compositor_);
  gst_object_unref(audiomixer_);
  gst_object_unref(tee_);
  gst_bin_add(pipeline_, bin_.get());
  gst_element_sync_state_with_parent(bin_.get());
  // AAC decoders play the encoder's priming frame (1024 samples) before the first real sound,
  // and FLV has no edit list to skip it: video goes that much later, so that the two play in
  // step at the viewer.
  auto vqueue = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(bin), "vqueue"));
  auto vqueue_src = GRef<GstPad>::Adopt(gst_element_get_static_pad(vqueue.get(), "src"));
  gst_pad_set_offset(vqueue_src.get(),
                     static_cast<gint64>(gst_util_uint64_scale(1024, GST_SECOND, 48000)));
  // While nobody's camera is in: a placeholder instead of a black picture.
  AddSolidSource("Waiting for people to join", s.width, s.height, &empty_pad_);
  if (s.layout == "speaker") speaker_tick_ = g_timeout_add(250, OnSpeakerTick, this);
  Layout();
  GST_INFO("composite %s: %dx%d@%d %s", name_.c_str(), s.width, s.height, s.fps, s.layout.c_str());
}

// A plain picture with `text` in the middle, one frame a second, into the compositor.
GstElement* Composite::AddSolidSource(const std::string& text, int width, int height,
                                      GRef<GstPad>* mixer_pad) {
  std::string desc =
      "videotestsrc is-live=true pattern=solid-color foreground-color=0xff2c323a ! "
      "capsfilter name=out caps=video/x-raw,format=I420,colorimetry=bt601,width=" +
      std::to_string(width) + ",height=" + std::to_string(height) + ",framerate=1/1";
  if (HaveTextOverlay())
    desc =
        "videotestsrc is-live=true pattern=solid-color foreground-color=0xff2c323a ! "
        "video/x-raw,format=I420,colorimetry=bt601,width=" +
        std::to_string(width) + ",height=" + std::to_string(height) +
        ",framerate=1/1 ! textoverlay name=out valignment=center halignment=center "
        "line-alignment=center shaded-background=false font-desc=\"Sans Bold " +
        std::to_string(std::max(12, height / 14)) + "\"";
  GErrorPtr err;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), FALSE, err.out());
  if (!bin) {
    GST_ERROR("composite %s: %s", name_.c_str(), err ? err->message : desc.c_str());
    return nullptr;
  }
  auto last = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(bin), "out"));
  auto last_src = GRef<GstPad>::Adopt(gst_element_get_static_pad(last.get(), "src"));
  GstPad* ghost = gst_ghost_pad_new("src", last_src.get());
  // A live source at 1 frame/s reports 1 s of latency, which the compositor would add to every
  // frame; a placeholder's frame is valid for its whole second, so it needs none.
  gst_pad_set_query_function(ghost,
                             [](GstPad* pad, GstObject* parent, GstQuery* query) -> gboolean {
                               if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
                                 gst_query_set_latency(query, TRUE, 0, GST_CLOCK_TIME_NONE);
                                 return TRUE;
                               }
                               return gst_pad_query_default(pad, parent, query);
                             });
  gst_element_add_pad(bin, ghost);
  if (HaveTextOverlay()) g_object_set(last.get(), "text", text.c_str(), NULL);
  gst_bin_add(GST_BIN(bin_.get()), bin);
  *mixer_pad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(compositor_, "sink_%u"));
  auto bin_src = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin, "src"));
  g_object_set(mixer_pad->get(), "alpha", 0.0, NULL);
  gst_pad_link(bin_src.get(), mixer_pad->get());
  gst_element_sync_state_with_parent(bin);
  return bin;
}

Composite::~Composite() {
  if (speaker_tick_) g_source_remove(speaker_tick_);
  for (auto& in : inputs_) Detach(in);
  inputs_.clear();
  for (auto& [id, out] : outputs_) {
    gst_element_set_state(out.bin.get(), GST_STATE_NULL);
    gst_bin_remove(GST_BIN(bin_.get()), out.bin.get());
    gst_element_release_request_pad(tee_, out.tee_pad.get());
  }
  outputs_.clear();
  if (bin_) {
    gst_element_set_state(bin_.get(), GST_STATE_NULL);
    gst_bin_remove(pipeline_, bin_.get());
  }
}

void Composite::AddTrack(const std::shared_ptr<PublishedTrack>& track,
                         const std::string& participant, const std::string& label) {
  if (!bin_) return;
  for (const auto& in : inputs_)
    if (in.track->id == track->id) return;
  // "in" is the bin's way in and "out" its way out (explicit: textoverlay has a second, unused
  // sink pad that automatic ghosting could pick instead).
  std::string desc =
      "queue name=in leaky=downstream max-size-buffers=300 max-size-bytes=0 max-size-time=0 ! ";
  if (track->codec == "VP8")
    desc += "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=I420";
  else if (track->codec == "H264")
    desc += "rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420";
  else if (track->codec == "OPUS")
    desc +=
        "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
        "capsfilter caps=audio/x-raw,format=S16LE,rate=48000,channels=2";
  else
    return;
  // The name on the tile (textoverlay comes with gstreamer1.0-x; without it, tiles go unnamed).
  const bool have_overlay = HaveTextOverlay();
  if (track->kind == MediaKind::kVideo && have_overlay)
    desc +=
        " ! textoverlay name=out valignment=bottom halignment=left shaded-background=true "
        "font-desc=\"Sans Bold 28\"";
  else
    desc += " name=out";
  GErrorPtr err;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), FALSE, err.out());
  if (!bin) {
    GST_ERROR("composite %s: %s", name_.c_str(), err ? err->message : desc.c_str());
    return;
  }
  auto first = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(bin), "in"));
  auto last = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(bin), "out"));
  auto first_sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(first.get(), "sink"));
  auto last_src = GRef<GstPad>::Adopt(gst_element_get_static_pad(last.get(), "src"));
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", first_sink.get()));
  gst_element_add_pad(bin, gst_ghost_pad_new("src", last_src.get()));
  if (have_overlay && track->kind == MediaKind::kVideo)
    g_object_set(last.get(), "text", label.c_str(), NULL);
  Input in;
  in.track = track;
  in.participant = participant;
  in.bin = GRef<GstElement>::Ref(bin);
  gst_bin_add(GST_BIN(bin_.get()), bin);
  GstElement* mixer = track->kind == MediaKind::kVideo ? compositor_ : audiomixer_;
  in.mixer_pad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(mixer, "sink_%u"));
  auto bin_src = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin, "src"));
  gst_pad_link(bin_src.get(), in.mixer_pad.get());
  gst_element_sync_state_with_parent(bin);
  if (track->kind == MediaKind::kVideo) {
    GstElement* ph = AddSolidSource(label + "\ncamera off", 640, 360, &in.placeholder_pad);
    if (ph) in.placeholder_bin = GRef<GstElement>::Ref(ph);
  } else {
    // How loud this participant is, for the speaker layout: the mean amplitude of each buffer,
    // falling off by 5 % a buffer (20 ms) after a peak.
    in.level = std::make_shared<std::atomic<float>>(0.0f);
    gst_pad_add_probe(
        bin_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
          GstMapInfo map;
          GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
          if (!gst_buffer_map(b, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
          const auto* samples = reinterpret_cast<const gint16*>(map.data);
          size_t n = map.size / 2;
          double sum = 0;
          for (size_t i = 0; i < n; i++) sum += std::abs(static_cast<int>(samples[i]));
          gst_buffer_unmap(b, &map);
          auto* level = static_cast<std::shared_ptr<std::atomic<float>>*>(data)->get();
          float now = n ? static_cast<float>(sum / static_cast<double>(n) / 32768.0) : 0.0f;
          level->store(std::max(now, level->load() * 0.95f));
          return GST_PAD_PROBE_OK;
        },
        new std::shared_ptr<std::atomic<float>>(in.level),
        [](gpointer d) { delete static_cast<std::shared_ptr<std::atomic<float>>*>(d); });
  }
  // Its own times, from RTP time and arrival (MediaClock), not rtpbin's: see media_clock.h.
  gint clock_rate = 0;
  gst_structure_get_int(gst_caps_get_structure(track->caps.get(), 0), "clock-rate", &clock_rate);
  gst_pad_add_probe(first_sink.get(), GST_PAD_PROBE_TYPE_BUFFER, StampInput,
                    new MediaClock(static_cast<uint32_t>(std::max(clock_rate, 0))),
                    [](gpointer d) { delete static_cast<MediaClock*>(d); });
  // The forwarder gives this input its own stream, starting at a keyframe, like a subscriber.
  in.forwarder_pad =
      GRef<GstPad>::Adopt(gst_element_request_pad_simple(track->forwarder.get(), "src_%u"));
  g_object_set(in.forwarder_pad.get(), "muted", track->muted, NULL);
  auto bin_sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin, "sink"));
  // The ghost pad crosses two bins (room pipeline -> composite -> input): link without checks.
  gst_pad_link_full(in.forwarder_pad.get(), bin_sink.get(), GST_PAD_LINK_CHECK_NOTHING);
  inputs_.push_back(std::move(in));
  GST_INFO("composite %s: + %s (%s)", name_.c_str(), track->id.c_str(), track->codec.c_str());
  Layout();
}

void Composite::Detach(Input& in) {
  if (in.forwarder_pad) {
    auto bin_sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(in.bin.get(), "sink"));
    ReleaseForwarderPad(in.forwarder_pad.get(), bin_sink.get());
    in.forwarder_pad.reset();
  }
  // The mixer's pad first: releasing it flushes it, which frees a streaming thread blocked in it
  // (an aggregator pad holds one buffer at a time); only then can the input stop.
  GstElement* mixer = GST_ELEMENT(gst_pad_get_parent(in.mixer_pad.get()));
  if (mixer) {
    gst_element_release_request_pad(mixer, in.mixer_pad.get());
    gst_object_unref(mixer);
  }
  gst_element_set_state(in.bin.get(), GST_STATE_NULL);
  gst_bin_remove(GST_BIN(bin_.get()), in.bin.get());
  if (in.placeholder_bin) {
    gst_element_release_request_pad(compositor_, in.placeholder_pad.get());
    gst_element_set_state(in.placeholder_bin.get(), GST_STATE_NULL);
    gst_bin_remove(GST_BIN(bin_.get()), in.placeholder_bin.get());
  }
}

void Composite::SetTrackMuted(const std::string& track_id, bool muted) {
  for (auto& in : inputs_) {
    if (in.track->id != track_id) continue;
    g_object_set(in.forwarder_pad.get(), "muted", muted, NULL);
    if (in.track->kind == MediaKind::kVideo) Layout();
  }
}

void Composite::RemoveTrack(const std::string& track_id) {
  for (auto it = inputs_.begin(); it != inputs_.end(); ++it) {
    if (it->track->id != track_id) continue;
    Detach(*it);
    inputs_.erase(it);
    GST_INFO("composite %s: - %s", name_.c_str(), track_id.c_str());
    Layout();
    return;
  }
}

// Grid: 1, 2 (side by side), 4, 9, 16 ... tiles in join order. Speaker: the active speaker's
// camera large on top, everyone else's in a row of thumbnails below. Each picture keeps its
// aspect ratio, centred in its cell; a camera that is off shows its placeholder instead.
void Composite::Layout() {
  if (!bin_) return;
  std::vector<Input*> videos;
  for (auto& in : inputs_)
    if (in.track->kind == MediaKind::kVideo) videos.push_back(&in);
  if (empty_pad_)
    g_object_set(empty_pad_.get(), "alpha", videos.empty() ? 1.0 : 0.0, "zorder", 1000u, NULL);
  size_t n = videos.size();
  if (n == 0) return;
  struct Cell {
    int x, y, w, h;
  };
  std::vector<Cell> cells(n);
  const int W = settings_.width, H = settings_.height;
  if (settings_.layout == "speaker" && n > 1) {
    // The speaker first (or whoever joined first while nobody has spoken).
    auto it = std::find_if(videos.begin(), videos.end(),
                           [&](Input* v) { return v->participant == speaker_; });
    if (it != videos.end()) std::rotate(videos.begin(), it, it + 1);
    int main_h = H * 3 / 4 / 2 * 2;
    cells[0] = {0, 0, W, main_h};
    int count = static_cast<int>(n) - 1, per_row = std::max(4, count);
    int tw = W / per_row / 2 * 2, th = (H - main_h) / 2 * 2;
    int x0 = (W - tw * count) / 2;
    for (int i = 0; i < count; i++) cells[i + 1] = {x0 + i * tw, main_h, tw, th};
  } else {
    int cols = n <= 1   ? 1
               : n == 2 ? 2
                        : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
    int rows = static_cast<int>((n + cols - 1) / cols);
    int w = W / cols / 2 * 2, h = H / rows / 2 * 2;
    for (size_t i = 0; i < n; i++)
      cells[i] = {static_cast<int>(i) % cols * w, static_cast<int>(i) / cols * h, w, h};
  }
  for (size_t i = 0; i < n; i++) {
    const Cell& c = cells[i];
    bool off = videos[i]->track->muted;
    auto z = static_cast<guint>(1 + 2 * i);
    g_object_set(videos[i]->mixer_pad.get(), "xpos", c.x, "ypos", c.y, "width", c.w, "height", c.h,
                 "zorder", z, "alpha", off ? 0.0 : 1.0, NULL);
    gst_util_set_object_arg(G_OBJECT(videos[i]->mixer_pad.get()), "sizing-policy",
                            "keep-aspect-ratio");
    if (videos[i]->placeholder_pad) {
      g_object_set(videos[i]->placeholder_pad.get(), "xpos", c.x, "ypos", c.y, "width", c.w,
                   "height", c.h, "zorder", z + 1, "alpha", off ? 1.0 : 0.0, NULL);
      gst_util_set_object_arg(G_OBJECT(videos[i]->placeholder_pad.get()), "sizing-policy",
                              "keep-aspect-ratio");
    }
  }
}

// The speaker layout follows the loudest participant: someone louder than -40 dBFS who is clearly
// louder (1.5x) than the current speaker, at most one change a second.
gboolean Composite::OnSpeakerTick(gpointer data) {
  auto* self = static_cast<Composite*>(data);
  const Input* loudest = nullptr;
  float current = 0;
  for (const auto& in : self->inputs_) {
    if (!in.level || in.track->muted) continue;
    float l = in.level->load();
    if (in.participant == self->speaker_) current = l;
    if (!loudest || l > loudest->level->load()) loudest = &in;
  }
  gint64 now = g_get_monotonic_time();
  if (loudest && loudest->participant != self->speaker_ && loudest->level->load() > 0.01f &&
      loudest->level->load() > 1.5f * current && now - self->speaker_since_us_ > G_USEC_PER_SEC) {
    GST_INFO("composite %s: speaker %s", self->name_.c_str(), loudest->participant.c_str());
    self->speaker_ = loudest->participant;
    self->speaker_since_us_ = now;
    self->Layout();
  }
  return G_SOURCE_CONTINUE;
}

int Composite::AddOutput(SampleSink sink) {
  if (!bin_) return 0;
  std::string error;
  GstElement* bin = ParseBin(
      "queue leaky=downstream max-size-time=3000000000 max-size-buffers=0 max-size-bytes=0 ! "
      "appsink name=out sync=false async=false emit-signals=false",
      &error);
  if (!bin) return 0;
  int id = next_output_++;
  Output out;
  out.bin = GRef<GstElement>::Ref(bin);
  out.sink = std::make_unique<SampleSink>(std::move(sink));
  auto appsink = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(bin), "out"));
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = [](GstAppSink* s, gpointer data) -> GstFlowReturn {
    GstSample* sample = gst_app_sink_pull_sample(s);
    if (sample) {
      (*static_cast<SampleSink*>(data))(sample);
      gst_sample_unref(sample);
    }
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink.get()), &callbacks, out.sink.get(), nullptr);
  gst_bin_add(GST_BIN(bin_.get()), bin);
  out.tee_pad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(tee_, "src_%u"));
  auto bin_sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin, "sink"));
  gst_element_sync_state_with_parent(bin);
  gst_pad_link(out.tee_pad.get(), bin_sink.get());
  outputs_.emplace(id, std::move(out));
  return id;
}

void Composite::RemoveOutput(int id) {
  auto it = outputs_.find(id);
  if (it == outputs_.end()) return;
  Output& out = it->second;
  auto bin_sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(out.bin.get(), "sink"));
  gst_pad_unlink(out.tee_pad.get(), bin_sink.get());
  gst_element_release_request_pad(tee_, out.tee_pad.get());
  gst_element_set_state(out.bin.get(), GST_STATE_NULL);
  gst_bin_remove(GST_BIN(bin_.get()), out.bin.get());
  outputs_.erase(it);
}

/* ---- RestreamTarget ---- */

std::shared_ptr<RestreamTarget> RestreamTarget::Create(std::string id, RtmpDestination destination,
                                                       Composite& composite) {
  std::shared_ptr<RestreamTarget> t(
      new RestreamTarget(std::move(id), std::move(destination), composite));
  std::weak_ptr<Feed> feed = t->feed_;
  t->output_ = composite.AddOutput([feed](GstSample* sample) {
    auto f = feed.lock();
    if (!f) return;
    GRef<GstElement> appsrc;
    {
      std::lock_guard lock(f->mutex);
      appsrc = f->appsrc;
    }
    if (appsrc) gst_app_src_push_sample(GST_APP_SRC(appsrc.get()), sample);
  });
  t->Start();
  t->tick_ = g_timeout_add(500, OnTick, t.get());
  return t;
}

RestreamTarget::RestreamTarget(std::string id, RtmpDestination destination, Composite& composite)
    : id_(std::move(id)), destination_(std::move(destination)), composite_(composite) {
  InitDebug();
}

RestreamTarget::~RestreamTarget() {
  Stop();
}

const char* RestreamTarget::StateName(State s) {
  switch (s) {
    case State::kStarting:
      return "starting";
    case State::kLive:
      return "live";
    case State::kReconnecting:
      return "reconnecting";
    case State::kFailed:
      return "failed";
    case State::kStopped:
      return "stopped";
  }
  return "";
}

// Built element by element: the URL is a property value, never part of a description.
void RestreamTarget::Start() {
  auto p = GRef<GstElement>::Ref(gst_pipeline_new(("restream-" + id_).c_str()));
  GstElement* src = gst_element_factory_make("appsrc", "src");
  GstElement* sink = gst_element_factory_make("rtmp2sink", "sink");
  if (!src || !sink) {
    if (src) gst_object_unref(src);
    if (sink) gst_object_unref(sink);
    OnError("cannot build the RTMP pipeline (appsrc or rtmp2sink missing)");
    return;
  }
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "max-bytes", guint64(8000000),
               NULL);
  gst_util_set_object_arg(G_OBJECT(src), "leaky-type", "downstream");
  g_object_set(sink, "sync", FALSE, "async", FALSE, "location", destination_.url.c_str(), NULL);
  gst_bin_add_many(GST_BIN(p.get()), src, sink, NULL);
  if (!gst_element_link(src, sink)) {
    OnError("cannot link the RTMP pipeline");
    return;
  }
  pipeline_ = p;
  auto bus = GRef<GstBus>::Adopt(gst_element_get_bus(p.get()));
  bus_watch_ = gst_bus_add_watch(bus.get(), OnBus, this);
  gst_element_set_state(p.get(), GST_STATE_PLAYING);
  std::lock_guard lock(feed_->mutex);
  feed_->appsrc = GRef<GstElement>::Ref(src);
}

// Text from the server or rtmp2sink may echo the URL or the key: they never leave as they are.
std::string RestreamTarget::Scrub(std::string text) const {
  for (const std::string& secret : destination_.secrets) {
    if (secret.size() < 2) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

guint64 RestreamTarget::bytes_sent() const {
  guint64 now = 0;
  if (pipeline_) {
    auto sink = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sink"));
    GstStructure* stats = nullptr;
    if (sink) g_object_get(sink.get(), "stats", &stats, NULL);
    if (stats) {
      gst_structure_get_uint64(stats, "out-bytes-total", &now);
      gst_structure_free(stats);
    }
  }
  return bytes_before_ + now;
}

gint64 RestreamTarget::uptime_s() const {
  return state_ == State::kLive ? (g_get_monotonic_time() - live_since_us_) / G_USEC_PER_SEC : 0;
}

void RestreamTarget::Teardown(bool send_end) {
  {
    std::lock_guard lock(feed_->mutex);
    feed_->appsrc.reset();
  }
  // (Before the EOS: a bus watch would take the messages EndingStream waits for.)
  if (bus_watch_) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  if (!pipeline_) return;
  bytes_before_ = bytes_sent();
  if (send_end) {
    // EOS makes rtmp2sink send FCUnpublish/deleteStream before closing; the connection ends on
    // its own (EndingStream), so this returns at once.
    auto appsrc = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "src"));
    gst_app_src_end_of_stream(GST_APP_SRC(appsrc.get()));
    EndingStream::Start(std::move(pipeline_));
    return;
  }
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  pipeline_.reset();
}

void RestreamTarget::Stop() {
  if (state_ == State::kStopped) return;
  if (tick_) g_source_remove(tick_);
  tick_ = 0;
  // Off the composite first: after Stop() the composite may go (the room drops it with the last
  // target) while someone still holds this target.
  composite_.RemoveOutput(output_);
  output_ = 0;
  Teardown(state_ == State::kLive);  // a live target is told the stream ends
  if (retry_) g_source_remove(retry_);
  retry_ = 0;
  state_ = State::kStopped;
}

void RestreamTarget::OnError(const std::string& raw) {
  std::string message = Scrub(raw);
  last_error_ = message;
  Teardown(false);
  if (!ever_live_) {
    // Never accepted (bad URL, refused key, nothing listening): fail fast.
    state_ = State::kFailed;
    GST_WARNING("restream %s to %s failed: %s", id_.c_str(), destination_.redacted.c_str(),
                message.c_str());
    return;
  }
  state_ = State::kReconnecting;
  reconnects_++;
  GST_WARNING("restream %s to %s dropped (%s); reconnecting in %u s", id_.c_str(),
              destination_.redacted.c_str(), message.c_str(), backoff_s_);
  retry_ = g_timeout_add_seconds(
      backoff_s_,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<RestreamTarget*>(data);
        self->retry_ = 0;
        self->Start();
        return G_SOURCE_REMOVE;
      },
      this);
  backoff_s_ = std::min(backoff_s_ * 2, 30u);
}

gboolean RestreamTarget::OnBus(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<RestreamTarget*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GErrorPtr err;
    gst_message_parse_error(message, err.out(), nullptr);
    std::string text = err ? err->message : "error";
    self->bus_watch_ = 0;  // removed by returning FALSE
    self->OnError(text);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

// Live once bytes flow on the current connection.
gboolean RestreamTarget::OnTick(gpointer data) {
  auto* self = static_cast<RestreamTarget*>(data);
  if ((self->state_ == State::kStarting || self->state_ == State::kReconnecting) &&
      self->pipeline_ && self->bytes_sent() > self->bytes_before_ + 4096) {
    self->state_ = State::kLive;
    self->ever_live_ = true;
    self->backoff_s_ = 1;
    self->live_since_us_ = g_get_monotonic_time();
    GST_INFO("restream %s to %s is live", self->id_.c_str(), self->destination_.redacted.c_str());
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace mediagw
