// One synthetic participant of mediagw-client and mediagw-load: joins a room over the signaling
// protocol, publishes a VP8 (or H.264) test pattern and an Opus tone from webrtcbin, subscribes
// to everyone else, and counts what arrives per remote track.
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "encoded_loop.h"
#include "media_transport.h"
#include "mediagw/gstref.h"
#include "send_times.h"
#include "signaling_channel.h"

namespace mediagw::client {

struct Options {
  std::string server = "ws://127.0.0.1:8080";
  std::string protocol = "mediagw";  // or "janus" (server then is http://HOST:PORT/janus)
  std::string room = "demo";
  // With authentication on: one token for every participant, or an API key and secret to mint
  // one per participant (identity = its name).
  std::string token;
  std::string api_key, api_secret;
  bool publish = true;
  bool subscribe = true;
  bool decode = true;
  int width = 320;
  int height = 240;
  int fps = 30;
  std::string video_codec = "vp8";  // or "h264"
  // "ball" (a moving ball and a 440 Hz tone), "silent" (the ball, no sound), or "flash" (black
  // with one white frame and a 100 ms 1 kHz beep at the start of every second: for lip sync).
  std::string pattern = "ball";
  double mute_video_at = -1;        // seconds after start; < 0: never
  double mute_video_for = 3;
  // Addresses ICE gathers; empty: libnice's default, every interface but loopback (what a
  // browser gathers). Tests on loopback give 127.0.0.1.
  std::vector<std::string> local_addresses;
  // mediagw-load: publish this pre-encoded loop instead of encoding live (VP8 only).
  std::shared_ptr<const EncodedLoop> loop;
  // mediagw-load: record when each VP8 frame is sent and measure when it arrives.
  SendTimes* send_times = nullptr;
  guint receive_latency_ms = 200;  // the subscribing webrtcbin's jitterbuffer
  gint64 measure_from_us = 0;      // latency samples only from this monotonic time on
  // mediagw-load: receive with a MediaTransport (no webrtcbin, no decoding) instead of webrtcbin.
  bool light_subscribe = false;
};

class SyntheticParticipant final : public SignalingChannel::Listener {
 public:
  SyntheticParticipant(std::string name, const Options& options, SoupSession* session);
  ~SyntheticParticipant() override;

  void Start();
  void Leave();
  void SendMute(bool muted);
  // Stops all media (before Report() when latency samples are wanted: no thread appends then).
  void StopMedia();
  // The gateway removed this participant or closed its connection.
  bool removed() const { return removed_; }
  JsonNode* Report() const;  // transfer full

 private:
  struct Track;  // one remote track: counters touched by streaming threads

  // SignalingChannel::Listener
  void OnJoined(const std::string& participant_id) override;
  void OnIdentity(const std::string& participant_id) override;
  void OnPublishAnswer(const std::string& sdp) override;
  void OnSubscribeOffer(const std::string& sdp, const std::vector<OfferedTrack>& tracks) override;
  void OnRemoteCandidate(bool subscribe, unsigned mline, const std::string& candidate) override;
  void OnParticipantLeft(const std::string& participant_id) override;
  void OnTrackMuted() override;
  void OnFailure(const std::string& why, bool removed) override;

  void StartPublishing();
  bool BuildLiveSources(GstElement* sources[2], const char* caps[2]);
  void BuildLoopSources(GstElement* sources[2], const char* caps[2]);
  static gboolean FeedVideo(gpointer data);
  static gboolean FeedAudio(gpointer data);
  static void PushNext(GstElement* appsrc, const std::vector<GRef<GstBuffer>>& frames, size_t* pos,
                       bool restart);
  GstElement* MakeWebrtc(const char* name, const char* connection);
  void OnIncomingPad(GstPad* pad);  // streaming thread
  void AnswerLight(const std::string& offer);
  void OnLightRtp(const uint8_t* data, size_t len);  // the transport's I/O thread
  gint64 NowMs() const;
  std::string Token() const;  // the join token, if any

  const std::string name_;
  const Options options_;
  SoupSession* session_;
  std::unique_ptr<SignalingChannel> channel_;
  GRef<GstElement> pipeline_;
  GstElement* publisher_ = nullptr;   // owned by pipeline_
  GstElement* subscriber_ = nullptr;  // owned by pipeline_
  std::string participant_id_;
  std::string error_;
  gint64 join_time_us_ = 0;
  gint64 joined_ms_ = -1;
  gint64 publish_answer_ms_ = -1;
  int offers_ = 0;
  gint64 last_offer_ms_ = -1;
  int track_muted_events_ = 0;
  // Publishing from an EncodedLoop (main context).
  GstElement* video_src_ = nullptr;  // appsrc, owned by pipeline_
  GstElement* audio_src_ = nullptr;
  size_t video_pos_ = 0, audio_pos_ = 0;
  std::atomic<bool> restart_loop_{false};  // set on a PLI from a streaming thread
  guint video_timer_ = 0, audio_timer_ = 0;
  std::atomic<SendTimes::Table*> sent_{nullptr};  // set once this participant's id is known
  std::map<std::string, gint64> left_ms_;  // other participants' participant_left, by id
  bool left_ = false;
  bool removed_ = false;

  mutable std::mutex tracks_mutex_;  // guards the map, not the counters
  std::map<std::string, std::string> mid_to_track_;  // main context
  std::map<std::string, std::shared_ptr<Track>> tracks_;  // by track id
  std::map<uint32_t, std::shared_ptr<Track>> ssrc_tracks_;  // light subscriber: by SSRC
  std::shared_ptr<MediaTransport> light_;  // the light subscriber's transport (main context)
  bool light_answered_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Command-line parsing shared by mediagw-client and mediagw-load: prints "PROGRAM: error" and
// returns false on bad options.
bool ParseOptions(const char* program, const char* summary, GOptionEntry* entries, bool with_gst,
                  int* argc, char*** argv);

// Everyone leaves, the main context runs a little so the leave messages and close frames get
// out, then the participants are destroyed.
void LeaveAll(std::vector<std::unique_ptr<SyntheticParticipant>>& people);

}  // namespace mediagw::client
