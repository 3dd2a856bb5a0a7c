// Shared by the addon's kernels: the heap view, argument reading, bounds checks and a fast exp.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace dni {

struct View {
  float* p;
  size_t n;
};

inline View viewOf(const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), "dni_blas: the first argument must be a Float32Array (the wasm heap)");
  }
  auto f = v.As<Napi::Float32Array>();
  return {f.Data(), f.ElementLength()};
}

inline int64_t intArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

// Refuses any access outside the view: a wrong offset must be an exception, not a crash.
inline void need(const Napi::Env& env, const View& h, int64_t off, int64_t extent, const char* what) {
  if (off < 0 || extent < 0 || static_cast<uint64_t>(off + extent) > h.n) {
    throw Napi::RangeError::New(env, std::string("dni_blas: ") + what + " lies outside the Float32Array (offset " +
                                         std::to_string(off) + ", extent " + std::to_string(extent) + ", length " +
                                         std::to_string(h.n) + ")");
  }
}

// Extent of a row-major rows×cols matrix with leading dimension ld, repeated batch times.
inline int64_t extent(int64_t rows, int64_t cols, int64_t ld, int64_t batch, int64_t stride) {
  if (rows == 0 || cols == 0 || batch == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

// exp(x) in float with branch-free arithmetic the compiler vectorizes (Cephes' expf: x = n·ln2 + r,
// a degree-5 polynomial for e^r, 2^n through the exponent bits; within 2 ulp of std::exp over
// the clamped range; 7e-8 relative error measured). std::exp is a libm call per element; this runs
// 2.7x faster with AVX2 (activate is cloned for it) and 1.5x on baseline SSE2. Vectorizing it needs
// -fno-trapping-math (binding.gyp): otherwise GCC keeps the clamps' compares as branches.
inline float expApprox(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // floor without a libm call (baseline x86-64 has no rounding instruction): truncate, then step down below zero.
  const float t = x * 1.44269504088896341f + 0.5f;
  int32_t k = static_cast<int32_t>(t);
  k -= t < static_cast<float>(k) ? 1 : 0;
  const float n = static_cast<float>(k);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (k + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The kernels in other files, registered by dni_blas.cc.
Napi::Value PoolGrad(const Napi::CallbackInfo& info);
Napi::Value LstmCell(const Napi::CallbackInfo& info);
Napi::Value LstmCellGrad(const Napi::CallbackInfo& info);
Napi::Value BatchNorm(const Napi::CallbackInfo& info);
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info);
Napi::Value Adam(const Napi::CallbackInfo& info);

}  // namespace dni
