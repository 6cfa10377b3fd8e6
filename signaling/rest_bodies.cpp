#include "rest_bodies.h"

namespace mediagw::signaling {

std::optional<BodyProblem> ReadRestBody(std::string_view text, std::span<const FieldSpec> fields,
                                        GRef<JsonParser>* parser, JsonObject** body) {
  using Kind = BodyProblem::Kind;
  if (text.size() > kMaxRestBodyBytes)
    return BodyProblem{Kind::kTooLarge, "request body is larger than 65536 bytes"};
  auto p = GRef<JsonParser>::Adopt(json_parser_new_immutable());
  if (!json_parser_load_from_data(p.get(), text.data(), static_cast<gssize>(text.size()),
                                  nullptr) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p.get())))
    return BodyProblem{Kind::kBadJson, "the body must be a JSON object"};
  JsonObject* obj = json_node_get_object(json_parser_get_root(p.get()));
  if (auto problem = CheckFields(obj, fields, true))
    return BodyProblem{Kind::kBadField, problem->message};
  *parser = std::move(p);
  *body = obj;
  return std::nullopt;
}

}  // namespace mediagw::signaling
