// A track one participant publishes into a room: the forwarder that fans it out, and what the
// subscribers need to know to negotiate it.
#pragma once

#include <string>

#include "mediagw/gstref.h"

namespace mediagw {

enum class MediaKind { kAudio, kVideo };

struct PublishedTrack {
  std::string id;               // unique in the room, e.g. "p3-video0"
  MediaKind kind = MediaKind::kAudio;
  std::string codec;            // encoding-name as negotiated: VP8, H264, OPUS
  GRef<GstCaps> caps;           // the publisher's RTP caps
  GRef<GstElement> forwarder;   // mediagwforwarder; owned by the PublishConnection's pipeline bin
  bool muted = false;
};

// The payload type and codec-preferences caps a subscriber is offered for a track.
int SubscriberPayloadType(const PublishedTrack& track);
GRef<GstCaps> SubscriberCaps(const PublishedTrack& track, guint32 ssrc);

// Unlinks a forwarder request pad from `peer` and gives it back to its forwarder.
void ReleaseForwarderPad(GstPad* forwarder_pad, GstPad* peer);

}  // namespace mediagw
