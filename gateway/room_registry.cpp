#include "room_registry.h"

#include "main_context.h"

namespace mediagw {

RoomRegistry::~RoomRegistry() { Shutdown(); }

Room* RoomRegistry::Find(const std::string& name) const {
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second.get();
}

RoomRegistry::CreateResult RoomRegistry::Create(const std::string& name, bool persistent, Room** room) {
  if (Room* r = Find(name)) {
    *room = r;
    return CreateResult::kExists;
  }
  if (rooms_.size() >= config_.rooms.max_rooms) {
    *room = nullptr;
    return CreateResult::kLimit;
  }
  auto r = std::make_unique<Room>(name, persistent, config_, main_, this);
  *room = r.get();
  rooms_.emplace(name, std::move(r));
  return CreateResult::kCreated;
}

bool RoomRegistry::Delete(const std::string& name) {
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return false;
  std::unique_ptr<Room> room = std::move(it->second);
  rooms_.erase(it);
  room.reset();
  return true;
}

std::vector<Room*> RoomRegistry::List() const {
  std::vector<Room*> out;
  for (const auto& [name, room] : rooms_) out.push_back(room.get());
  return out;
}

void RoomRegistry::Shutdown() {
  for (auto& [name, room] : rooms_) room->RemoveAll("shutdown");
  rooms_.clear();
}

void RoomRegistry::OnRoomEmpty(Room& room) {
  // The room is mid-call; it goes later if it is still empty then.
  std::string name = room.name();
  PostToMain<bool>(main_, std::weak_ptr<bool>(alive_), [this, name](bool&) {
    Room* r = Find(name);
    if (r && r->size() == 0 && !r->persistent()) Delete(name);
  });
}

}  // namespace mediagw
