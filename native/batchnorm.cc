// Training-mode batch norm, forward and backward (lib/blas/batchnorm.ts).
#include "common.h"

namespace dni {

// Training-mode batch norm over the rows of an [n, C] view (lib/modules/batchnorm.ts). Float
// arithmetic in the order of the op chain it replaces on the native path (the sums of reduceRows,
// row by row, times the float 1/n; no fused multiply-add, see binding.gyp), so both give the same
// numbers: the results cache's fingerprints of committed runs stay within their tolerance.
// batchNorm(heap, n, C, eps, xOff, gammaOff, betaOff, yOff, xhatOff, meanOff, varOff, invstdOff):
// mean, biased variance, invstd = 1/√(var + eps), xhat = (x − mean)·invstd, y = xhat·γ + β.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12) throw Napi::TypeError::New(env, "dni_blas.batchNorm: expected 12 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1), C = intArg(info, 2);
  const float eps = info[3].As<Napi::Number>().FloatValue();
  if (n < 1 || C < 1) throw Napi::RangeError::New(env, "dni_blas.batchNorm: empty input");
  const int64_t xOff = intArg(info, 4), gOff = intArg(info, 5), bOff = intArg(info, 6), yOff = intArg(info, 7);
  const int64_t xhOff = intArg(info, 8), mOff = intArg(info, 9), vOff = intArg(info, 10), iOff = intArg(info, 11);
  need(env, h, xOff, n * C, "x");
  need(env, h, yOff, n * C, "y");
  need(env, h, xhOff, n * C, "xhat");
  for (int64_t off : {gOff, bOff, mOff, vOff, iOff}) need(env, h, off, C, "per-channel vector");
  const float *x = h.p + xOff, *gamma = h.p + gOff, *beta = h.p + bOff;
  float *y = h.p + yOff, *xhat = h.p + xhOff, *mean = h.p + mOff, *var = h.p + vOff, *invstd = h.p + iOff;
  const float scale = static_cast<float>(1.0 / static_cast<double>(n));
  std::fill(mean, mean + C, 0.0f);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (int64_t c = 0; c < C; c++) mean[c] *= scale;
  // xhat holds x − mean until the variance is known.
  std::fill(var, var + C, 0.0f);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const float d = x[r * C + c] - mean[c];
      xhat[r * C + c] = d;
      var[c] += d * d;
    }
  for (int64_t c = 0; c < C; c++) {
    var[c] *= scale;
    invstd[c] = 1.0f / std::sqrt(var[c] + eps);
  }
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const int64_t k = r * C + c;
      const float xh = xhat[k] * invstd[c];
      xhat[k] = xh;
      const float scaled = xh * gamma[c];
      y[k] = scaled + beta[c];
    }
  return env.Undefined();
}

// Its backward, in the op chain's order: dγ = Σ dy·xhat, dβ = Σ dy, and, when dxOff ≥ 0,
// dx = (γ·invstd)·((dy − dβ/n) − xhat·(dγ/n)).
// batchNormGrad(heap, n, C, dyOff, xhatOff, gammaOff, invstdOff, dxOff, dgOff, dbOff)
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) throw Napi::TypeError::New(env, "dni_blas.batchNormGrad: expected 10 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1), C = intArg(info, 2);
  if (n < 1 || C < 1) throw Napi::RangeError::New(env, "dni_blas.batchNormGrad: empty input");
  const int64_t dyOff = intArg(info, 3), xhOff = intArg(info, 4), gOff = intArg(info, 5), iOff = intArg(info, 6);
  const int64_t dxOff = intArg(info, 7), dgOff = intArg(info, 8), dbOff = intArg(info, 9);
  need(env, h, dyOff, n * C, "dy");
  need(env, h, xhOff, n * C, "xhat");
  if (dxOff >= 0) need(env, h, dxOff, n * C, "dx");
  for (int64_t off : {gOff, iOff, dgOff, dbOff}) need(env, h, off, C, "per-channel vector");
  const float *dy = h.p + dyOff, *xhat = h.p + xhOff, *gamma = h.p + gOff, *invstd = h.p + iOff;
  float *dg = h.p + dgOff, *db = h.p + dbOff;
  std::fill(dg, dg + C, 0.0f);
  std::fill(db, db + C, 0.0f);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const float p = dy[r * C + c] * xhat[r * C + c];
      dg[c] += p;
      db[c] += dy[r * C + c];
    }
  if (dxOff < 0) return env.Undefined();
  float* dx = h.p + dxOff;
  const float nf = static_cast<float>(n);
  std::vector<float> scale(C), mb(C), mg(C);
  for (int64_t c = 0; c < C; c++) {
    scale[c] = gamma[c] * invstd[c];
    mb[c] = db[c] / nf;
    mg[c] = dg[c] / nf;
  }
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const int64_t k = r * C + c;
      const float centred = dy[k] - mb[c];
      const float proj = xhat[k] * mg[c];
      dx[k] = scale[c] * (centred - proj);
    }
  return env.Undefined();
}

}  // namespace dni
