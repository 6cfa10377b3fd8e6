// Media encoded once per process and replayed by every publisher of mediagw-load.
//
// Why: a load generator that encodes per publisher measures its own encoder, not the server.
// The loop starts with the only keyframe, so restarting it (on a PLI) is a valid stream.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <vector>

#include "mediagw/gstref.h"

namespace mediagw::client {

struct EncodedLoop {
  int fps = 30;
  GRef<GstCaps> video_caps;  // video/x-vp8
  GRef<GstCaps> audio_caps;  // audio/x-opus
  std::vector<GRef<GstBuffer>> video;  // video[0] is the keyframe
  std::vector<GRef<GstBuffer>> audio;  // 20 ms frames

  // Encodes `seconds` of a moving zone plate (busy enough for CBR to fill `kbps`); throws
  // std::runtime_error.
  static std::shared_ptr<const EncodedLoop> Make(int width, int height, int fps, int kbps, int seconds);
};

}  // namespace mediagw::client
