// docs/api.yaml and the REST API agree: every route of the route table is documented and every
// documented /v1 route is served, and a walk of every route with good and bad requests (no token,
// bad tokens, a token for another room or without admin, bad and oversized bodies, unknown rooms)
// gets only statuses the document lists for that route.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "processes.h"
#include "rest_api.h"

namespace mediagw::testing {
namespace {

// path -> method -> statuses, read from the document's own layout (two spaces before a path,
// four before a method, eight before a status).
using Documented = std::map<std::string, std::map<std::string, std::set<unsigned>>>;

Documented ReadApiDoc() {
  Documented doc;
  std::ifstream in(MEDIAGW_API_DOC);
  std::string line, path, method;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line == "paths:")
      in_paths = true;
    else if (!line.empty() && line[0] != ' ')
      in_paths = false;
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      method.clear();
    } else if (line.rfind("    ", 0) == 0 && line[4] != ' ') {
      std::string key = line.substr(4, line.find(':') - 4);
      method = key == "get" || key == "post" || key == "delete" || key == "put" ? key : "";
      if (!method.empty()) doc[path][method];
    } else if (!method.empty() && line.rfind("        '", 0) == 0 && line.size() > 13 &&
               line[8] == '\'' && line[12] == '\'') {
      doc[path][method].insert(static_cast<unsigned>(std::stoul(line.substr(9, 3))));
    }
  }
  return doc;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(g_ascii_toupper(c));
  return s;
}

TEST(ApiDoc, EveryRouteIsDocumentedAndEveryDocumentedRouteIsServed) {
  Documented doc = ReadApiDoc();
  ASSERT_FALSE(doc.empty()) << "cannot read " << MEDIAGW_API_DOC;
  std::set<std::string> served, documented;
  for (const auto& r : RestApi::Routes()) served.insert(std::string(r.method) + " " + r.pattern);
  for (const auto& [path, methods] : doc)
    if (path.rfind("/v1/", 0) == 0)
      for (const auto& [m, statuses] : methods) documented.insert(Upper(m) + " " + path);
  EXPECT_EQ(served, documented);
}

TEST(ApiDoc, EveryRouteAnswersOnlyDocumentedStatuses) {
  Documented doc = ReadApiDoc();
  GatewayProcess gw("[restream]\nallow_private_targets=true\n[limits]\nrest_per_second=100000\n",
                    GatewayProcess::Auth::kOn);
  const std::string admin = GatewayProcess::Token("*", "admin");
  const std::vector<std::pair<std::string, std::optional<std::string>>> tokens = {
      {"no token", ""},
      {"bad token", "a.b.c"},
      {"expired", GatewayProcess::Token("*", "admin", "", -120)},
      {"other room", GatewayProcess::Token("elsewhere", "admin")},
      {"no admin", GatewayProcess::Token("doc", "join,publish,subscribe,chat")},
      {"room admin", GatewayProcess::Token("doc", "admin")},
      {"admin", admin},
  };
  const std::map<std::string, std::string> good_bodies = {
      {"POST /v1/rooms", R"({"name":"doc2"})"},
      {"POST /v1/rooms/{room}/restreams", R"({"url":"rtmp://127.0.0.1:9/live/k"})"},
      {"POST /v1/rooms/{room}/hls", R"({"width":640,"height":360})"},
      {"POST /v1/rooms/{room}/invites", R"({"ttl_s":600})"},
  };
  const std::vector<std::string> bodies = {"", "{}", "not json", R"({"unknown":1})",
                                           std::string(70000, ' ')};
  int requests = 0;
  for (const auto& [path, methods] : doc) {
    if (path.rfind("/v1/", 0) != 0) continue;
    for (const auto& [method, statuses] : methods) {
      std::string m = Upper(method);
      for (const std::string room : {"doc", "nosuchroom"}) {
        std::string url = path;
        for (const auto& [from, to] :
             {std::pair<std::string, std::string>{"{room}", room}, {"{id}", "rs1"}}) {
          auto at = url.find(from);
          if (at != std::string::npos) url.replace(at, from.size(), to);
        }
        std::vector<std::string> try_bodies = bodies;
        if (auto it = good_bodies.find(m + " " + path); it != good_bodies.end())
          try_bodies.push_back(it->second);
        for (const auto& [who, token] : tokens) {
          for (const auto& body : try_bodies) {
            // The room (and a restream rs1 in it) exist before each request that may delete them.
            HttpRequest("POST", gw.http_url() + "/v1/rooms", R"({"name":"doc"})", nullptr, admin);
            HttpRequest("POST", gw.http_url() + "/v1/rooms/doc/restreams",
                        R"({"url":"rtmp://127.0.0.1:9/live/k"})", nullptr, admin);
            std::string response;
            unsigned status = HttpRequest(m, gw.http_url() + url, body, &response, token);
            requests++;
            EXPECT_TRUE(statuses.count(status))
                << m << " " << url << " (" << who << ", body " << body.substr(0, 20)
                << ") answered " << status << ", not documented: " << response.substr(0, 200);
          }
        }
        // Cleanup between routes: restreams count against max_targets_per_room.
        HttpRequest("DELETE", gw.http_url() + "/v1/rooms/doc", "", nullptr, admin);
      }
    }
  }
  EXPECT_GT(requests, 500);
}

}  // namespace
}  // namespace mediagw::testing
