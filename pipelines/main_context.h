// Marshals work from GStreamer threads onto the main context, where all domain state lives.
//
// Why: webrtcbin signals, promise callbacks and pad-added arrive on streaming threads; the rooms,
// participants and signaling sessions they concern are only touched on the main context. A call
// is always deferred (never run inline, even from the main thread, so no caller is re-entered)
// and is dropped if its target was destroyed in the meantime.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>

namespace mediagw {

template <typename T>
void PostToMain(GMainContext* context, std::weak_ptr<T> target, std::function<void(T&)> fn) {
  struct Call {
    std::weak_ptr<T> target;
    std::function<void(T&)> fn;
  };
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* call = static_cast<Call*>(data);
        if (auto t = call->target.lock()) call->fn(*t);
        return G_SOURCE_REMOVE;
      },
      new Call{std::move(target), std::move(fn)},
      [](gpointer data) { delete static_cast<Call*>(data); });
  g_source_attach(source, context);
  g_source_unref(source);
}

}  // namespace mediagw
