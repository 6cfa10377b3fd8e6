// Declarative field tables for JSON objects that clients send: which members, of which JSON type,
// required or not, how long or in which range. Signaling messages and REST bodies are checked
// with the same mechanism before any other code reads them.
#pragma once

#include <json-glib/json-glib.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace mediagw::signaling {

enum class FieldKind { kString, kInt, kBool, kStringArray };

struct FieldSpec {
  const char* name;
  FieldKind kind;
  bool required = false;
  std::size_t max_len = 0;  // strings: bytes; string arrays: elements (each at most 64 bytes)
  gint64 min = 0;           // ints
  gint64 max = 0;
};

struct FieldProblem {
  bool missing;  // a required member is absent (or null); otherwise it is malformed
  std::string message;
};

// Checks `obj` against `fields`. With `strict`, members the table does not name are refused too.
std::optional<FieldProblem> CheckFields(JsonObject* obj, std::span<const FieldSpec> fields,
                                        bool strict);

// A member already checked by CheckFields (null when absent).
JsonNode* Member(JsonObject* obj, const FieldSpec& f);

}  // namespace mediagw::signaling
