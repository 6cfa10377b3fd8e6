// A participant's publish connection: the client offers, the gateway answers, media flows in.
//
// Each incoming track is linked, on the streaming thread that announces it, to a new
// mediagwforwarder (so no packet meets an unlinked pad), and then announced on the main context.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "published_track.h"
#include "webrtc_endpoint.h"

namespace mediagw {

class PublishConnection final : public WebRtcEndpoint {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnPublishCandidate(unsigned mline, const std::string& candidate) = 0;
    virtual void OnTrackPublished(const std::shared_ptr<PublishedTrack>& track) = 0;
    virtual void OnPublishFailed() = 0;
  };

  // track_prefix names the tracks ("p3" gives "p3-video0"). listener outlives the connection.
  static std::shared_ptr<PublishConnection> Create(GstBin* pipeline, const std::string& track_prefix,
                                                   const IceSettings& ice, GMainContext* main,
                                                   Listener* listener);
  ~PublishConnection() override;

  // Applies the client's offer and answers it; `done` runs on the main context.
  void HandleOffer(const std::string& sdp, SdpCallback done);

  const std::vector<std::shared_ptr<PublishedTrack>>& tracks() const { return tracks_; }

 private:
  PublishConnection(GstBin* pipeline, const std::string& track_prefix, const IceSettings& ice,
                    GMainContext* main, Listener* listener);
  void OnLocalCandidate(unsigned mline, const std::string& candidate) override;
  void OnConnectionFailed() override;
  void OnIncomingPad(GstPad* pad) override;  // streaming thread

  const std::string track_prefix_;
  Listener* const listener_;
  std::vector<std::shared_ptr<PublishedTrack>> tracks_;  // main context only
  std::atomic<int> next_track_{0};
  // Every forwarder this connection added to the pipeline, announced or not; lock order: none
  // held while taking it, nothing taken while holding it.
  std::mutex forwarders_mutex_;
  std::vector<GRef<GstElement>> forwarders_;
};

}  // namespace mediagw
