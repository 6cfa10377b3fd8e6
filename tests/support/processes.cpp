#include "processes.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>

#include <stdexcept>

#include "auth.h"
#include <utility>

namespace mediagw::testing {
namespace {

std::string Env(const char* name, const char* fallback) {
  const char* v = g_getenv(name);
  return v ? v : fallback;
}

std::string ReadFile(const std::string& path) {
  gchar* contents = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &contents, &len, nullptr)) return "";
  std::string out(contents, len);
  g_free(contents);
  return out;
}

GRef<GSubprocess> Spawn(const std::vector<std::string>& argv, const std::string& out,
                        const std::string& err,
                        const std::vector<std::pair<const char*, const char*>>& env = {}) {
  auto launcher =
      GRef<GObject>::Adopt(G_OBJECT(g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE)));
  for (const auto& [name, value] : env)
    g_subprocess_launcher_setenv(G_SUBPROCESS_LAUNCHER(launcher.get()), name, value, FALSE);
  g_subprocess_launcher_set_stdout_file_path(G_SUBPROCESS_LAUNCHER(launcher.get()), out.c_str());
  g_subprocess_launcher_set_stderr_file_path(G_SUBPROCESS_LAUNCHER(launcher.get()), err.c_str());
  std::vector<const char*> args;
  for (const auto& a : argv) args.push_back(a.c_str());
  args.push_back(nullptr);
  GErrorPtr error;
  GSubprocess* p =
      g_subprocess_launcher_spawnv(G_SUBPROCESS_LAUNCHER(launcher.get()), args.data(), error.out());
  if (!p) throw std::runtime_error("cannot start " + argv[0] + ": " + error->message);
  return GRef<GSubprocess>::Adopt(p);
}

// Waits for a process without blocking forever; true when it exited.
bool WaitFor(GSubprocess* p, int timeout_ms) {
  gint64 until = g_get_monotonic_time() + timeout_ms * 1000;
  while (g_get_monotonic_time() < until) {
    g_main_context_iteration(nullptr, FALSE);
    if (g_subprocess_get_identifier(p) == nullptr) return true;
    g_usleep(10000);
  }
  return false;
}

// What every thread of a hung process waits in: names (GStreamer names its threads after the
// element), kernel wait channels and, where gdb can attach, the stacks. Printed before a hung
// gateway is killed, so that a hang in CI can be understood from its log alone.
std::string DumpThreads(int pid) {
  std::string out = "threads of " + std::to_string(pid) + ":\n";
  std::string task = "/proc/" + std::to_string(pid) + "/task";
  if (GDir* d = g_dir_open(task.c_str(), 0, nullptr)) {
    while (const char* tid = g_dir_read_name(d)) {
      std::string comm = ReadFile(task + "/" + tid + "/comm"),
                  wchan = ReadFile(task + "/" + tid + "/wchan");
      if (!comm.empty() && comm.back() == '\n') comm.pop_back();
      out += std::string("  ") + tid + " " + comm + " " + wchan + "\n";
    }
    g_dir_close(d);
  }
  GCharPtr gdb(g_find_program_in_path("gdb"));
  if (gdb) {
    std::string cmd =
        "timeout 60 gdb -p " + std::to_string(pid) + " -batch -ex \"thread apply all bt 15\"";
    gchar* stacks = nullptr;
    g_spawn_command_line_sync(cmd.c_str(), &stacks, nullptr, nullptr, nullptr);
    if (stacks) out += stacks;
    g_free(stacks);
  }
  return out;
}

}  // namespace

TempDir::TempDir() {
  GErrorPtr err;
  GCharPtr dir(g_dir_make_tmp("mediagw-test-XXXXXX", err.out()));
  if (!dir) throw std::runtime_error("no temporary directory");
  path_ = dir.get();
}

TempDir::~TempDir() {
  GDir* d = g_dir_open(path_.c_str(), 0, nullptr);
  if (d) {
    while (const char* name = g_dir_read_name(d)) g_unlink((path_ + "/" + name).c_str());
    g_dir_close(d);
  }
  g_rmdir(path_.c_str());
}

std::string TempDir::Write(const std::string& name, const std::string& contents) const {
  std::string file = path_ + "/" + name;
  g_file_set_contents(file.c_str(), contents.c_str(), static_cast<gssize>(contents.size()),
                      nullptr);
  return file;
}

namespace {
std::string g_default_token;  // while an Auth::kOn gateway runs
}  // namespace

std::string GatewayProcess::Token(const std::string& room, const std::string& grants,
                                  const std::string& identity, gint64 ttl_s) {
  auth::Claims c;
  c.key = kTestApiKey;
  c.room = room;
  c.identity = identity;
  std::string error;
  c.grants = auth::ParseGrantList(grants, &error).value_or(0);
  return auth::Mint(kTestApiSecret, c, g_get_real_time() / G_USEC_PER_SEC, ttl_s);
}

GatewayProcess::GatewayProcess(const std::string& extra_config, Auth auth)
    : auth_(auth == Auth::kOn) {
  std::string auth_config;
  if (auth_) {
    std::string keys = dir_.Write("keys", std::string(kTestApiKey) + ": " + kTestApiSecret + "\n");
    auth_config = "[auth]\nkeys_file=" + keys + "\n";
    g_default_token = Token("*", "admin");
    g_setenv("MEDIAGW_API_KEY", kTestApiKey, TRUE);
    g_setenv("MEDIAGW_API_SECRET", kTestApiSecret, TRUE);
  }
  // (The keys go in the config file: an extra_config with its own [auth] comes after it.)
  std::string config = dir_.Write(
      "mediagw.ini", auth_config + "[ice]\nlocal_addresses=127.0.0.1\n" + extra_config);
  proc_ = Spawn(
      {Env("MEDIAGW_BIN", "build/gateway/mediagw"), "--listen", "127.0.0.1:0", "--config", config},
      dir_.path() + "/out.log", dir_.path() + "/err.log",
      {{"GST_DEBUG", "2,mediagw-*:4"}});  // (unless the test runs with its own GST_DEBUG)
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < until) {
    std::string out = ReadFile(dir_.path() + "/out.log");
    auto pos = out.find("mediagw listening on 127.0.0.1:");
    auto eol = out.find('\n', pos);
    if (pos != std::string::npos && eol != std::string::npos) {
      port_ = static_cast<unsigned>(std::stoul(out.substr(pos + 31, eol - pos - 31)));
      return;
    }
    if (g_subprocess_get_identifier(proc_.get()) == nullptr) break;
    g_usleep(20000);
  }
  throw std::runtime_error("mediagw did not start: " + Log());
}

GatewayProcess::~GatewayProcess() {
  Stop();
  if (auth_) {
    g_default_token.clear();
    g_unsetenv("MEDIAGW_API_KEY");
    g_unsetenv("MEDIAGW_API_SECRET");
  }
}

int GatewayProcess::pid() const {
  const char* id = proc_ ? g_subprocess_get_identifier(proc_.get()) : nullptr;
  return id ? atoi(id) : 0;
}

bool GatewayProcess::running() {
  return proc_ && g_subprocess_get_identifier(proc_.get()) != nullptr;
}

int GatewayProcess::Stop() {
  if (!proc_) return -1;
  int status = -1;
  if (running()) {
    g_subprocess_send_signal(proc_.get(), SIGTERM);
    if (!WaitFor(proc_.get(), 10000)) {
      std::string log = Log();
      fprintf(stderr,
              "mediagw did not stop within 10 s of SIGTERM\n%s\nits log (last 20000 bytes):\n%s\n",
              DumpThreads(pid()).c_str(),
              log.substr(log.size() > 20000 ? log.size() - 20000 : 0).c_str());
      g_subprocess_force_exit(proc_.get());
      g_subprocess_wait(proc_.get(), nullptr, nullptr);
      proc_.reset();
      return -1;
    }
  }
  g_subprocess_wait(proc_.get(), nullptr, nullptr);
  if (g_subprocess_get_if_exited(proc_.get())) status = g_subprocess_get_exit_status(proc_.get());
  proc_.reset();
  return status;
}

std::string GatewayProcess::Log() const {
  return ReadFile(dir_.path() + "/out.log") + ReadFile(dir_.path() + "/err.log");
}

ClientProcess::ClientProcess(const std::string& server, const std::vector<std::string>& args) {
  // Tests stay on loopback (the gateways they start gather 127.0.0.1 only).
  std::vector<std::string> argv = {Env("MEDIAGW_CLIENT_BIN", "build/tools/mediagw-client"),
                                   "--server", server, "--local-address", "127.0.0.1"};
  argv.insert(argv.end(), args.begin(), args.end());
  started_us_ = g_get_monotonic_time();
  proc_ = Spawn(argv, dir_.path() + "/report.json", dir_.path() + "/err.log");
}

ClientProcess::~ClientProcess() {
  if (proc_ && g_subprocess_get_identifier(proc_.get())) {
    g_subprocess_force_exit(proc_.get());
    g_subprocess_wait(proc_.get(), nullptr, nullptr);
  }
}

GRef<JsonNode> ClientProcess::Wait() {
  if (!WaitFor(proc_.get(), 120000)) Kill();
  g_subprocess_wait(proc_.get(), nullptr, nullptr);
  return ParseJson(ReadFile(dir_.path() + "/report.json"));
}

std::string ClientProcess::Stderr() const {
  return ReadFile(dir_.path() + "/err.log");
}

void ClientProcess::Kill() {
  g_subprocess_send_signal(proc_.get(), SIGKILL);
  g_subprocess_wait(proc_.get(), nullptr, nullptr);
}

unsigned HttpRequest(const std::string& method, const std::string& url, const std::string& body,
                     std::string* response, std::optional<std::string> token) {
  // A gateway that does not answer in 30 s is hung: fail then, not after libsoup's 60 s.
  auto session = GRef<SoupSession>::Adopt(soup_session_new_with_options("timeout", 30, nullptr));
  auto msg = GRef<SoupMessage>::Adopt(soup_message_new(method.c_str(), url.c_str()));
  if (!body.empty()) {
    auto bytes = GRef<GBytes>::Adopt(g_bytes_new(body.data(), body.size()));
    soup_message_set_request_body_from_bytes(msg.get(), "application/json", bytes.get());
  }
  std::string bearer = token ? *token : g_default_token;
  if (!bearer.empty())
    soup_message_headers_replace(soup_message_get_request_headers(msg.get()), "Authorization",
                                 ("Bearer " + bearer).c_str());
  auto reply =
      GRef<GBytes>::Adopt(soup_session_send_and_read(session.get(), msg.get(), nullptr, nullptr));
  if (response) {
    gsize size = 0;
    const char* data =
        reply ? static_cast<const char*>(g_bytes_get_data(reply.get(), &size)) : nullptr;
    response->assign(data ? data : "", size);
  }
  return soup_message_get_status(msg.get());
}

GRef<JsonNode> ParseJson(const std::string& text) {
  auto parser = GRef<JsonParser>::Adopt(json_parser_new());
  if (text.empty() || !json_parser_load_from_data(parser.get(), text.c_str(),
                                                  static_cast<gssize>(text.size()), nullptr))
    return {};
  JsonNode* root = json_parser_get_root(parser.get());
  return root ? GRef<JsonNode>::Adopt(json_node_copy(root)) : GRef<JsonNode>();
}

gint64 ReportParticipant::FramesFrom(const std::string& from, const std::string& kind) const {
  const ReportTrack* t = TrackFrom(from, kind);
  return t ? t->frames : 0;
}

const ReportTrack* ReportParticipant::TrackFrom(const std::string& from,
                                                const std::string& kind) const {
  for (const auto& t : tracks)
    if (t.participant_id == from && t.kind == kind) return &t;
  return nullptr;
}

std::vector<ReportParticipant> ReadReport(JsonNode* report) {
  std::vector<ReportParticipant> out;
  if (!report || !JSON_NODE_HOLDS_OBJECT(report)) return out;
  JsonArray* ps = json_object_get_array_member(json_node_get_object(report), "participants");
  for (guint i = 0; ps && i < json_array_get_length(ps); i++) {
    JsonObject* p = json_array_get_object_element(ps, i);
    ReportParticipant rp;
    rp.name = json_object_get_string_member(p, "name");
    rp.participant_id = json_object_get_string_member(p, "participant_id");
    if (!json_object_get_null_member(p, "error"))
      rp.error = json_object_get_string_member(p, "error");
    rp.last_offer_ms = json_object_get_int_member(p, "last_offer_ms");
    rp.track_muted_events = json_object_get_int_member(p, "track_muted_events");
    JsonObject* left = json_object_get_object_member(p, "participants_left");
    GList* members = json_object_get_members(left);
    for (GList* l = members; l; l = l->next)
      rp.left.emplace_back(static_cast<const char*>(l->data),
                           json_object_get_int_member(left, static_cast<const char*>(l->data)));
    g_list_free(members);
    JsonArray* tracks = json_object_get_array_member(p, "tracks");
    for (guint j = 0; j < json_array_get_length(tracks); j++) {
      JsonObject* t = json_array_get_object_element(tracks, j);
      ReportTrack rt;
      rt.track_id = json_object_get_string_member(t, "track_id");
      rt.participant_id = json_object_get_string_member(t, "participant_id");
      rt.kind = json_object_get_string_member(t, "kind");
      rt.packets = json_object_get_int_member(t, "packets");
      rt.frames = json_object_get_int_member(t, "frames");
      rt.subscribed_ms = json_object_get_int_member(t, "subscribed_ms");
      rt.first_frame_ms = json_object_get_int_member(t, "first_frame_ms");
      rt.last_frame_ms = json_object_get_int_member(t, "last_frame_ms");
      rt.max_gap_ms = json_object_get_int_member(t, "max_gap_ms");
      rt.seq_gaps = json_object_get_int_member(t, "seq_gaps");
      rp.tracks.push_back(rt);
    }
    out.push_back(rp);
  }
  return out;
}

}  // namespace mediagw::testing
