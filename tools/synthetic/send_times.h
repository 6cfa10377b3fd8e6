// When each VP8 frame left its publisher, by publisher and picture id, so that a subscriber in
// the same process can tell how long the frame took through the server (one process, one clock).
//
// The picture id (15 bits, RFC 7741) is the one part of the RTP packet the SFU forwards
// untouched, which makes it the key. Publishers register on joining; the tables are never freed
// before the process ends, so streaming threads may keep plain pointers to them.
#pragma once

#include <glib.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mediagw::client {

class SendTimes {
 public:
  using Table = std::array<std::atomic<gint64>, 32768>;  // monotonic µs, by picture id

  Table* Register(const std::string& participant_id);
  Table* Find(const std::string& participant_id);

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Table>> tables_;
};

// Picture id of the first packet of a VP8 frame; false for other packets or without an id.
bool Vp8FrameStartPictureId(const uint8_t* payload, std::size_t size, uint16_t* picture_id);

}  // namespace mediagw::client
