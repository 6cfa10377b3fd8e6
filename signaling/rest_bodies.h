// The JSON bodies of the REST API: one field table per route that takes a body, and the one
// function that reads a body against its table. Checked here before any handler sees them, and
// fuzzed on their own (no GStreamer, no HTTP).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fields.h"
#include "mediagw/gref.h"

namespace mediagw::signaling {

inline constexpr std::size_t kMaxRestBodyBytes = 64 * 1024;

// The composite's settings, shared by restream and HLS bodies. Ranges are checked once, by
// CheckRestreamSettings (pipelines/restream.h); the table checks types and bounds the numbers.
#define MEDIAGW_SETTINGS_FIELDS                                                                   \
  {.name = "layout", .kind = FieldKind::kString, .max_len = 16},                                  \
      {.name = "width", .kind = FieldKind::kInt, .min = -1000000, .max = 1000000},                \
      {.name = "height", .kind = FieldKind::kInt, .min = -1000000, .max = 1000000},               \
      {.name = "fps", .kind = FieldKind::kInt, .min = -1000000, .max = 1000000},                  \
      {.name = "video_bitrate_kbps", .kind = FieldKind::kInt, .min = -1000000, .max = 1000000}, { \
    .name = "audio_bitrate_kbps", .kind = FieldKind::kInt, .min = -1000000, .max = 1000000        \
  }

inline constexpr FieldSpec kRoomBody[] = {
    {.name = "name", .kind = FieldKind::kString, .required = true, .max_len = 64},
};
inline constexpr FieldSpec kRestreamBody[] = {
    {.name = "url", .kind = FieldKind::kString, .required = true, .max_len = 2048},
    MEDIAGW_SETTINGS_FIELDS,
};
inline constexpr FieldSpec kHlsBody[] = {MEDIAGW_SETTINGS_FIELDS};
inline constexpr FieldSpec kInviteBody[] = {
    {.name = "ttl_s", .kind = FieldKind::kInt, .min = 60, .max = 30 * 86400},
    {.name = "grants", .kind = FieldKind::kStringArray, .max_len = 5},
    {.name = "name", .kind = FieldKind::kString, .max_len = 256},
};
#undef MEDIAGW_SETTINGS_FIELDS

struct BodyProblem {
  enum class Kind { kTooLarge, kBadJson, kBadField } kind;
  std::string message;
};

// Parses `text` as a JSON object and checks it against `fields` (unknown members refused). On
// success *parser owns the object in *body.
std::optional<BodyProblem> ReadRestBody(std::string_view text, std::span<const FieldSpec> fields,
                                        GRef<JsonParser>* parser, JsonObject** body);

}  // namespace mediagw::signaling
