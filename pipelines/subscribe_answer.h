// A client's answer to a subscribe offer, read and checked against what was offered.
//
// Why on its own: the answer is client text that decides which tracks are sent and where the
// transport connects, so it is parsed with GstSDP and checked here, without a connection, and
// fuzzed as it is.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mediagw {

struct SubscribeAnswer {
  std::vector<bool> accepted;  // per offered m-line: the client receives it
  bool declined_all = false;   // no transport to set up (then nothing below is set)
  std::string ufrag, pwd, fingerprint;
  bool dtls_client = false;             // the client answered a=setup:passive: we start DTLS
  std::vector<std::string> candidates;  // "candidate:..." lines of the answer
};

// `offered_mids`: the mids of the offer's m-lines, in order. Answers the answer, or nullopt and
// why in *error (the offer then stays open).
std::optional<SubscribeAnswer> ReadSubscribeAnswer(const std::string& sdp,
                                                   const std::vector<std::string>& offered_mids,
                                                   std::string* error);

}  // namespace mediagw
