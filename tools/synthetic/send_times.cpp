#include "send_times.h"

namespace mediagw::client {

SendTimes::Table* SendTimes::Register(const std::string& participant_id) {
  std::lock_guard lock(mutex_);
  auto& t = tables_[participant_id];
  if (!t) {
    t = std::make_unique<Table>();
    for (auto& v : *t) v = -1;
  }
  return t.get();
}

SendTimes::Table* SendTimes::Find(const std::string& participant_id) {
  std::lock_guard lock(mutex_);
  auto it = tables_.find(participant_id);
  return it == tables_.end() ? nullptr : it->second.get();
}

bool Vp8FrameStartPictureId(const uint8_t* p, std::size_t n, uint16_t* picture_id) {
  if (n < 3 || !(p[0] & 0x80) || !(p[0] & 0x10) || (p[0] & 0x07) != 0) return false;
  if (!(p[1] & 0x80)) return false;  // no picture id
  if (p[2] & 0x80) {
    if (n < 4) return false;
    *picture_id = static_cast<uint16_t>(((p[2] & 0x7f) << 8) | p[3]);
  } else {
    *picture_id = p[2] & 0x7f;
  }
  return true;
}

}  // namespace mediagw::client
