// Restreaming a room: the composite (every participant decoded, laid out, mixed, encoded once to
// H.264 + AAC in FLV) and the RTMP targets it feeds.
//
// Why a pipeline per target: rtmp2sink stops with an ERROR when its connection drops, and a
// failing branch behind a tee would stop the tee, the encoder and every other target. Each target
// is therefore its own small pipeline (appsrc -> rtmp2sink) fed from an appsink branch of the
// composite's tee: a slow or vanished target loses its own data, never the room's or the others',
// and reconnecting is rebuilding that small pipeline. The composite taps each track's forwarder
// through a leaky queue, so the SFU forwarding never waits on it either.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mediagw/gstref.h"
#include "published_track.h"

namespace mediagw {

struct RestreamSettings {
  std::string layout = "grid";
  int width = 1280;
  int height = 720;
  int fps = 30;
  int video_bitrate_kbps = 2500;
  int audio_bitrate_kbps = 128;
  std::string x264_preset = "superfast";  // from the gateway's configuration, not the request
};

// Checks the settings a client asked for; returns why they are not acceptable, or "".
std::string CheckRestreamSettings(const RestreamSettings& s);

class Composite {
 public:
  Composite(GstBin* pipeline, const std::string& name, const RestreamSettings& settings);
  ~Composite();
  Composite(const Composite&) = delete;
  Composite& operator=(const Composite&) = delete;

  const RestreamSettings& settings() const { return settings_; }
  // The speaker layout's participant: the loudest lately (empty before anyone has spoken).
  const std::string& speaker() const { return speaker_; }
  // `label` (the participant's name) is drawn on the track's tile when textoverlay is there;
  // `participant` pairs a participant's audio (for the speaker layout) with their video.
  void AddTrack(const std::shared_ptr<PublishedTrack>& track, const std::string& participant,
                const std::string& label);
  void RemoveTrack(const std::string& track_id);
  // A muted track sends nothing to the composite: its video tile shows a placeholder with the
  // name, its audio is silent.
  void SetTrackMuted(const std::string& track_id, bool muted);

  // A new branch of the encoded FLV stream; `sink` gets every sample (on a streaming thread).
  using SampleSink = std::function<void(GstSample*)>;
  int AddOutput(SampleSink sink);
  void RemoveOutput(int id);

 private:
  struct Input {
    std::shared_ptr<PublishedTrack> track;
    std::string participant;
    GRef<GstPad> forwarder_pad;
    GRef<GstElement> bin;
    GRef<GstPad> mixer_pad;  // compositor or audiomixer request pad
    // Video: the tile shown while the camera is off (a name on a plain background, 1 fps).
    GRef<GstElement> placeholder_bin;
    GRef<GstPad> placeholder_pad;
    // Audio: the loudness of the last buffers (0..1, smoothed), written on the streaming thread.
    std::shared_ptr<std::atomic<float>> level;
  };
  struct Output {
    GRef<GstElement> bin;
    GRef<GstPad> tee_pad;
    std::unique_ptr<SampleSink> sink;
  };
  void Layout();
  void Detach(Input& in);
  GstElement* AddSolidSource(const std::string& text, int width, int height,
                             GRef<GstPad>* mixer_pad);
  static gboolean OnSpeakerTick(gpointer data);

  GstBin* pipeline_;
  const std::string name_;
  const RestreamSettings settings_;
  GRef<GstElement> bin_;  // background sources, mixers, encoders, flvmux, tee
  GstElement* compositor_ = nullptr;
  GstElement* audiomixer_ = nullptr;
  GstElement* tee_ = nullptr;
  std::vector<Input> inputs_;
  GRef<GstPad> empty_pad_;  // the "waiting for people" picture, shown while no camera is in
  std::string speaker_;     // the speaker layout's participant
  gint64 speaker_since_us_ = 0;
  guint speaker_tick_ = 0;
  std::map<int, Output> outputs_;
  int next_output_ = 1;
};

// Where a target sends, as the gateway checked it: the URL for rtmp2sink (it holds the stream
// key, so it is never shown), the form that may be shown, and the secret parts to scrub from any
// text that could echo them (an error from the server).
struct RtmpDestination {
  std::string url;
  std::string redacted;
  std::vector<std::string> secrets;
};

// One RTMP target. Lives on the main context.
class RestreamTarget : public std::enable_shared_from_this<RestreamTarget> {
 public:
  enum class State { kStarting, kLive, kReconnecting, kFailed, kStopped };

  static std::shared_ptr<RestreamTarget> Create(std::string id, RtmpDestination destination,
                                                Composite& composite);
  ~RestreamTarget();

  // Ends the stream and leaves the composite; call before the composite goes. Returns at once:
  // the target sees the end (EOS, then deleteStream) within 2 s while the main loop runs on.
  void Stop();
  // At shutdown, after the main loop: lets stopped targets' ends go out (up to their 2 s).
  static void FinishStopping();

  const std::string& id() const { return id_; }
  // The URL with its userinfo, query and stream key as ***: the only form responses and logs see.
  const std::string& redacted_url() const { return destination_.redacted; }
  State state() const { return state_; }
  static const char* StateName(State s);
  guint64 bytes_sent() const;
  gint64 uptime_s() const;
  unsigned reconnects() const { return reconnects_; }
  const std::string& last_error() const { return last_error_; }

 private:
  RestreamTarget(std::string id, RtmpDestination destination, Composite& composite);
  void Start();
  // Drops the current connection; with send_end, after sending it the end of the stream.
  void Teardown(bool send_end);
  void OnError(const std::string& message);
  std::string Scrub(std::string text) const;
  static gboolean OnBus(GstBus*, GstMessage* message, gpointer data);
  static gboolean OnTick(gpointer data);

  const std::string id_;
  const RtmpDestination destination_;
  Composite& composite_;
  int output_ = 0;
  // Where the composite's streaming thread pushes: the current connection's appsrc, or none.
  struct Feed {
    std::mutex mutex;
    GRef<GstElement> appsrc;
  };
  GRef<GstElement> pipeline_;  // appsrc -> rtmp2sink
  std::shared_ptr<Feed> feed_ = std::make_shared<Feed>();
  guint bus_watch_ = 0;
  guint tick_ = 0;
  guint retry_ = 0;
  State state_ = State::kStarting;
  bool ever_live_ = false;
  unsigned reconnects_ = 0;
  unsigned backoff_s_ = 1;
  guint64 bytes_before_ = 0;  // sent by earlier connections
  gint64 live_since_us_ = 0;
  std::string last_error_;
};

}  // namespace mediagw
