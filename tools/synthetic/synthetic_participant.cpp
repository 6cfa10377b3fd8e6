#include "synthetic_participant.h"

#include "auth.h"

#include <agent.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "light_answer.h"
#include "main_context.h"
#include "send_path.h"

namespace mediagw::client {

struct SyntheticParticipant::Track {
  std::string track_id, participant_id, kind;
  bool video = false;  // kind == "video", for the packet path
  gint64 subscribed_ms = -1;
  std::atomic<guint64> packets{0};
  std::atomic<guint64> frames{0};
  std::atomic<gint64> first_frame_ms{-1};
  std::atomic<gint64> last_frame_ms{-1};
  std::atomic<gint64> max_gap_ms{0};  // longest time between two frames
  // Sequence continuity as the receiving webrtcbin hands packets on (streaming thread only).
  bool have_seq = false;
  guint16 last_seq = 0;
  std::atomic<guint64> seq_gaps{0};  // packets whose sequence number is not the previous + 1
  std::atomic<guint64> lost{0};      // packets skipped by forward jumps of the sequence number
  std::atomic<gint64> first_packet_ms{-1};
  // Latency measurement (mediagw-load): the publisher's send times, and the samples taken.
  SendTimes::Table* sent = nullptr;
  std::vector<gint32> latency_us;  // streaming thread until the report
  const SyntheticParticipant* owner = nullptr;

  // One RTP packet as it arrives: counted, its sequence number checked, the latency of a frame
  // start measured; without decoding, a marker bit ends a whole video frame and every audio
  // packet is a frame.
  void OnRtp(guint16 seq, bool marker, const guint8* payload, guint payload_len) {
    packets++;
    if (have_seq && seq != static_cast<guint16>(last_seq + 1)) {
      seq_gaps++;
      gint16 jump = static_cast<gint16>(seq - last_seq);
      if (jump > 1) lost += static_cast<guint64>(jump - 1);
    }
    if (!have_seq) first_packet_ms = owner->NowMs();
    have_seq = true;
    last_seq = seq;
    guint16 picture_id = 0;
    if (sent && Vp8FrameStartPictureId(payload, payload_len, &picture_id)) {
      gint64 sent_us = (*sent)[picture_id & 0x7fff].load(std::memory_order_relaxed);
      gint64 now = g_get_monotonic_time();
      // Picture ids wrap every 18 min at 30 fps; older entries are stale.
      if (sent_us > 0 && now - sent_us < 10 * G_USEC_PER_SEC && now >= owner->options_.measure_from_us)
        latency_us.push_back(static_cast<gint32>(now - sent_us));
    }
    if (!owner->options_.decode && (!video || marker)) CountFrame();
  }

  void CountFrame() {
    gint64 now = owner->NowMs();
    frames++;
    gint64 expected = -1;
    first_frame_ms.compare_exchange_strong(expected, now);
    gint64 previous = last_frame_ms.exchange(now);
    if (previous >= 0 && now - previous > max_gap_ms) max_gap_ms = now - previous;
  }
};

namespace {

constexpr const char* kVp8Caps =
    "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,"
    "rtcp-fb-nack-pli=(boolean)true";
constexpr const char* kH264Caps =
    "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102,"
    "packetization-mode=(string)1,rtcp-fb-nack-pli=(boolean)true";
constexpr const char* kOpusCaps =
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,"
    "encoding-params=(string)2";


// Waits for a webrtcbin promise from the main context; webrtcbin works on its own thread.
GRef<GstPromise> Emit(GstElement* webrtc, const char* signal, gpointer arg) {
  auto promise = GRef<GstPromise>::Adopt(gst_promise_new());
  g_signal_emit_by_name(webrtc, signal, arg, promise.get());
  gst_promise_wait(promise.get());
  return promise;
}

// Creates an offer or answer, sets it as the local description and returns its text ("" on
// failure).
std::string MakeLocalDescription(GstElement* webrtc, bool offer) {
  const char* kind = offer ? "offer" : "answer";
  auto promise = Emit(webrtc, offer ? "create-offer" : "create-answer", nullptr);
  const GstStructure* reply = gst_promise_get_reply(promise.get());
  GstWebRTCSessionDescription* desc = nullptr;
  if (reply) gst_structure_get(reply, kind, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  if (!desc) return "";
  GUnique<GstWebRTCSessionDescription> owned(desc);
  Emit(webrtc, "set-local-description", desc);
  GCharPtr text(gst_sdp_message_as_text(desc->sdp));
  return text.get();
}

}  // namespace

SyntheticParticipant::SyntheticParticipant(std::string name, const Options& options, SoupSession* session)
    : name_(std::move(name)), options_(options), session_(session) {
  pipeline_ = GRef<GstElement>::Ref(gst_pipeline_new(("client-" + name_).c_str()));
}

SyntheticParticipant::~SyntheticParticipant() {
  if (light_) light_->CloseAndWait();
  if (video_timer_) g_source_remove(video_timer_);
  if (audio_timer_) g_source_remove(audio_timer_);
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  channel_.reset();
}

gint64 SyntheticParticipant::NowMs() const { return (g_get_monotonic_time() - join_time_us_) / 1000; }

std::string SyntheticParticipant::Token() const {
  if (!options_.token.empty() || options_.api_key.empty()) return options_.token;
  auth::Claims c;
  c.key = options_.api_key;
  c.room = options_.room;
  c.identity = name_;
  c.grants = auth::kJoin | auth::kPublish | auth::kSubscribe | auth::kChat;
  return auth::Mint(options_.api_secret, c, g_get_real_time() / G_USEC_PER_SEC, 3600);
}

void SyntheticParticipant::Start() {
  join_time_us_ = g_get_monotonic_time();
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
  channel_ = options_.protocol == "janus" ? MakeJanusChannel(options_.server, session_, this, name_)
                                          : MakeMediagwChannel(options_.server, session_, this, name_,
                                                               Token());
  channel_->Join(options_.room, name_, options_.publish);
}

void SyntheticParticipant::OnJoined(const std::string&) {
  joined_ms_ = NowMs();
  if (options_.publish) StartPublishing();
}

void SyntheticParticipant::OnIdentity(const std::string& participant_id) {
  participant_id_ = participant_id;
  if (options_.send_times && options_.publish) sent_ = options_.send_times->Register(participant_id);
}

void SyntheticParticipant::OnPublishAnswer(const std::string& sdp_text) {
  publish_answer_ms_ = NowMs();
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new_from_text(sdp_text.c_str(), &sdp);
  GUnique<GstWebRTCSessionDescription> desc(gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp));
  Emit(publisher_, "set-remote-description", desc.get());
}

void SyntheticParticipant::OnRemoteCandidate(bool subscribe, unsigned mline, const std::string& candidate) {
  if (subscribe && light_) {
    if (!candidate.empty()) light_->AddRemoteCandidate(candidate);
    return;
  }
  GstElement* target = subscribe ? subscriber_ : publisher_;
  if (target) g_signal_emit_by_name(target, "add-ice-candidate", mline, candidate.c_str());
}

void SyntheticParticipant::OnParticipantLeft(const std::string& participant_id) {
  left_ms_[participant_id] = NowMs();
}

void SyntheticParticipant::OnTrackMuted() { track_muted_events_++; }

void SyntheticParticipant::OnFailure(const std::string& why, bool removed) {
  if (left_) return;
  if (error_.empty()) error_ = why;
  removed_ = removed_ || removed;
}

GstElement* SyntheticParticipant::MakeWebrtc(const char* name, const char* connection) {
  GstElement* webrtc = gst_element_factory_make("webrtcbin", name);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  GstObject* ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  auto ice_ref = GRef<GstObject>::Adopt(ice);
  g_object_set(ice, "ice-tcp", FALSE, NULL);
  NiceAgent* agent = nullptr;
  g_object_get(ice, "agent", &agent, NULL);
  g_object_set(agent, "upnp", FALSE, NULL);  // no UPnP discovery per agent
  for (const auto& a : options_.local_addresses) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (nice_address_set_from_string(&addr, a.c_str())) nice_agent_add_local_address(agent, &addr);
  }
  g_object_unref(agent);
  struct Ctx {
    std::weak_ptr<bool> alive;
    SyntheticParticipant* self;
    const char* connection;
  };
  g_signal_connect_data(
      webrtc, "on-ice-candidate",
      G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer data) {
        auto* c = static_cast<Ctx*>(data);
        std::string candidate = cand;
        SyntheticParticipant* self = c->self;
        const char* connection = c->connection;
        PostToMain<bool>(nullptr, c->alive, [self, connection, mline, candidate](bool&) {
          if (self->channel_) self->channel_->SendCandidate(strcmp(connection, "subscribe") == 0, mline, candidate);
        });
      }),
      new Ctx{alive_, this, connection}, [](gpointer d, GClosure*) { delete static_cast<Ctx*>(d); },
      GConnectFlags(0));
  // Each packet leaves when it is made; held for the pipeline latency, it would count against
  // the server in latency measurements.
  SendWithoutClockSync(GST_BIN(webrtc));
  gst_bin_add(GST_BIN(pipeline_.get()), webrtc);
  return webrtc;
}

namespace {

// The clock time (CLOCK_MONOTONIC, GStreamer's system clock) at which a buffer is captured:
// flashes and beeps fall on whole seconds of it, so that a receiver on the same machine can tell
// how long one took to reach it.
GstClockTime CaptureTime(GstPad* pad, GstBuffer* b) {
  GstElement* e = GST_PAD_PARENT(pad);
  return GST_BUFFER_PTS(b) + (e ? gst_element_get_base_time(e) : 0);
}

// "flash": the frames of each second's first frame duration turn white.
GstPadProbeReturn FlashFrame(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(b) || !GST_BUFFER_DURATION_IS_VALID(b) ||
      CaptureTime(pad, b) % GST_SECOND >= GST_BUFFER_DURATION(b))
    return GST_PAD_PROBE_OK;
  b = gst_buffer_make_writable(b);
  GstMapInfo map;
  if (gst_buffer_map(b, &map, GST_MAP_WRITE)) {
    memset(map.data, 235, map.size * 2 / 3);  // I420: the luma plane (plus chroma left neutral)
    gst_buffer_unmap(b, &map);
  }
  GST_PAD_PROBE_INFO_DATA(info) = b;
  return GST_PAD_PROBE_OK;
}

// "flash": the tone sounds only during the first 100 ms of each second (mono S16, 48 kHz).
GstPadProbeReturn BeepOnly(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(b)) return GST_PAD_PROBE_OK;
  const GstClockTime start = CaptureTime(pad, b);
  b = gst_buffer_make_writable(b);
  GstMapInfo map;
  if (gst_buffer_map(b, &map, GST_MAP_WRITE)) {
    auto* samples = reinterpret_cast<gint16*>(map.data);
    for (gsize i = 0; i < map.size / 2; i++) {
      GstClockTime t = start + gst_util_uint64_scale(i, GST_SECOND, 48000);
      if (t % GST_SECOND >= 100 * GST_MSECOND) samples[i] = 0;
    }
    gst_buffer_unmap(b, &map);
  }
  GST_PAD_PROBE_INFO_DATA(info) = b;
  return GST_PAD_PROBE_OK;
}

}  // namespace

bool SyntheticParticipant::BuildLiveSources(GstElement* sources[2], const char* caps[2]) {
  const bool h264 = options_.video_codec == "h264";
  const bool flash = options_.pattern == "flash";
  char video_desc[512];
  // Keyframes only on request (a PLI) or every 30 s, so that tests exercise the request path.
  g_snprintf(video_desc, sizeof video_desc,
             "videotestsrc name=vsrc is-live=true pattern=%s ! video/x-raw,format=I420,width=%d,height=%d,"
             "framerate=%d/1 ! %s",
             flash ? "black" : "ball", options_.width, options_.height, options_.fps,
             h264 ? "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=900 bitrate=400 ! "
                    "video/x-h264,profile=constrained-baseline ! "
                    "rtph264pay name=pay pt=102 config-interval=-1 aggregate-mode=zero-latency mtu=1200"
                  : "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=900 target-bitrate=400000 ! "
                    "rtpvp8pay name=pay pt=96 picture-id-mode=15-bit mtu=1200");
  const char* audio_desc =
      options_.pattern == "silent"
          ? "audiotestsrc is-live=true wave=silence ! audioconvert ! audioresample ! opusenc ! "
            "rtpopuspay name=apay pt=111 mtu=1200"
      : flash ? "audiotestsrc name=asrc is-live=true wave=sine freq=1000 volume=0.5 samplesperbuffer=480 ! "
                "audio/x-raw,format=S16LE,rate=48000,channels=1 ! audioconvert ! audioresample ! opusenc ! "
                "rtpopuspay name=apay pt=111 mtu=1200"
              : "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! audioconvert ! audioresample ! "
                "opusenc ! rtpopuspay name=apay pt=111 mtu=1200";
  const char* descs[2] = {video_desc, audio_desc};
  caps[0] = h264 ? kH264Caps : kVp8Caps;
  caps[1] = kOpusCaps;
  for (int i = 0; i < 2; i++) {
    GErrorPtr err;
    sources[i] = gst_parse_bin_from_description(descs[i], TRUE, err.out());
    if (!sources[i]) {
      error_ = std::string("cannot build the test source: ") + err->message;
      if (i == 1) gst_object_unref(sources[0]);
      return false;
    }
  }
  if (flash) {
    // Both sources are timed by the same clock from the same base time: flash and beep start
    // together at each second of running time.
    const char* names[2] = {"vsrc", "asrc"};
    GstPadProbeCallback probes[2] = {FlashFrame, BeepOnly};
    for (int i = 0; i < 2; i++) {
      auto src = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(sources[i]), names[i]));
      auto pad = GRef<GstPad>::Adopt(gst_element_get_static_pad(src.get(), "src"));
      gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, probes[i], nullptr, nullptr);
    }
  }
  return true;
}

void SyntheticParticipant::BuildLoopSources(GstElement* sources[2], const char* caps[2]) {
  const char* descs[2] = {
      "appsrc name=src is-live=true format=time do-timestamp=true ! "
      "rtpvp8pay name=pay pt=96 picture-id-mode=15-bit mtu=1200",
      "appsrc name=src is-live=true format=time do-timestamp=true ! rtpopuspay name=apay pt=111 mtu=1200"};
  GstCaps* src_caps[2] = {options_.loop->video_caps.get(), options_.loop->audio_caps.get()};
  GstElement** appsrcs[2] = {&video_src_, &audio_src_};
  for (int i = 0; i < 2; i++) {
    sources[i] = gst_parse_bin_from_description(descs[i], TRUE, nullptr);
    *appsrcs[i] = gst_bin_get_by_name(GST_BIN(sources[i]), "src");
    g_object_set(*appsrcs[i], "caps", src_caps[i], NULL);
    gst_object_unref(*appsrcs[i]);  // the bin holds it
  }
  caps[0] = kVp8Caps;
  caps[1] = kOpusCaps;
  // A PLI reaches the payloader as an upstream GstForceKeyUnit: restart the loop at its keyframe.
  auto pay = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(sources[0]), "pay"));
  auto paysink = GRef<GstPad>::Adopt(gst_element_get_static_pad(pay.get(), "sink"));
  gst_pad_add_probe(paysink.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                    [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
                      if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
                        static_cast<std::atomic<bool>*>(data)->store(true);
                      return GST_PAD_PROBE_OK;
                    },
                    &restart_loop_, nullptr);
  video_timer_ = g_timeout_add(1000 / options_.loop->fps, FeedVideo, this);
  audio_timer_ = g_timeout_add(20, FeedAudio, this);
}

// Pushes the next frame of a loop into its appsrc, timestamped on arrival (do-timestamp).
void SyntheticParticipant::PushNext(GstElement* appsrc, const std::vector<GRef<GstBuffer>>& frames,
                                    size_t* pos, bool restart) {
  if (restart || *pos >= frames.size()) *pos = 0;
  GstBuffer* buf = gst_buffer_copy(frames[(*pos)++].get());  // shares the memory
  GST_BUFFER_PTS(buf) = GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer(GST_APP_SRC(appsrc), buf);
}

gboolean SyntheticParticipant::FeedVideo(gpointer data) {
  auto* self = static_cast<SyntheticParticipant*>(data);
  self->PushNext(self->video_src_, self->options_.loop->video, &self->video_pos_,
                 self->restart_loop_.exchange(false));
  return G_SOURCE_CONTINUE;
}

gboolean SyntheticParticipant::FeedAudio(gpointer data) {
  auto* self = static_cast<SyntheticParticipant*>(data);
  self->PushNext(self->audio_src_, self->options_.loop->audio, &self->audio_pos_, false);
  return G_SOURCE_CONTINUE;
}

void SyntheticParticipant::StartPublishing() {
  publisher_ = MakeWebrtc("publish", "publish");
  GstElement* sources[2] = {nullptr, nullptr};
  const char* caps_text[2] = {nullptr, nullptr};
  if (options_.loop) {
    BuildLoopSources(sources, caps_text);
  } else if (!BuildLiveSources(sources, caps_text)) {
    return;
  }
  for (int i = 0; i < 2; i++) {
    gst_bin_add(GST_BIN(pipeline_.get()), sources[i]);
    auto sink = GRef<GstPad>::Adopt(gst_element_request_pad_simple(publisher_, "sink_%u"));
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(sink.get(), "transceiver", &trans, NULL);
    // The SSRC is fixed up front so that the offer always announces it (a=ssrc): webrtcbin only
    // knows it once media flowed, and a server that demultiplexes by SSRC (Janus) drops what it
    // cannot place.
    guint32 ssrc = g_random_int();
    auto pay = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(sources[i]), i == 0 ? "pay" : "apay"));
    g_object_set(pay.get(), "ssrc", ssrc, NULL);
    auto caps = GRef<GstCaps>::Adopt(gst_caps_from_string(caps_text[i]));
    gst_caps_set_simple(caps.get(), "ssrc", G_TYPE_UINT, ssrc, NULL);
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                 "codec-preferences", caps.get(), NULL);
    gst_object_unref(trans);
    auto binsrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(sources[i], "src"));
    gst_pad_link(binsrc.get(), sink.get());
  }
  if (options_.send_times) {
    // When each frame leaves the payloader, by picture id (its first packet).
    auto pay = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(sources[0]), "pay"));
    auto paysrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(pay.get(), "src"));
    // rtpvp8pay pushes each frame as a buffer list; its first packet starts the frame.
    gst_pad_add_probe(paysrc.get(),
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
                        GstBuffer* first = (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
                                               ? gst_buffer_list_get(GST_PAD_PROBE_INFO_BUFFER_LIST(info), 0)
                                               : GST_PAD_PROBE_INFO_BUFFER(info);
                        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
                        if (!first || !gst_rtp_buffer_map(first, GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
                        guint16 pid = 0;
                        if (Vp8FrameStartPictureId(static_cast<const guint8*>(gst_rtp_buffer_get_payload(&rtp)),
                                                   gst_rtp_buffer_get_payload_len(&rtp), &pid))
                          if (SendTimes::Table* table = static_cast<std::atomic<SendTimes::Table*>*>(data)->load())
                            (*table)[pid & 0x7fff].store(g_get_monotonic_time(), std::memory_order_relaxed);
                        gst_rtp_buffer_unmap(&rtp);
                        return GST_PAD_PROBE_OK;
                      },
                      &sent_, nullptr);
  }
  gst_element_sync_state_with_parent(publisher_);
  for (GList* l = GST_BIN_CHILDREN(pipeline_.get()); l; l = l->next)
    gst_element_sync_state_with_parent(GST_ELEMENT(l->data));

  std::string offer = MakeLocalDescription(publisher_, true);
  if (offer.empty()) {
    error_ = "webrtcbin made no publish offer";
    return;
  }
  channel_->Publish(offer);
}

void SyntheticParticipant::OnSubscribeOffer(const std::string& sdp_text, const std::vector<OfferedTrack>& offered) {
  last_offer_ms_ = NowMs();
  if (!options_.subscribe) return;
  offers_++;
  gint64 now = NowMs();
  {
    std::lock_guard lock(tracks_mutex_);
    for (const auto& t : offered) {
      mid_to_track_[t.mid] = t.track_id;
      if (!tracks_.count(t.track_id)) {
        auto track = std::make_shared<Track>();
        track->track_id = t.track_id;
        track->participant_id = t.participant_id;
        track->kind = t.kind;
        track->video = t.kind == "video";
        track->subscribed_ms = now;
        track->owner = this;
        tracks_[t.track_id] = track;
      }
    }
  }
  if (options_.light_subscribe) {
    AnswerLight(sdp_text);
    return;
  }
  if (!subscriber_) {
    subscriber_ = MakeWebrtc("subscribe", "subscribe");
    g_object_set(subscriber_, "latency", options_.receive_latency_ms, NULL);
    g_signal_connect(subscriber_, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                       if (GST_PAD_DIRECTION(pad) == GST_PAD_SRC)
                         static_cast<SyntheticParticipant*>(data)->OnIncomingPad(pad);
                     }),
                     this);
    gst_element_sync_state_with_parent(subscriber_);
  }
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new_from_text(sdp_text.c_str(), &sdp);
  GUnique<GstWebRTCSessionDescription> desc(gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp));
  Emit(subscriber_, "set-remote-description", desc.get());
  std::string answer = MakeLocalDescription(subscriber_, false);
  if (answer.empty()) {
    error_ = "webrtcbin made no subscribe answer";
    return;
  }
  channel_->AnswerSubscribe(answer);
}

void SyntheticParticipant::OnIncomingPad(GstPad* pad) {
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(pad, "transceiver", &trans, NULL);
  GCharPtr mid;
  if (trans) {
    g_object_get(trans, "mid", mid.out(), NULL);
    gst_object_unref(trans);
  }
  std::shared_ptr<Track> track;
  {
    std::lock_guard lock(tracks_mutex_);
    auto it = mid ? mid_to_track_.find(mid.get()) : mid_to_track_.end();
    if (it != mid_to_track_.end()) track = tracks_[it->second];
  }
  auto caps = GRef<GstCaps>::Adopt(gst_pad_get_current_caps(pad));
  const GstStructure* s = caps ? gst_caps_get_structure(caps.get(), 0) : nullptr;
  std::string encoding = s && gst_structure_get_string(s, "encoding-name") ? gst_structure_get_string(s, "encoding-name") : "";
  if (track && options_.send_times && track->kind == "video" && !track->sent) {
    track->sent = options_.send_times->Find(track->participant_id);
    track->latency_us.reserve(4096);
  }
  if (!track) {
    track = std::make_shared<Track>();
    track->track_id = "unknown-mid-" + std::string(mid ? mid.get() : "?");
    track->kind = encoding == "OPUS" ? "audio" : "video";
    track->video = track->kind == "video";
    track->owner = this;
    std::lock_guard lock(tracks_mutex_);
    tracks_[track->track_id] = track;
  }
  // Every RTP packet is counted where it leaves webrtcbin.
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER,
                    [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
                      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
                      if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp))
                        return GST_PAD_PROBE_OK;
                      static_cast<Track*>(data)->OnRtp(
                          gst_rtp_buffer_get_seq(&rtp), gst_rtp_buffer_get_marker(&rtp),
                          static_cast<const guint8*>(gst_rtp_buffer_get_payload(&rtp)),
                          gst_rtp_buffer_get_payload_len(&rtp));
                      gst_rtp_buffer_unmap(&rtp);
                      return GST_PAD_PROBE_OK;
                    },
                    track.get(), nullptr);
  std::string desc = "queue max-size-buffers=200 leaky=downstream ! fakesink sync=false async=false";
  if (options_.decode) {
    if (encoding == "VP8") desc = "queue ! rtpvp8depay ! vp8dec ! fakesink name=out sync=false async=false";
    else if (encoding == "H264") desc = "queue ! rtph264depay ! avdec_h264 ! fakesink name=out sync=false async=false";
    else if (encoding == "OPUS") desc = "queue ! rtpopusdepay ! opusdec ! fakesink name=out sync=false async=false";
  }
  GErrorPtr err;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), TRUE, err.out());
  if (!bin) return;
  gst_bin_add(GST_BIN(pipeline_.get()), bin);
  if (options_.decode) {
    if (GstElement* out = gst_bin_get_by_name(GST_BIN(bin), "out")) {
      auto out_pad = GRef<GstPad>::Adopt(gst_element_get_static_pad(out, "sink"));
      gst_pad_add_probe(out_pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
                        [](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
                          static_cast<Track*>(data)->CountFrame();
                          return GST_PAD_PROBE_OK;
                        },
                        track.get(), nullptr);
      gst_object_unref(out);
    }
  }
  gst_element_sync_state_with_parent(bin);
  auto sink = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin, "sink"));
  gst_pad_link(pad, sink.get());
}

void SyntheticParticipant::AnswerLight(const std::string& offer) {
  OfferFacts facts = ReadOffer(offer);
  if (!facts.error.empty()) {
    if (error_.empty()) error_ = facts.error;
    return;
  }
  if (!light_) {
    TransportConfig config;
    config.local_addresses = options_.local_addresses;
    config.controlling = false;  // the server offered
    MediaTransport::Callbacks callbacks;
    std::weak_ptr<bool> alive = alive_;
    callbacks.on_local_candidate = [this, alive](const std::string& candidate) {
      PostToMain<bool>(nullptr, alive, [this, candidate](bool&) {
        if (light_answered_ && channel_) channel_->SendCandidate(true, 0, candidate);
      });
    };
    callbacks.on_state = [this, alive](MediaTransport::State state, const std::string& detail) {
      if (state != MediaTransport::State::kFailed) return;
      PostToMain<bool>(nullptr, alive, [this, detail](bool&) {
        if (error_.empty()) error_ = "subscribe transport failed: " + detail;
      });
    };
    // Closed (and waited for) before this participant goes, so `this` outlives every call.
    callbacks.on_rtp = [this](const uint8_t* data, size_t len) { OnLightRtp(data, len); };
    light_ = MediaTransport::Create(config, std::move(callbacks));
    if (!light_) {
      error_ = "could not create the subscribe transport";
      return;
    }
    light_->StartGathering();
  }
  {
    std::lock_guard lock(tracks_mutex_);
    for (const auto& [ssrc, mid] : facts.mid_by_ssrc) {
      auto it = mid_to_track_.find(mid);
      if (it == mid_to_track_.end()) continue;
      std::shared_ptr<Track> track = tracks_[it->second];
      if (options_.send_times && track->video && !track->sent) {
        track->sent = options_.send_times->Find(track->participant_id);
        track->latency_us.reserve(4096);
      }
      ssrc_tracks_[ssrc] = track;
    }
  }
  light_->SetRemote(facts.ufrag, facts.pwd, facts.fingerprint, /*dtls_client=*/true);
  for (const auto& c : facts.candidates) light_->AddRemoteCandidate(c);
  std::string answer = BuildLightAnswer(offer, light_->local_ufrag(), light_->local_pwd(),
                                        MediaTransport::local_fingerprint(), light_->local_candidates());
  if (answer.empty()) {
    error_ = "could not answer the subscribe offer";
    return;
  }
  light_answered_ = true;
  channel_->AnswerSubscribe(answer);
}

void SyntheticParticipant::OnLightRtp(const uint8_t* d, size_t len) {
  if (len < 12) return;
  size_t off = 12 + 4u * (d[0] & 0x0f);
  if (d[0] & 0x10) {
    if (off + 4 > len) return;
    off += 4 + 4u * ((d[off + 2] << 8) | d[off + 3]);
  }
  size_t padding = (d[0] & 0x20) ? d[len - 1] : 0;
  if (off + padding > len) return;
  uint32_t ssrc = (uint32_t(d[8]) << 24) | (uint32_t(d[9]) << 16) | (uint32_t(d[10]) << 8) | d[11];
  std::shared_ptr<Track> track;
  {
    std::lock_guard lock(tracks_mutex_);
    auto it = ssrc_tracks_.find(ssrc);
    if (it == ssrc_tracks_.end()) return;
    track = it->second;
  }
  track->OnRtp(static_cast<guint16>((d[2] << 8) | d[3]), (d[1] & 0x80) != 0, d + off,
               static_cast<guint>(len - off - padding));
}

void SyntheticParticipant::StopMedia() {
  if (light_) light_->CloseAndWait();
  if (video_timer_) g_source_remove(video_timer_);
  if (audio_timer_) g_source_remove(audio_timer_);
  video_timer_ = audio_timer_ = 0;
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

void SyntheticParticipant::SendMute(bool muted) {
  if (channel_) channel_->Mute(muted);
}

void SyntheticParticipant::Leave() {
  left_ = true;
  if (channel_) channel_->Leave();
}

JsonNode* SyntheticParticipant::Report() const {
  auto builder = GRef<JsonBuilder>::Adopt(json_builder_new());
  JsonBuilder* b = builder.get();
  auto num = [b](const char* name, gint64 v) {
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
  };
  auto str = [b](const char* name, const std::string& v) {
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, v.c_str());
  };
  // Times are milliseconds since this participant started joining.
  json_builder_begin_object(b);
  str("name", name_);
  str("participant_id", participant_id_);
  json_builder_set_member_name(b, "error");
  if (error_.empty()) json_builder_add_null_value(b);
  else json_builder_add_string_value(b, error_.c_str());
  num("joined_ms", joined_ms_);
  num("publish_answer_ms", publish_answer_ms_);
  num("subscribe_offers", offers_);
  num("last_offer_ms", last_offer_ms_);
  num("track_muted_events", track_muted_events_);
  json_builder_set_member_name(b, "participants_left");
  json_builder_begin_object(b);
  for (const auto& [id, ms] : left_ms_) num(id.c_str(), ms);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "tracks");
  json_builder_begin_array(b);
  std::lock_guard lock(tracks_mutex_);
  for (const auto& [id, t] : tracks_) {
    json_builder_begin_object(b);
    str("track_id", t->track_id);
    str("participant_id", t->participant_id);
    str("kind", t->kind);
    num("packets", static_cast<gint64>(t->packets.load()));
    num("frames", static_cast<gint64>(t->frames.load()));
    num("lost", static_cast<gint64>(t->lost.load()));
    num("seq_gaps", static_cast<gint64>(t->seq_gaps.load()));
    num("subscribed_ms", t->subscribed_ms);
    num("first_packet_ms", t->first_packet_ms.load());
    num("first_frame_ms", t->first_frame_ms.load());  // from join: join-to-first-frame
    num("last_frame_ms", t->last_frame_ms.load());
    num("max_gap_ms", t->max_gap_ms.load());
    gint64 first = t->first_frame_ms.load();
    num("subscribe_to_first_frame_ms", first >= 0 && t->subscribed_ms >= 0 ? first - t->subscribed_ms : -1);
    json_builder_set_member_name(b, "latency_us");
    json_builder_begin_array(b);
    for (gint32 us : t->latency_us) json_builder_add_int_value(b, us);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

bool ParseOptions(const char* program, const char* summary, GOptionEntry* entries, bool with_gst,
                  int* argc, char*** argv) {
  GOptionContext* ctx = g_option_context_new(summary);
  g_option_context_add_main_entries(ctx, entries, nullptr);
  if (with_gst) g_option_context_add_group(ctx, gst_init_get_option_group());
  GErrorPtr err;
  bool ok = g_option_context_parse(ctx, argc, argv, err.out());
  g_option_context_free(ctx);
  if (!ok) fprintf(stderr, "%s: %s\n", program, err->message);
  return ok;
}

void LeaveAll(std::vector<std::unique_ptr<SyntheticParticipant>>& people) {
  for (auto& p : people) p->Leave();
  gint64 until = g_get_monotonic_time() + 300 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < until)
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(5000);
  people.clear();
}

}  // namespace mediagw::client
