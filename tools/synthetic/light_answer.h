// The answer a light (webrtcbin-free) subscriber of mediagw-load gives to a subscribe offer from
// mediagw or Janus: every audio/video m-line received once (recvonly, the offer's first codec),
// everything else rejected; BUNDLE, rtcp-mux, our ICE credentials, DTLS fingerprint and
// setup:active (we start DTLS once ICE is up). Also what the offer tells the transport.
//
// Why: a receive-only webrtcbin costs the generator about 2 % of a core per subscriber, which
// caps how many subscribers one machine can drive against the server under test. A
// MediaTransport receiving on one shared thread costs a small fraction of that.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mediagw::client {

struct OfferFacts {
  std::string ufrag, pwd, fingerprint;
  std::vector<std::string> candidates;          // "candidate:..."
  std::map<uint32_t, std::string> mid_by_ssrc;  // from a=ssrc lines
  std::string error;                            // non-empty when the offer is unusable
};

// Reads what the transport needs from an offer.
OfferFacts ReadOffer(const std::string& offer);

// Writes the answer; `candidates` are ours ("candidate:...").
std::string BuildLightAnswer(const std::string& offer, const std::string& ufrag, const std::string& pwd,
                             const std::string& fingerprint, const std::vector<std::string>& candidates);

}  // namespace mediagw::client
