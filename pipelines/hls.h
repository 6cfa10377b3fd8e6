// HLS of a room's composite: the same encoded FLV stream the RTMP targets get, demuxed and cut
// into MPEG-TS segments by hlssink2 in a directory of its own.
//
// Like an RTMP target it is its own small pipeline (appsrc -> flvdemux -> hlssink2) fed from an
// appsink branch of the composite: a full disk or a slow filesystem stops the HLS, never the
// room or its other outputs.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <string>

#include "mediagw/gstref.h"
#include "restream.h"

namespace mediagw {

class HlsOutput {
 public:
  enum class State { kStarting, kLive, kFailed, kStopped };
  static constexpr int kSegmentSeconds = 2;  // the composite's keyframe interval
  static constexpr int kPlaylistLength = 6;  // segments listed in the live playlist
  // "live" once this many are listed: players start about three segments from the live edge
  // (Chromium's own HLS playback refuses a playlist of one).
  static constexpr unsigned kLiveSegments = 3;

  // Writes `dir`/index.m3u8 and `dir`/segmentNNNNN.ts; makes `dir` when missing. Answers null
  // and why when the directory cannot be made.
  static std::unique_ptr<HlsOutput> Create(const std::string& dir, Composite& composite,
                                           std::string* error);
  ~HlsOutput();  // Stop()
  HlsOutput(const HlsOutput&) = delete;
  HlsOutput& operator=(const HlsOutput&) = delete;

  // Leaves the composite, stops the pipeline and removes every file it wrote (and `dir`).
  void Stop();

  static const char* StateName(State s);
  State state() const { return state_; }
  const std::string& dir() const { return dir_; }
  unsigned segments() const { return segments_; }  // written so far (older ones are deleted)
  gint64 uptime_s() const;
  const std::string& last_error() const { return last_error_; }

 private:
  HlsOutput(std::string dir, Composite& composite);
  bool Start(std::string* error);
  void Fail(const std::string& why);
  static gboolean OnBus(GstBus*, GstMessage* message, gpointer data);
  static gboolean OnTick(gpointer data);

  const std::string dir_;
  Composite& composite_;
  int output_ = 0;
  struct Feed {
    std::mutex mutex;
    GRef<GstElement> appsrc;
    bool header_sent = false;  // flvdemux needs the FLV header the tee gave out long ago
  };
  std::shared_ptr<Feed> feed_ = std::make_shared<Feed>();
  GRef<GstElement> pipeline_;
  // The first keyframe's time; audio before it is dropped. Both probes run on flvdemux's thread.
  struct FirstKeyframe {
    GstClockTime at = GST_CLOCK_TIME_NONE;
  };
  FirstKeyframe start_;
  guint bus_watch_ = 0;
  guint tick_ = 0;
  State state_ = State::kStarting;
  unsigned segments_ = 0;
  gint64 live_since_us_ = 0;
  std::string last_error_;
};

}  // namespace mediagw
