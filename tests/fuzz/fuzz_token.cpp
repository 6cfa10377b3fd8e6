// Fuzz target: a bearer token, parsed and verified (gateway/auth.cpp). The seeds include tokens
// signed with the key below, so the fuzzer also reaches the claim checks behind the signature.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mediagw::auth::KeyStore* keys = [] {
    auto* k = new mediagw::auth::KeyStore;
    k->Add("fuzzkey", "fuzz-secret-0123456789abcdef0123456789");
    return k;
  }();
  std::string_view token(reinterpret_cast<const char*>(data), size);
  // A fixed "now" before the seeds expire, so the fuzzer reaches the checks behind exp.
  auto v = mediagw::auth::Verify(token, *keys, 1700000000);
  if (v.claims) v.claims->Allows("room", mediagw::auth::kPublish);
  return 0;
}
