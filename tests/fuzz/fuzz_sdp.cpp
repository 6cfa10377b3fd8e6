// Fuzz target: client SDP — a subscribe answer checked against an offer of three m-lines
// (pipelines/subscribe_answer.cpp), and a publish offer's check (CheckClientSdp).
#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "subscribe_answer.h"
#include "webrtc_endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> mids = {"0", "1", "2"};
  std::string sdp(reinterpret_cast<const char*>(data), size);
  std::string error;
  mediagw::ReadSubscribeAnswer(sdp, mids, &error);
  mediagw::CheckClientSdp(sdp);
  return 0;
}
