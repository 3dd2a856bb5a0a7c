// Adam's update of one parameter tensor (lib/blas/adam.ts, lib/core/adam.ts) in one pass. The op
// chain it replaces dispatches 12 ops per parameter each step, for a 6-layer FCN (22 parameter
// tensors) about 260 ops; here the same float arithmetic in the same order (no fused multiply-add,
// see binding.gyp), so both give the same floats.
#include "common.h"

namespace dni {

namespace {

// m' = m·β1 + g·(1 − β1);  v' = v·β2 + g²·(1 − β2);  p' = p − (m' / (√v' + ε))·α
void adamLoop(int64_t n, const float* __restrict g, const float* __restrict m, const float* __restrict v,
              const float* __restrict p, float b1, float c1, float b2, float c2, float eps, float alpha,
              float* __restrict mo, float* __restrict vo, float* __restrict po) {
  for (int64_t k = 0; k < n; k++) {
    const float mk = m[k] * b1 + g[k] * c1;
    const float g2 = g[k] * g[k];
    const float vk = v[k] * b2 + g2 * c2;
    const float step = mk / (std::sqrt(vk) + eps);
    mo[k] = mk;
    vo[k] = vk;
    po[k] = p[k] - step * alpha;
  }
}

}  // namespace

// adam(heap, n, gOff, mOff, vOff, pOff, mOut, vOut, pOut, beta1, 1 − beta1, beta2, 1 − beta2, eps, alpha):
// the scalars as the op chain sees them (float32 of the JS numbers).
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 15) throw Napi::TypeError::New(env, "dni_blas.adam: expected 15 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1);
  if (n < 0) throw Napi::RangeError::New(env, "dni_blas.adam: negative size");
  const char* names[] = {"g", "m", "v", "p", "m out", "v out", "p out"};
  float* t[7];
  for (int k = 0; k < 7; k++) {
    const int64_t off = intArg(info, 2 + k);
    need(env, h, off, n, names[k]);
    t[k] = h.p + off;
  }
  float s[6];
  for (int k = 0; k < 6; k++) s[k] = info[9 + k].As<Napi::Number>().FloatValue();
  adamLoop(n, t[0], t[1], t[2], t[3], s[0], s[1], s[2], s[3], s[4], s[5], t[4], t[5], t[6]);
  return env.Undefined();
}

}  // namespace dni
