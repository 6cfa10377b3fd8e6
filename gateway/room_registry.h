// Every room on this gateway, by name. Lives on the main context; owns the rooms.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "room.h"

namespace mediagw {

class RoomRegistry final : public Room::Listener {
 public:
  enum class CreateResult { kCreated, kExists, kLimit };

  RoomRegistry(const Config& config, GMainContext* main) : config_(config), main_(main) {}
  ~RoomRegistry() override;

  Room* Find(const std::string& name) const;
  // Creates a room; *room is set to the new or the existing one (null at the limit).
  CreateResult Create(const std::string& name, bool persistent, Room** room);
  bool Delete(const std::string& name);
  std::vector<Room*> List() const;
  void Shutdown();  // every room goes, every participant told "shutdown"

 private:
  void OnRoomEmpty(Room& room) override;

  const Config& config_;
  GMainContext* main_;
  std::map<std::string, std::unique_ptr<Room>> rooms_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mediagw
