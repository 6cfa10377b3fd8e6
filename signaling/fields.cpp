#include "fields.h"

#include <cstring>

namespace mediagw::signaling {
namespace {

constexpr std::size_t kMaxArrayItemBytes = 64;

const char* KindName(FieldKind k) {
  switch (k) {
    case FieldKind::kString:
      return "a string";
    case FieldKind::kInt:
      return "an integer";
    case FieldKind::kBool:
      return "a boolean";
    case FieldKind::kStringArray:
      return "an array of strings";
  }
  return "?";
}

bool IsValue(JsonNode* node, GType type) {
  return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

bool HasKind(JsonNode* node, FieldKind kind) {
  switch (kind) {
    case FieldKind::kString:
      return IsValue(node, G_TYPE_STRING);
    case FieldKind::kInt:
      return IsValue(node, G_TYPE_INT64);
    case FieldKind::kBool:
      return IsValue(node, G_TYPE_BOOLEAN);
    case FieldKind::kStringArray:
      return JSON_NODE_HOLDS_ARRAY(node);
  }
  return false;
}

FieldProblem Bad(std::string message) {
  return FieldProblem{false, std::move(message)};
}

}  // namespace

std::optional<FieldProblem> CheckFields(JsonObject* obj, std::span<const FieldSpec> fields,
                                        bool strict) {
  if (strict) {
    GList* names = json_object_get_members(obj);
    std::optional<FieldProblem> unknown;
    for (GList* l = names; l && !unknown; l = l->next) {
      const char* name = static_cast<const char*>(l->data);
      bool known = false;
      for (const FieldSpec& f : fields) known = known || strcmp(f.name, name) == 0;
      if (!known) unknown = Bad("unknown field: " + std::string(name).substr(0, 32));
    }
    g_list_free(names);
    if (unknown) return unknown;
  }
  for (const FieldSpec& f : fields) {
    JsonNode* node = json_object_get_member(obj, f.name);
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
      if (f.required) return FieldProblem{true, std::string("missing field: ") + f.name};
      continue;
    }
    if (!HasKind(node, f.kind)) return Bad(std::string(f.name) + " must be " + KindName(f.kind));
    switch (f.kind) {
      case FieldKind::kString:
        if (strlen(json_node_get_string(node)) > f.max_len)
          return Bad(std::string(f.name) + " is longer than " + std::to_string(f.max_len) +
                     " bytes");
        break;
      case FieldKind::kInt: {
        gint64 v = json_node_get_int(node);
        if (v < f.min || v > f.max)
          return Bad(std::string(f.name) + " must be " + std::to_string(f.min) + ".." +
                     std::to_string(f.max));
        break;
      }
      case FieldKind::kBool:
        break;
      case FieldKind::kStringArray: {
        JsonArray* a = json_node_get_array(node);
        if (json_array_get_length(a) > f.max_len)
          return Bad(std::string(f.name) + " has more than " + std::to_string(f.max_len) +
                     " elements");
        for (guint i = 0; i < json_array_get_length(a); i++) {
          JsonNode* e = json_array_get_element(a, i);
          if (!IsValue(e, G_TYPE_STRING) || strlen(json_node_get_string(e)) > kMaxArrayItemBytes)
            return Bad(std::string(f.name) + " must be " + KindName(f.kind) + " of at most " +
                       std::to_string(kMaxArrayItemBytes) + " bytes each");
        }
        break;
      }
    }
  }
  return std::nullopt;
}

JsonNode* Member(JsonObject* obj, const FieldSpec& f) {
  JsonNode* node = json_object_get_member(obj, f.name);
  return node && !JSON_NODE_HOLDS_NULL(node) ? node : nullptr;
}

}  // namespace mediagw::signaling
