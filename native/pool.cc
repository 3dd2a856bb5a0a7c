// The pools' gradient (lib/blas/pool.ts).
#include "common.h"

namespace dni {

namespace {

// One pixel of a max-pool window: where it beats the best so far, channel by channel, it is the
// new best (w: the pixel's offset in x, so the scatter needs no division).
void scanPixel(int64_t C, const float* __restrict px, int32_t w, float* best, int32_t* __restrict at) {
  // Selects through bit masks: GCC keeps `gt ? a : b` on floats as a branch and would not vectorize.
  int32_t* bestBits = reinterpret_cast<int32_t*>(best);  // the same floats, as bits (-fno-strict-aliasing, binding.gyp)
  const int32_t* __restrict pxBits = reinterpret_cast<const int32_t*>(px);
  for (int64_t c = 0; c < C; c++) {
    const int32_t m = -static_cast<int32_t>(px[c] > best[c]);
    bestBits[c] = (pxBits[c] & m) | (bestBits[c] & ~m);
    at[c] = (w & m) | (at[c] & ~m);
  }
}

}  // namespace

// poolGrad(heap, kind, xOff, dyOff, dxOff, B, H, W, C, Ho, Wo, size, stride, padTop, padLeft):
// the gradient of a size×size pool with TF's 'same' padding, NHWC, written into dx. kind 0, max:
// each dy goes to the first maximum of its window (TF's rule); kind 1, average: each dy is shared
// equally by the window's in-image pixels (the forward averages only those).
Napi::Value PoolGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 15) throw Napi::TypeError::New(env, "dni_blas.poolGrad: expected 15 arguments");
  View h = viewOf(info[0]);
  const int kind = static_cast<int>(intArg(info, 1));
  const int64_t xOff = intArg(info, 2), dyOff = intArg(info, 3), dxOff = intArg(info, 4);
  const int64_t B = intArg(info, 5), H = intArg(info, 6), W = intArg(info, 7), C = intArg(info, 8);
  const int64_t Ho = intArg(info, 9), Wo = intArg(info, 10), size = intArg(info, 11), stride = intArg(info, 12);
  const int64_t pt = intArg(info, 13), pl = intArg(info, 14);
  if (kind < 0 || kind > 1) throw Napi::RangeError::New(env, "dni_blas.poolGrad: kind must be 0 (max) or 1 (average)");
  if (B < 0 || H < 0 || W < 0 || C < 1 || Ho < 0 || Wo < 0 || size < 1 || stride < 1 || pt < 0 || pl < 0) {
    throw Napi::RangeError::New(env, "dni_blas.poolGrad: invalid geometry");
  }
  if (B * H * W * C > INT32_MAX) throw Napi::RangeError::New(env, "dni_blas.poolGrad: x has more than 2^31 elements");
  need(env, h, xOff, B * H * W * C, "x");
  need(env, h, dyOff, B * Ho * Wo * C, "dy");
  need(env, h, dxOff, B * H * W * C, "dx");
  const float* x = h.p + xOff;
  const float* dy = h.p + dyOff;
  float* dx = h.p + dxOff;
  std::fill(dx, dx + B * H * W * C, 0.0f);
  std::vector<int32_t> at(C);
  std::vector<float> best(C);
  for (int64_t n = 0; n < B; n++) {
    for (int64_t oi = 0; oi < Ho; oi++) {
      const int64_t iLo = std::max<int64_t>(oi * stride - pt, 0), iHi = std::min<int64_t>(oi * stride - pt + size, H);
      for (int64_t oj = 0; oj < Wo; oj++) {
        const int64_t jLo = std::max<int64_t>(oj * stride - pl, 0), jHi = std::min<int64_t>(oj * stride - pl + size, W);
        const float* g = dy + ((n * Ho + oi) * Wo + oj) * C;
        if (iHi <= iLo || jHi <= jLo) continue;
        if (kind == 1) {
          const float inv = 1.0f / static_cast<float>((iHi - iLo) * (jHi - jLo));
          for (int64_t i = iLo; i < iHi; i++)
            for (int64_t j = jLo; j < jHi; j++) {
              float* d = dx + ((n * H + i) * W + j) * C;
              for (int64_t c = 0; c < C; c++) d[c] += g[c] * inv;
            }
          continue;
        }
        // Max: scan the window pixel by pixel, channels innermost and branch-free so the compiler
        // vectorizes it; strict > keeps the first maximum. at[c] is the winner's pixel offset in x.
        std::fill(best.begin(), best.end(), -INFINITY);
        std::fill(at.begin(), at.end(), -1);
        for (int64_t i = iLo; i < iHi; i++)
          for (int64_t j = jLo; j < jHi; j++) {
            const int64_t off = ((n * H + i) * W + j) * C;
            scanPixel(C, x + off, static_cast<int32_t>(off), best.data(), at.data());
          }
        for (int64_t c = 0; c < C; c++)
          if (at[c] >= 0) dx[at[c] + c] += g[c];
      }
    }
  }
  return env.Undefined();
}

}  // namespace dni
