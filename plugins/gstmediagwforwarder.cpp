/*
 * mediagwforwarder
 *
 * Why this element exists: an SFU sends every published track to every subscriber unchanged
 * except for the RTP header. Each subscriber must see one continuous stream with its own SSRC,
 * the payload type it negotiated, no packets from before a keyframe, and nothing while it has
 * muted the track; and all subscribers' keyframe requests must reach the publisher as at most one
 * request per track per `keyframe-request-interval`, or a room of forty would flood the
 * publisher with PLIs. A tee followed by one rewriting element per subscriber could do the
 * rewriting but not the coalescing, and it costs an element and a pad hop per subscriber; so one
 * forwarder per published track takes the place of the tee and does both.
 *
 * Sink pad: the publisher's RTP (as it leaves the publisher's webrtcbin). One request pad
 * `src_%u` per subscriber, with its own `ssrc`, `payload-type` and `muted` properties. Header
 * extensions are stripped, because their ids were negotiated with the publisher, not with the
 * subscriber. The payload is never copied: each output buffer is a new 12-byte header (plus
 * CSRCs) in front of the publisher's payload memory.
 *
 * Upstream GstForceKeyUnit events from any src pad (a subscriber's PLI) and a subscriber waiting
 * for its first keyframe both become one upstream GstForceKeyUnit on the sink pad, carrying the
 * publisher's SSRC so that the publisher's rtpsession sends a PLI for it.
 *
 * Example: ... ! mediagwforwarder name=f  f.src_0 ! queue ! ...  f.src_1 ! queue ! ...
 */
#include "gstmediagwforwarder.h"

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <vector>

#include "rtp_keyframe.h"
#include "rtp_rewriter.h"

GST_DEBUG_CATEGORY_STATIC(mediagw_forwarder_debug);
#define GST_CAT_DEFAULT mediagw_forwarder_debug

namespace {

constexpr guint64 DEFAULT_KEYFRAME_REQUEST_INTERVAL = 500 * GST_MSECOND;
constexpr gint DEFAULT_PAYLOAD_TYPE = -1;

enum { PROP_0, PROP_KEYFRAME_REQUEST_INTERVAL, PROP_KEYFRAME_REQUESTS, PROP_CODEC };
enum { PAD_PROP_0, PAD_PROP_SSRC, PAD_PROP_PAYLOAD_TYPE, PAD_PROP_MUTED, PAD_PROP_FORWARDED,
       PAD_PROP_DROPPED };

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src_%u", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));

// What the forwarder knows about the incoming stream; protected by the element's object lock.
struct StreamInfo {
  GstCaps* caps = nullptr;  // owned
  mediagw::RtpCodec codec = mediagw::RtpCodec::kUnknown;
  guint clock_rate = 90000;
  guint32 publisher_ssrc = 0;
  bool have_ssrc = false;
};

}  // namespace

// Per-subscriber state. Fields marked "streaming" are touched only by the sink pad's streaming
// thread; the rest are protected by the pad's object lock.
struct PadState {
  guint32 ssrc = 0;            // object lock
  gint payload_type = -1;      // object lock; -1 keeps the publisher's
  bool muted = false;          // object lock
  bool caps_dirty = true;      // object lock: the next buffer pushes fresh caps first
  std::optional<mediagw::RtpRewriter> rewriter;  // streaming; created with the first packet
  bool was_muted = false;                         // streaming
  std::atomic<guint64> forwarded{0};
  std::atomic<guint64> dropped{0};
};

struct _MediagwForwarderPad {
  GstPad parent;
  PadState* state;
};

G_DEFINE_TYPE(MediagwForwarderPad, mediagw_forwarder_pad, GST_TYPE_PAD)

struct ForwarderPrivate {
  StreamInfo info;                                   // object lock
  guint64 keyframe_request_interval = DEFAULT_KEYFRAME_REQUEST_INTERVAL;  // object lock
  GstClockTime last_keyframe_request = GST_CLOCK_TIME_NONE;               // object lock
  bool keyframe_request_pending = false;                                   // object lock
  bool keyframe_request_outstanding = false;  // object lock: sent, and no keyframe since
  guint64 keyframe_requests = 0;                                           // object lock
  guint next_pad_id = 0;                                                   // object lock
  std::vector<GstPad*> scratch;                      // streaming: pads of the current packet
};

struct _MediagwForwarder {
  GstElement parent;
  GstPad* sinkpad;
  ForwarderPrivate* priv;
};

G_DEFINE_TYPE(MediagwForwarder, mediagw_forwarder, GST_TYPE_ELEMENT)

/* ---- pad ---- */

static void mediagw_forwarder_pad_set_property(GObject* object, guint prop_id, const GValue* value,
                                               GParamSpec* pspec) {
  auto* pad = MEDIAGW_FORWARDER_PAD(object);
  PadState* s = pad->state;
  GST_OBJECT_LOCK(pad);
  switch (prop_id) {
    case PAD_PROP_SSRC:
      s->ssrc = g_value_get_uint(value);
      s->caps_dirty = true;
      break;
    case PAD_PROP_PAYLOAD_TYPE:
      s->payload_type = g_value_get_int(value);
      s->caps_dirty = true;
      break;
    case PAD_PROP_MUTED:
      s->muted = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(pad);
}

static void mediagw_forwarder_pad_get_property(GObject* object, guint prop_id, GValue* value,
                                               GParamSpec* pspec) {
  auto* pad = MEDIAGW_FORWARDER_PAD(object);
  PadState* s = pad->state;
  GST_OBJECT_LOCK(pad);
  switch (prop_id) {
    case PAD_PROP_SSRC: g_value_set_uint(value, s->ssrc); break;
    case PAD_PROP_PAYLOAD_TYPE: g_value_set_int(value, s->payload_type); break;
    case PAD_PROP_MUTED: g_value_set_boolean(value, s->muted); break;
    case PAD_PROP_FORWARDED: g_value_set_uint64(value, s->forwarded.load()); break;
    case PAD_PROP_DROPPED: g_value_set_uint64(value, s->dropped.load()); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(pad);
}

static void mediagw_forwarder_pad_finalize(GObject* object) {
  delete MEDIAGW_FORWARDER_PAD(object)->state;
  G_OBJECT_CLASS(mediagw_forwarder_pad_parent_class)->finalize(object);
}

static void mediagw_forwarder_pad_class_init(MediagwForwarderPadClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = mediagw_forwarder_pad_set_property;
  gobject_class->get_property = mediagw_forwarder_pad_get_property;
  gobject_class->finalize = mediagw_forwarder_pad_finalize;
  auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject_class, PAD_PROP_SSRC,
      g_param_spec_uint("ssrc", "SSRC", "SSRC this subscriber sees (random by default)", 0,
                        G_MAXUINT32, 0, flags));
  g_object_class_install_property(gobject_class, PAD_PROP_PAYLOAD_TYPE,
      g_param_spec_int("payload-type", "Payload type",
                       "Payload type this subscriber negotiated (-1: keep the publisher's)", -1,
                       127, DEFAULT_PAYLOAD_TYPE, flags));
  g_object_class_install_property(gobject_class, PAD_PROP_MUTED,
      g_param_spec_boolean("muted", "Muted", "Forward nothing to this subscriber", FALSE, flags));
  g_object_class_install_property(gobject_class, PAD_PROP_FORWARDED,
      g_param_spec_uint64("forwarded", "Forwarded", "Packets sent to this subscriber", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(gobject_class, PAD_PROP_DROPPED,
      g_param_spec_uint64("dropped", "Dropped",
                          "Packets not sent (muted or waiting for a keyframe)", 0, G_MAXUINT64, 0,
                          ro));
}

static void mediagw_forwarder_pad_init(MediagwForwarderPad* pad) {
  pad->state = new PadState();
  pad->state->ssrc = g_random_int();
}

/* ---- element helpers ---- */

static GstClockTime forwarder_now(MediagwForwarder* self) {
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return static_cast<GstClockTime>(g_get_monotonic_time()) * GST_USECOND;
  GstClockTime t = gst_clock_get_time(clock);
  gst_object_unref(clock);
  return t;
}

// Asks the publisher for a keyframe unless one was asked for within the interval; a request that
// falls inside the interval is kept and sent by the first packet after it ends.
static void forwarder_request_keyframe(MediagwForwarder* self, bool new_request) {
  ForwarderPrivate* p = self->priv;
  GstClockTime now = forwarder_now(self);
  GST_OBJECT_LOCK(self);
  // Whoever starts waiting while a request is outstanding gets the keyframe it brings: no new
  // request, unless the answer is overdue (two intervals: the PLI or the keyframe was lost).
  bool answered_soon = p->keyframe_request_outstanding &&
                       p->last_keyframe_request != GST_CLOCK_TIME_NONE &&
                       now < p->last_keyframe_request + 2 * p->keyframe_request_interval;
  if (new_request && !answered_soon) p->keyframe_request_pending = true;
  bool send = p->keyframe_request_pending &&
              (p->last_keyframe_request == GST_CLOCK_TIME_NONE ||
               now >= p->last_keyframe_request + p->keyframe_request_interval);
  guint32 ssrc = p->info.publisher_ssrc;
  bool have_ssrc = p->info.have_ssrc;
  if (send) {
    p->keyframe_request_pending = false;
    p->keyframe_request_outstanding = true;
    p->last_keyframe_request = now;
    p->keyframe_requests++;
  }
  guint count = static_cast<guint>(p->keyframe_requests);
  GST_OBJECT_UNLOCK(self);
  if (!send) return;

  GstEvent* event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, count);
  if (have_ssrc) {
    GstStructure* s = gst_event_writable_structure(event);
    gst_structure_set(s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  }
  GST_DEBUG_OBJECT(self, "requesting keyframe #%u from ssrc %08x", count, ssrc);
  gst_pad_push_event(self->sinkpad, event);
}

// The caps one subscriber sees: the publisher's, with its own payload type and SSRC, and without
// the header extensions that are stripped.
static GstCaps* forwarder_pad_caps(GstCaps* in, guint32 ssrc, gint pt) {
  GstCaps* caps = gst_caps_copy(in);
  GstStructure* s = gst_caps_get_structure(caps, 0);
  gst_structure_filter_and_map_in_place(
      s,
      [](GQuark field, GValue*, gpointer) -> gboolean {
        const char* name = g_quark_to_string(field);
        return !g_str_has_prefix(name, "extmap-") && strcmp(name, "timestamp-offset") != 0 &&
               strcmp(name, "seqnum-offset") != 0 && strcmp(name, "ssrc") != 0;
      },
      nullptr);
  gst_structure_set(s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  if (pt >= 0) gst_structure_set(s, "payload", G_TYPE_INT, pt, NULL);
  return caps;
}

// Builds the subscriber's packet: a new fixed header followed by the publisher's payload memory.
static GstBuffer* forwarder_make_packet(GstBuffer* in, GstRTPBuffer* rtp, guint header_len,
                                        guint32 ssrc, gint pt, guint16 seq, guint32 ts) {
  guint8 csrcs = gst_rtp_buffer_get_csrc_count(rtp);
  guint fixed = 12 + 4u * csrcs;
  const guint8* src = static_cast<const guint8*>(rtp->data[0]);
  GstMemory* mem = gst_allocator_alloc(nullptr, fixed, nullptr);
  GstMapInfo map;
  gst_memory_map(mem, &map, GST_MAP_WRITE);
  guint8* h = map.data;
  memcpy(h, src, fixed);
  h[0] &= ~0x10;  // no header extension
  if (pt >= 0) h[1] = static_cast<guint8>((h[1] & 0x80) | (pt & 0x7f));
  GST_WRITE_UINT16_BE(h + 2, seq);
  GST_WRITE_UINT32_BE(h + 4, ts);
  GST_WRITE_UINT32_BE(h + 8, ssrc);
  gst_memory_unmap(mem, &map);

  GstBuffer* out = gst_buffer_new();
  gst_buffer_copy_into(out, in, GST_BUFFER_COPY_METADATA, 0, -1);
  gst_buffer_append_memory(out, mem);
  gsize total = gst_buffer_get_size(in);
  if (total > header_len)
    gst_buffer_copy_into(out, in, GST_BUFFER_COPY_MEMORY, header_len, total - header_len);
  return out;
}

/* ---- sink pad ---- */

static GstFlowReturn mediagw_forwarder_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  auto* self = MEDIAGW_FORWARDER(parent);
  ForwarderPrivate* p = self->priv;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
    GST_WARNING_OBJECT(self, "dropping a buffer that is not RTP");
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  mediagw::RtpRewriter::Packet pkt;
  pkt.seq = gst_rtp_buffer_get_seq(&rtp);
  pkt.timestamp = gst_rtp_buffer_get_timestamp(&rtp);
  pkt.pts_ns = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer)
                                               : mediagw::RtpRewriter::kNoTime;
  guint32 in_ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  guint header_len = gst_rtp_buffer_get_header_len(&rtp);

  GST_OBJECT_LOCK(self);
  p->info.publisher_ssrc = in_ssrc;
  p->info.have_ssrc = true;
  mediagw::RtpCodec codec = p->info.codec;
  guint clock_rate = p->info.clock_rate;
  GstCaps* caps = p->info.caps ? gst_caps_ref(p->info.caps) : nullptr;
  const bool request_pending = p->keyframe_request_pending;
  p->scratch.clear();
  for (GList* l = GST_ELEMENT(self)->srcpads; l; l = l->next)
    p->scratch.push_back(GST_PAD(gst_object_ref(l->data)));
  GST_OBJECT_UNLOCK(self);

  pkt.keyframe_start = mediagw::IsKeyframeStart(
      codec, static_cast<const guint8*>(gst_rtp_buffer_get_payload(&rtp)),
      gst_rtp_buffer_get_payload_len(&rtp));
  const bool video = mediagw::IsVideoCodec(codec);

  bool want_keyframe = false;
  for (GstPad* pad : p->scratch) {
    PadState* s = MEDIAGW_FORWARDER_PAD(pad)->state;
    GST_OBJECT_LOCK(pad);
    bool muted = s->muted;
    guint32 ssrc = s->ssrc;
    gint pt = s->payload_type;
    bool push_caps = s->caps_dirty && caps;
    GST_OBJECT_UNLOCK(pad);

    if (!s->rewriter)
      s->rewriter.emplace(static_cast<guint16>(g_random_int()), g_random_int(), clock_rate, video);
    if (muted != s->was_muted) {
      muted ? s->rewriter->Pause() : s->rewriter->Resume();
      s->was_muted = muted;
    }
    guint16 out_seq = 0;
    guint32 out_ts = 0;
    auto verdict = s->rewriter->Process(pkt, &out_seq, &out_ts);
    if (verdict != mediagw::RtpRewriter::Verdict::kForward) {
      want_keyframe |= verdict == mediagw::RtpRewriter::Verdict::kWaitKeyframe;
      s->dropped++;
      continue;
    }
    if (push_caps) {
      GST_OBJECT_LOCK(pad);
      s->caps_dirty = false;
      GST_OBJECT_UNLOCK(pad);
      gst_pad_push_event(pad, gst_event_new_caps(forwarder_pad_caps(caps, ssrc, pt)));
    }
    GstBuffer* out = forwarder_make_packet(buffer, &rtp, header_len, ssrc, pt, out_seq, out_ts);
    s->forwarded++;
    // A subscriber that is gone or flushing must not stop the others: its result is ignored.
    gst_pad_push(pad, out);
  }
  gst_rtp_buffer_unmap(&rtp);
  if (pkt.keyframe_start) {
    GST_OBJECT_LOCK(self);
    p->keyframe_request_outstanding = false;
    GST_OBJECT_UNLOCK(self);
  }
  for (GstPad* pad : p->scratch) gst_object_unref(pad);
  p->scratch.clear();
  if (caps) gst_caps_unref(caps);
  gst_buffer_unref(buffer);

  if (want_keyframe || request_pending) forwarder_request_keyframe(self, want_keyframe);
  return GST_FLOW_OK;
}

static gboolean mediagw_forwarder_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = MEDIAGW_FORWARDER(parent);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return gst_pad_event_default(pad, parent, event);

  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* encoding = gst_structure_get_string(s, "encoding-name");
  gint clock_rate = 0;
  GST_OBJECT_LOCK(self);
  StreamInfo& info = self->priv->info;
  gst_caps_replace(&info.caps, caps);
  info.codec = mediagw::RtpCodecFromEncodingName(encoding ? encoding : "");
  if (gst_structure_get_int(s, "clock-rate", &clock_rate) && clock_rate > 0)
    info.clock_rate = static_cast<guint>(clock_rate);
  for (GList* l = GST_ELEMENT(self)->srcpads; l; l = l->next) {
    GST_OBJECT_LOCK(l->data);
    MEDIAGW_FORWARDER_PAD(l->data)->state->caps_dirty = true;
    GST_OBJECT_UNLOCK(l->data);
  }
  GST_OBJECT_UNLOCK(self);
  GST_DEBUG_OBJECT(self, "input caps %" GST_PTR_FORMAT, caps);
  // Each src pad gets its own caps with its first buffer; the sticky caps stay on the sink pad.
  gst_event_unref(event);
  return TRUE;
}

static gboolean mediagw_forwarder_sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    GstCaps* filter = nullptr;
    gst_query_parse_caps(query, &filter);
    GstCaps* tmpl = gst_pad_get_pad_template_caps(pad);
    GstCaps* result = filter ? gst_caps_intersect(filter, tmpl) : gst_caps_ref(tmpl);
    gst_query_set_caps_result(query, result);
    gst_caps_unref(result);
    gst_caps_unref(tmpl);
    return TRUE;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps* caps = nullptr;
    gst_query_parse_accept_caps(query, &caps);
    GstCaps* tmpl = gst_pad_get_pad_template_caps(pad);
    gst_query_set_accept_caps_result(query, gst_caps_can_intersect(caps, tmpl));
    gst_caps_unref(tmpl);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

/* ---- src pads ---- */

static gboolean mediagw_forwarder_src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = MEDIAGW_FORWARDER(parent);
  if (gst_video_event_is_force_key_unit(event)) {
    // A subscriber's PLI: it carries the subscriber's SSRC, which the publisher does not know;
    // it is replaced by one coalesced request for the publisher's SSRC.
    GST_LOG_OBJECT(pad, "keyframe request from subscriber");
    gst_event_unref(event);
    forwarder_request_keyframe(self, true);
    return TRUE;
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM) {
    // Other per-subscriber feedback (e.g. retransmission requests) names subscriber sequence
    // numbers that mean nothing upstream.
    gst_event_unref(event);
    return TRUE;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean mediagw_forwarder_src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  auto* self = MEDIAGW_FORWARDER(parent);
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    // What this subscriber will get: the publisher's caps with its own SSRC and payload type.
    GstCaps* filter = nullptr;
    gst_query_parse_caps(query, &filter);
    PadState* s = MEDIAGW_FORWARDER_PAD(pad)->state;
    GST_OBJECT_LOCK(pad);
    guint32 ssrc = s->ssrc;
    gint pt = s->payload_type;
    GST_OBJECT_UNLOCK(pad);
    GST_OBJECT_LOCK(self);
    GstCaps* current = self->priv->info.caps ? gst_caps_ref(self->priv->info.caps) : nullptr;
    GST_OBJECT_UNLOCK(self);
    GstCaps* base = gst_pad_get_pad_template_caps(pad);
    if (current) {
      gst_caps_unref(base);
      base = forwarder_pad_caps(current, ssrc, pt);
      gst_caps_unref(current);
    }
    GstCaps* result = filter ? gst_caps_intersect(filter, base) : gst_caps_ref(base);
    gst_caps_unref(base);
    gst_query_set_caps_result(query, result);
    gst_caps_unref(result);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

// Copies the sink pad's sticky events to a new src pad, in order, with the caps rewritten for
// it; the caps are pushed again with its first buffer once its SSRC and payload type are set.
static gboolean copy_sticky_event(GstPad*, GstEvent** event, gpointer user_data) {
  auto* pad = MEDIAGW_FORWARDER_PAD(user_data);
  if (GST_EVENT_TYPE(*event) != GST_EVENT_CAPS) {
    gst_pad_store_sticky_event(GST_PAD(pad), *event);
    return TRUE;
  }
  GstCaps* caps = nullptr;
  gst_event_parse_caps(*event, &caps);
  GstEvent* rewritten = gst_event_new_caps(
      forwarder_pad_caps(caps, pad->state->ssrc, pad->state->payload_type));
  gst_pad_store_sticky_event(GST_PAD(pad), rewritten);
  gst_event_unref(rewritten);
  return TRUE;
}

static GstPad* mediagw_forwarder_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                                 const gchar* name, const GstCaps*) {
  auto* self = MEDIAGW_FORWARDER(element);
  GST_OBJECT_LOCK(self);
  guint id = self->priv->next_pad_id;
  if (name && sscanf(name, "src_%u", &id) == 1) {
    if (id >= self->priv->next_pad_id) self->priv->next_pad_id = id + 1;
  } else {
    self->priv->next_pad_id++;
  }
  GST_OBJECT_UNLOCK(self);
  gchar* pad_name = g_strdup_printf("src_%u", id);
  GstPad* pad = GST_PAD(g_object_new(MEDIAGW_TYPE_FORWARDER_PAD, "name", pad_name, "direction",
                                     GST_PAD_SRC, "template", templ, NULL));
  g_free(pad_name);
  gst_pad_set_event_function(pad, mediagw_forwarder_src_event);
  gst_pad_set_query_function(pad, mediagw_forwarder_src_query);
  gst_pad_use_fixed_caps(pad);
  gst_pad_set_active(pad, TRUE);
  gst_pad_sticky_events_foreach(self->sinkpad, copy_sticky_event, pad);
  if (!gst_element_add_pad(element, pad)) {
    gst_object_unref(pad);
    return nullptr;
  }
  return pad;
}

static void mediagw_forwarder_release_pad(GstElement* element, GstPad* pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

/* ---- element ---- */

static void mediagw_forwarder_set_property(GObject* object, guint prop_id, const GValue* value,
                                           GParamSpec* pspec) {
  auto* self = MEDIAGW_FORWARDER(object);
  switch (prop_id) {
    case PROP_KEYFRAME_REQUEST_INTERVAL:
      GST_OBJECT_LOCK(self);
      self->priv->keyframe_request_interval = g_value_get_uint64(value);
      GST_OBJECT_UNLOCK(self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void mediagw_forwarder_get_property(GObject* object, guint prop_id, GValue* value,
                                           GParamSpec* pspec) {
  auto* self = MEDIAGW_FORWARDER(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_KEYFRAME_REQUEST_INTERVAL:
      g_value_set_uint64(value, self->priv->keyframe_request_interval);
      break;
    case PROP_KEYFRAME_REQUESTS:
      g_value_set_uint64(value, self->priv->keyframe_requests);
      break;
    case PROP_CODEC: {
      const char* names[] = {"", "opus", "VP8", "H264"};
      g_value_set_string(value, names[static_cast<int>(self->priv->info.codec)]);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void mediagw_forwarder_finalize(GObject* object) {
  auto* self = MEDIAGW_FORWARDER(object);
  gst_caps_replace(&self->priv->info.caps, nullptr);
  delete self->priv;
  G_OBJECT_CLASS(mediagw_forwarder_parent_class)->finalize(object);
}

static void mediagw_forwarder_class_init(MediagwForwarderClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = mediagw_forwarder_set_property;
  gobject_class->get_property = mediagw_forwarder_get_property;
  gobject_class->finalize = mediagw_forwarder_finalize;

  g_object_class_install_property(gobject_class, PROP_KEYFRAME_REQUEST_INTERVAL,
      g_param_spec_uint64("keyframe-request-interval", "Keyframe request interval",
                          "Least time between two keyframe requests sent upstream (ns)", 0,
                          G_MAXUINT64, DEFAULT_KEYFRAME_REQUEST_INTERVAL,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(gobject_class, PROP_KEYFRAME_REQUESTS,
      g_param_spec_uint64("keyframe-requests", "Keyframe requests",
                          "Keyframe requests sent upstream so far", 0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(gobject_class, PROP_CODEC,
      g_param_spec_string("codec", "Codec", "Codec of the incoming stream (from its caps)", "",
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template_with_gtype(element_class, &src_template,
                                                       MEDIAGW_TYPE_FORWARDER_PAD);
  gst_element_class_set_static_metadata(element_class, "mediagw SFU forwarder", "Filter/Network/RTP",
      "Forwards one RTP track to many subscribers with per-subscriber SSRC, sequence and payload "
      "type rewriting, keyframe gating, mute and coalesced keyframe requests",
      "mediagw developers");
  element_class->request_new_pad = mediagw_forwarder_request_new_pad;
  element_class->release_pad = mediagw_forwarder_release_pad;
  gst_type_mark_as_plugin_api(MEDIAGW_TYPE_FORWARDER_PAD, static_cast<GstPluginAPIFlags>(0));
}

static void mediagw_forwarder_init(MediagwForwarder* self) {
  self->priv = new ForwarderPrivate();
  self->priv->scratch.reserve(64);
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, mediagw_forwarder_chain);
  gst_pad_set_event_function(self->sinkpad, mediagw_forwarder_sink_event);
  gst_pad_set_query_function(self->sinkpad, mediagw_forwarder_sink_query);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
}

gboolean mediagw_forwarder_register(GstPlugin* plugin) {
  GST_DEBUG_CATEGORY_INIT(mediagw_forwarder_debug, "mediagwforwarder", 0, "mediagw SFU forwarder");
  return gst_element_register(plugin, "mediagwforwarder", GST_RANK_NONE, MEDIAGW_TYPE_FORWARDER);
}
