// Typed RAII handles for GLib, GObject and GStreamer references.
//
// Why: every GLib/GStreamer object in mediagw has one owner, and the owner holds it in one of these
// handles so that no code path ends in a manual unref chain. Each type names its own ref and unref
// functions (mini-objects such as GstCaps or GstBuffer are not GObjects), and every handle says
// where its reference came from:
//   GRef<T>::Adopt(p)  takes over a reference the caller already owns (transfer full);
//   GRef<T>::Ref(p)    takes a new reference (transfer none), sinking a floating one.
// GUnique<T> is the same for types that are freed, not reference-counted.
#pragma once

#include <type_traits>
#include <utility>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

namespace mediagw {

template <typename T>
struct GRefTraits;  // each specialisation: static T* Ref(T*); static void Unref(T*); static T* Sink(T*)

#define MEDIAGW_GOBJECT_TRAITS(Type)                                           \
  template <>                                                                  \
  struct GRefTraits<Type> {                                                    \
    static Type* Ref(Type* p) { return static_cast<Type*>(g_object_ref(p)); }  \
    static Type* Sink(Type* p) { return static_cast<Type*>(g_object_ref_sink(p)); } \
    static void Unref(Type* p) { g_object_unref(p); }                          \
  };
#define MEDIAGW_GSTOBJECT_TRAITS(Type)                                               \
  template <>                                                                        \
  struct GRefTraits<Type> {                                                          \
    static Type* Ref(Type* p) { return static_cast<Type*>(gst_object_ref(p)); }      \
    static Type* Sink(Type* p) { return static_cast<Type*>(gst_object_ref_sink(p)); } \
    static void Unref(Type* p) { gst_object_unref(p); }                              \
  };
#define MEDIAGW_MINIOBJECT_TRAITS(Type, ref, unref)     \
  template <>                                           \
  struct GRefTraits<Type> {                             \
    static Type* Ref(Type* p) { return ref(p); }        \
    static Type* Sink(Type* p) { return ref(p); }       \
    static void Unref(Type* p) { unref(p); }            \
  };

MEDIAGW_GOBJECT_TRAITS(GObject)
MEDIAGW_GOBJECT_TRAITS(JsonParser)
MEDIAGW_GOBJECT_TRAITS(JsonBuilder)
MEDIAGW_GOBJECT_TRAITS(JsonGenerator)
MEDIAGW_GOBJECT_TRAITS(SoupServer)
MEDIAGW_GOBJECT_TRAITS(SoupSession)
MEDIAGW_GOBJECT_TRAITS(SoupMessage)
MEDIAGW_GOBJECT_TRAITS(SoupWebsocketConnection)
MEDIAGW_GOBJECT_TRAITS(GSubprocess)
MEDIAGW_GOBJECT_TRAITS(GCancellable)
MEDIAGW_GOBJECT_TRAITS(GResolver)
MEDIAGW_GOBJECT_TRAITS(GInetAddress)
MEDIAGW_GOBJECT_TRAITS(SoupServerMessage)
MEDIAGW_MINIOBJECT_TRAITS(JsonNode, json_node_ref, json_node_unref)
MEDIAGW_MINIOBJECT_TRAITS(JsonObject, json_object_ref, json_object_unref)
MEDIAGW_MINIOBJECT_TRAITS(JsonArray, json_array_ref, json_array_unref)
MEDIAGW_MINIOBJECT_TRAITS(GBytes, g_bytes_ref, g_bytes_unref)
MEDIAGW_MINIOBJECT_TRAITS(GMainLoop, g_main_loop_ref, g_main_loop_unref)
MEDIAGW_MINIOBJECT_TRAITS(GMainContext, g_main_context_ref, g_main_context_unref)
MEDIAGW_MINIOBJECT_TRAITS(GSource, g_source_ref, g_source_unref)

template <typename T>
class GRef {
 public:
  GRef() = default;
  GRef(std::nullptr_t) {}
  ~GRef() { reset(); }
  GRef(const GRef& o) : p_(o.p_ ? GRefTraits<T>::Ref(o.p_) : nullptr) {}
  GRef(GRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GRef& operator=(GRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }

  // Takes over a reference the caller owns (transfer full).
  static GRef Adopt(T* p) {
    GRef r;
    r.p_ = p;
    return r;
  }
  // Takes a reference of its own (transfer none); a floating reference is sunk.
  static GRef Ref(T* p) {
    GRef r;
    r.p_ = p ? GRefTraits<T>::Sink(p) : nullptr;
    return r;
  }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // Gives the reference away (transfer full to a callee).
  T* release() { return std::exchange(p_, nullptr); }
  void reset() {
    if (T* p = std::exchange(p_, nullptr)) GRefTraits<T>::Unref(p);
  }

 private:
  T* p_ = nullptr;
};

template <typename T>
struct GFreeTraits;
#define MEDIAGW_FREE_TRAITS(Type, fn) \
  template <>                         \
  struct GFreeTraits<Type> {          \
    static void Free(Type* p) { fn(p); } \
  };
MEDIAGW_FREE_TRAITS(char, g_free)
MEDIAGW_FREE_TRAITS(char*, g_strfreev)
MEDIAGW_FREE_TRAITS(GError, g_error_free)
MEDIAGW_FREE_TRAITS(GKeyFile, g_key_file_free)
MEDIAGW_FREE_TRAITS(GUri, g_uri_unref)

template <typename T>
class GUnique {
 public:
  GUnique() = default;
  explicit GUnique(T* p) : p_(p) {}
  ~GUnique() { reset(); }
  GUnique(const GUnique&) = delete;
  GUnique& operator=(const GUnique&) = delete;
  GUnique(GUnique&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GUnique& operator=(GUnique&& o) noexcept {
    if (this != &o) reset(std::exchange(o.p_, nullptr));
    return *this;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  T* release() { return std::exchange(p_, nullptr); }
  void reset(T* p = nullptr) {
    if (T* old = std::exchange(p_, p)) GFreeTraits<T>::Free(old);
  }
  // For out-parameters: GError** and gchar** style APIs.
  T** out() {
    reset();
    return &p_;
  }

 private:
  T* p_ = nullptr;
};

using GCharPtr = GUnique<char>;
using GErrorPtr = GUnique<GError>;

}  // namespace mediagw
